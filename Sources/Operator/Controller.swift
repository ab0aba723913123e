import ClusterModel
import KubeAPI
import KubeTypes
import Logging
import PostgresHealth
import ServiceLifecycle

/// The controller: a work queue over the caches, a bounded number of workers, and periodic re-probes.
///
/// The caches run apart from the controller, for the whole process (``ClusterCaches`` is a
/// service of its own), so a standby holds a warm copy of the cluster and a new leader reconciles
/// at once. ``run()`` is one term of leadership: it starts once the caches are synced, queues
/// every cluster, and works until its task is cancelled (a lost Lease: the reconcile in hand is
/// abandoned) or a graceful shutdown (no new key is taken, the reconciles in hand finish).
public final class Controller: Sendable {
    public let caches: ClusterCaches
    public let queue: WorkQueue<ClusterKey>
    public let reconciler: ClusterReconciler
    public let metrics: OperatorMetrics
    let options: OperatorOptions
    let logger: Logger
    /// Told of ``LifecycleEvent``s: the caches' sync, every reconcile, and (from ``OperatorProcess``) terms.
    public let observer: @Sendable (LifecycleEvent) -> Void

    /// - Parameter observer: told when the caches have synced and after every reconcile.
    public init(client: KubeClient, options: OperatorOptions, metrics: OperatorMetrics, pool: ConnectionPool = ConnectionPool(),
                clock: WallClock = .system, logger: Logger, observer: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) {
        let queue = WorkQueue<ClusterKey>()
        self.queue = queue
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.observer = observer
        caches = ClusterCaches(client: client, namespaces: options.namespaces, logger: logger, onSynced: { observer(.cachesSynced) }) { key in
            Task { await queue.add(key) }
        }
        let events = EventRecorder(client: client, logger: logger, clock: clock)
        reconciler = ClusterReconciler(
            client: client, caches: caches, options: options, pool: pool, events: events, metrics: metrics, clock: clock, logger: logger)
    }

    /// True once every cache has listed.
    public var isSynced: Bool { caches.isSynced }

    /// One term: waits for the caches (run elsewhere), queues every cluster and runs the workers
    /// until the task is cancelled or shuts down gracefully. The queue is shut down on return.
    public func run() async {
        await queue.reopen()
        do {
            try await cancelWhenGracefulShutdown { try await self.caches.waitUntilSynced() }
        } catch {
            await queue.shutDown()
            return
        }
        if !Task.isShuttingDownGracefully {
            let clusters = caches.clusters.all()
            for cluster in clusters {
                if let name = cluster.metadata.name, let namespace = cluster.metadata.namespace {
                    await queue.add(ClusterKey(namespace: namespace, name: name))
                }
            }
            logger.info("reconciling", metadata: ["clusters": "\(clusters.count)", "workers": "\(max(1, options.workers))"])
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<max(1, options.workers) {
                    group.addTask {
                        await self.work()
                        return true
                    }
                }
                group.addTask {
                    // A graceful shutdown stops handing out keys; each worker finishes the key in hand.
                    if (try? await gracefulShutdown()) != nil { await self.queue.shutDown() }
                    return false
                }
                // Workers end on cancellation or shutdown; then the shutdown watcher has nothing left to wait for.
                var workers = max(1, options.workers)
                for await isWorker in group where isWorker {
                    workers -= 1
                    if workers == 0 { group.cancelAll() }
                }
            }
        }
        await queue.shutDown()
    }

    /// One worker: takes keys until the queue shuts down or the task is cancelled.
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
        defer { observer(.reconciled(key)) }
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
            // Cancelled: the term is over (a lost Lease), and the next leader looks again.
            if Task.isCancelled { return }
            logger.warning("reconcile failed; retrying with backoff", metadata: [
                "cluster": "\(key.name)", "namespace": "\(key.namespace)", "error": "\(error)",
            ])
            await queue.addRateLimited(key)
        }
    }
}
