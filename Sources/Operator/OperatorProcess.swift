@preconcurrency import Dispatch
import KubeAPI
import Logging
import PostgresHealth
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ordinal run`: the HTTP endpoints, leader election, and the controller while leading.
/// SIGTERM or SIGINT cancels it: the in-flight reconcile is abandoned at its next suspension
/// point, and the lease is released so a standby takes over at once.
public struct OperatorProcess: Sendable {
    public var options: OperatorOptions
    public var httpPort: Int
    public var leaderElection: LeaderElectionConfig?
    public var config: KubeConfig
    public var logger: Logger
    public var metrics: OperatorMetrics
    /// Stop on SIGTERM and SIGINT (off in tests that run several processes in one).
    public var handlesSignals = true

    public init(options: OperatorOptions, httpPort: Int, leaderElection: LeaderElectionConfig?, config: KubeConfig, logger: Logger,
                metrics: OperatorMetrics = OperatorMetrics()) {
        self.options = options
        self.metrics = metrics
        self.httpPort = httpPort
        self.leaderElection = leaderElection
        self.config = config
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT, or until the calling task is cancelled.
    public func run() async {
        let metrics = self.metrics
        let client = KubeClient(config: config, concurrentRequests: max(4, options.workers), logger: logger) { record in
            metrics.observeAPIRequest(verb: record.verb, code: record.statusCode)
        }
        let current = ControllerSlot()
        let logger = self.logger
        let options = self.options
        let leaderElection = self.leaderElection
        let endpoints = HTTPEndpoints(
            port: httpPort, metrics: metrics, isHealthy: { true },
            isReady: {
                // A standby that is not leading is ready: it serves its endpoints and waits for the lease.
                if leaderElection != nil && !metrics.isLeader { return true }
                return current.controller.withLock { $0?.isSynced } ?? false
            })
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await endpoints.run { port in logger.info("serving /healthz /readyz /metrics", metadata: ["port": "\(port)"]) }
                    } catch {
                        logger.error("HTTP endpoints failed", metadata: ["error": "\(error)"])
                    }
                }
                group.addTask {
                    let pool = ConnectionPool(logger: logger)
                    while !Task.isCancelled {
                        let controller = Controller(client: client, options: options, metrics: metrics, pool: pool, logger: logger)
                        current.controller.withLock { $0 = controller }
                        guard let election = leaderElection else {
                            await controller.run()
                            break
                        }
                        let elector = LeaderElector(client: client, config: election)
                        logger.info("campaigning for the lease", metadata: ["lease": "\(election.namespace)/\(election.leaseName)", "identity": "\(election.identity)"])
                        let end = await elector.run {
                            metrics.setLeader(true)
                            logger.info("leading: reconciling")
                            await controller.run()
                        }
                        metrics.setLeader(false)
                        if end == .lost { logger.warning("lost the lease: stopped reconciling; campaigning again") }
                    }
                    await pool.closeAll()
                }
            }
        }
        let signals = SignalWatcher(signals: handlesSignals ? [SIGTERM, SIGINT] : []) { signal in
            logger.info("signal received: shutting down", metadata: ["signal": "\(signal)"])
            work.cancel()
        }
        await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        signals.stop()
        logger.info("stopped")
    }
}

/// The controller of the current term of leadership.
final class ControllerSlot: Sendable {
    let controller = Mutex<Controller?>(nil)
}

/// Turns POSIX signals into a callback (on a Dispatch queue, outside Swift concurrency).
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "ordinal.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
