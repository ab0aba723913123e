import ClusterModel
import KubeAPI
import KubeTypes
import Logging
import PostgresHealth

/// The controller: caches, a work queue, a bounded number of workers, and periodic re-probes.
///
/// ``run()`` runs until its task is cancelled; leader election wraps it (see ``OperatorProcess``),
/// so a lost lease cancels it and no reconcile continues.
public final class Controller: Sendable {
    public let caches: ClusterCaches
    public let queue: WorkQueue<ClusterKey>
    public let reconciler: ClusterReconciler
    public let metrics: OperatorMetrics
    let options: OperatorOptions
    let logger: Logger

    public init(client: KubeClient, options: OperatorOptions, metrics: OperatorMetrics, pool: ConnectionPool = ConnectionPool(),
                clock: WallClock = .system, logger: Logger) {
        let queue = WorkQueue<ClusterKey>()
        self.queue = queue
        self.options = options
        self.metrics = metrics
        self.logger = logger
        caches = ClusterCaches(client: client, namespaces: options.namespaces) { key in
            Task { await queue.add(key) }
        }
        let events = EventRecorder(client: client, logger: logger, clock: clock)
        reconciler = ClusterReconciler(
            client: client, caches: caches, options: options, pool: pool, events: events, metrics: metrics, clock: clock, logger: logger)
    }

    /// True once every cache has listed.
    public var isSynced: Bool { caches.isSynced }

    /// Runs informers and workers until the task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.caches.run() }
            group.addTask {
                await self.caches.waitUntilSynced()
                guard !Task.isCancelled else { return }
                self.logger.info("caches synced", metadata: ["clusters": "\(self.caches.clusters.all().count)"])
                for cluster in self.caches.clusters.all() {
                    if let name = cluster.metadata.name, let namespace = cluster.metadata.namespace {
                        await self.queue.add(ClusterKey(namespace: namespace, name: name))
                    }
                }
                await withTaskGroup(of: Void.self) { workers in
                    for _ in 0..<max(1, self.options.workers) {
                        workers.addTask { await self.work() }
                    }
                }
            }
            group.addTask {
                await withTaskCancellationHandler {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(3600))
                    }
                } onCancel: {
                    Task { await self.queue.shutDown() }
                }
            }
        }
    }

    /// One worker: takes keys until the queue shuts down.
    func work() async {
        while let key = await queue.next() {
            await process(key)
            await queue.done(key)
            metrics.setQueueDepth(await queue.depth)
        }
    }

    /// Reconciles one key and schedules the next look.
    public func process(_ key: ClusterKey) async {
        let started = ContinuousClock.now
        do {
            let outcome = try await reconciler.reconcile(key)
            metrics.observeReconcile(result: outcome.phase == .failed ? "invalid" : "success", seconds: (ContinuousClock.now - started).seconds)
            metrics.setPhase(outcome.phase?.rawValue, cluster: key.description)
            await queue.forget(key)
            if let delay = outcome.requeueAfter, !Task.isCancelled {
                await queue.add(key, after: delay)
            }
        } catch {
            metrics.observeReconcile(result: "error", seconds: (ContinuousClock.now - started).seconds)
            logger.warning("reconcile failed; retrying with backoff", metadata: [
                "cluster": "\(key.name)", "namespace": "\(key.namespace)", "error": "\(error)",
            ])
            if !Task.isCancelled { await queue.addRateLimited(key) }
        }
    }
}
