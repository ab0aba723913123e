import KubeAPI
import Logging
import PostgresHealth
import ServiceLifecycle

/// `ordinal run`: one ServiceLifecycle ``ServiceGroup`` of three services, started in this order
/// and shut down in the reverse one:
///
/// 1. ``HTTPEndpoints``: `/healthz`, `/readyz` (ready once the caches are synced, on a standby
///    too) and `/metrics`;
/// 2. ``ClusterCaches``: the informers, for the whole process, so a standby keeps a warm copy;
/// 3. ``LeaderElectedController``: campaigns for the Lease and runs the ``Controller`` while it
///    holds it.
///
/// SIGTERM or SIGINT shuts the group down gracefully: the controller stops taking keys, finishes
/// the reconciles in hand and releases the Lease (a standby takes over at once), then the caches
/// and the endpoints stop. Run as a service inside another group, it follows that group's
/// graceful shutdown instead (as tests do).
public final class OperatorProcess: ServiceLifecycle.Service {
    /// The controller, with its caches and work queue.
    public let controller: Controller
    /// The HTTP endpoints (``HTTPEndpoints/boundPort`` tells the port when 0 was asked).
    public let endpoints: HTTPEndpoints
    public let leaderElection: LeaderElectionConfig?
    public let metrics: OperatorMetrics
    let client: KubeClient
    let pool: ConnectionPool
    let logger: Logger
    let handlesSignals: Bool

    /// A graceful shutdown that takes longer than this is cut short by cancellation
    /// (below the 30 s a Kubernetes pod is given between SIGTERM and SIGKILL).
    public static let maximumGracefulShutdown: Duration = .seconds(20)

    /// - Parameters:
    ///   - httpPort: the port of the endpoints; 0 for any free one.
    ///   - leaderElection: `nil` to run without leader election.
    ///   - handlesSignals: shut down gracefully on SIGTERM and SIGINT (off in tests that run several processes in one).
    ///   - observer: told of ``LifecycleEvent``s (caches synced, terms, reconciles).
    public init(options: OperatorOptions, httpPort: Int, leaderElection: LeaderElectionConfig?, config: KubeConfig, logger: Logger,
                metrics: OperatorMetrics = OperatorMetrics(), handlesSignals: Bool = true,
                observer: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) {
        self.leaderElection = leaderElection
        self.metrics = metrics
        self.logger = logger
        self.handlesSignals = handlesSignals
        client = KubeClient(config: config, concurrentRequests: max(4, options.workers), logger: logger) { record in
            metrics.observeAPIRequest(verb: record.verb, code: record.statusCode)
        }
        pool = ConnectionPool(logger: logger)
        let controller = Controller(client: client, options: options, metrics: metrics, pool: pool, logger: logger, observer: observer)
        self.controller = controller
        endpoints = HTTPEndpoints(
            port: httpPort, metrics: metrics, isHealthy: { true },
            isReady: { controller.caches.isSynced },
            onBound: { port in logger.info("serving /healthz /readyz /metrics", metadata: ["port": "\(port)"]) })
    }

    /// Runs until SIGTERM/SIGINT (or the enclosing group's graceful shutdown), or until the
    /// calling task is cancelled.
    /// - Throws: what made a service fail (the endpoints cannot listen, say).
    public func run() async throws {
        let elector = leaderElection.map { LeaderElector(client: client, config: $0) }
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: endpoints, serviceName: "endpoints"),
                .init(service: controller.caches, serviceName: "caches"),
                .init(
                    service: LeaderElectedController(controller: controller, elector: elector, metrics: metrics, logger: logger),
                    serviceName: "controller"),
            ],
            gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.maximumGracefulShutdown
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            await pool.closeAll()
            throw error
        }
        await pool.closeAll()
        logger.info("stopped")
    }
}
