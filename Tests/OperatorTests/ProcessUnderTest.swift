import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
@testable import Operator
import ServiceLifecycle
import Synchronization

/// One whole operator process (``OperatorProcess``: endpoints, caches, leader-elected controller)
/// against the API test server, in a ServiceGroup of its own so a test can shut it down
/// gracefully, the path SIGTERM takes; every ``LifecycleEvent`` it reports is recorded.
final class ProcessUnderTest: Sendable {
    let process: OperatorProcess
    let metrics: OperatorMetrics
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let recorded: EventLog

    static let lease = (name: "ordinal-leader", namespace: "ordinal-system")

    /// Starts a process campaigning for the test Lease as `identity` (short Lease timings, so a
    /// takeover after a crash would come within seconds; a released Lease is taken at the next try).
    static func start(_ identity: String, server: KubeTestServer) -> ProcessUnderTest {
        ProcessUnderTest(identity, server: server)
    }

    private init(_ identity: String, server: KubeTestServer) {
        var logger = Logger(label: "ordinal.\(identity)")
        logger.logLevel = .error
        var options = OperatorOptions()
        options.addressing = .table { _, _ in nil }
        let election = LeaderElectionConfig(
            leaseName: Self.lease.name, namespace: Self.lease.namespace, identity: identity,
            leaseDuration: .seconds(2), renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(200))
        let metrics = OperatorMetrics()
        let recorded = EventLog()
        let process = OperatorProcess(
            options: options, httpPort: 0, leaderElection: election, config: KubeConfig(server: server.url), logger: logger,
            metrics: metrics, handlesSignals: false, observer: { event in recorded.append(event) })
        let group = ServiceGroup(services: [process], logger: logger)
        self.process = process
        self.metrics = metrics
        self.recorded = recorded
        self.group = group
        running = Task { try await group.run() }
    }

    /// The events so far, in order.
    var events: [LifecycleEvent] { recorded.events }

    /// The clusters reconciled since the `index`-th event.
    func reconciled(since index: Int = 0) -> Set<ClusterKey> {
        Set(events.dropFirst(index).compactMap { event in
            if case .reconciled(let key) = event { return key }
            return nil
        })
    }

    var caches: ClusterCaches { process.controller.caches }

    /// What SIGTERM does: a graceful shutdown of the process's group.
    func shutDownGracefully() async {
        await group.triggerGracefulShutdown()
    }

    /// Waits for the run to end; rethrows what ended it.
    func finished() async throws {
        try await running.value
    }

    /// Ends the run at once (the end of a test).
    func cancel() {
        running.cancel()
    }
}

/// The events a process reported, in order.
final class EventLog: Sendable {
    private let log = Mutex<[LifecycleEvent]>([])

    func append(_ event: LifecycleEvent) {
        log.withLock { $0.append(event) }
    }

    var events: [LifecycleEvent] { log.withLock { $0 } }
}
