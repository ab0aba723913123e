import KubeAPI
import Logging
import ServiceLifecycle

/// The ``Controller`` for as long as this process holds the Lease: a ``Service`` of the operator
/// process, beside the caches and the HTTP endpoints.
///
/// It campaigns with a ``LeaderElector``; each won Lease is a term in which ``Controller/run()``
/// reconciles from the caches (warm: they run for the whole process). A lost Lease cancels the
/// term (reconciling stops; the caches keep running) and the campaign starts again. A graceful
/// shutdown (SIGTERM) ends a campaign at once, or lets the term's reconciles in hand finish and
/// then releases the Lease, so a standby takes over without waiting for it to expire. Without
/// leader election the controller runs one term until shutdown.
public struct LeaderElectedController: ServiceLifecycle.Service {
    let controller: Controller
    let elector: LeaderElector?
    let metrics: OperatorMetrics
    let logger: Logger

    /// - Parameter elector: `nil` to run without leader election (a single replica).
    public init(controller: Controller, elector: LeaderElector?, metrics: OperatorMetrics, logger: Logger) {
        self.controller = controller
        self.elector = elector
        self.metrics = metrics
        self.logger = logger
    }

    /// Campaigns and leads until the task is cancelled or the process shuts down gracefully.
    public func run() async throws {
        guard let elector else {
            controller.observer(.leading)
            await controller.run()
            controller.observer(.leadershipEnded(.released))
            return
        }
        let lease = "\(elector.config.namespace)/\(elector.config.leaseName)"
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            logger.info("campaigning for the lease", metadata: ["lease": "\(lease)", "identity": "\(elector.config.identity)"])
            do {
                try await cancelWhenGracefulShutdown { try await elector.acquire() }
            } catch {
                break  // shut down (or cancelled) while campaigning: nothing held, nothing to release
            }
            metrics.setLeader(true)
            logger.info("leading: reconciling", metadata: ["lease": "\(lease)"])
            controller.observer(.leading)
            let end = await elector.lead { await controller.run() }
            metrics.setLeader(false)
            controller.observer(.leadershipEnded(end))
            switch end {
            case .lost:
                logger.warning("lost the lease: stopped reconciling (the caches keep running); campaigning again")
            case .released, .cancelled:
                logger.info("released the lease", metadata: ["lease": "\(lease)"])
            }
        }
    }
}
