import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
@testable import Operator
import Testing

/// Two operator processes against one API server: only the lease holder acts.
@Suite("Two operators, one leader")
struct LeaderElectionTests {
    static func process(_ identity: String, server: KubeTestServer, metrics: OperatorMetrics) -> OperatorProcess {
        var logger = Logger(label: "ordinal.\(identity)")
        logger.logLevel = .error
        var options = OperatorOptions()
        options.addressing = .table { _, _ in nil }
        let election = LeaderElectionConfig(
            leaseName: "ordinal-leader", namespace: "ordinal-system", identity: identity,
            leaseDuration: .seconds(2), renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(200))
        return OperatorProcess(
            options: options, httpPort: 0, leaderElection: election, config: KubeConfig(server: server.url), logger: logger, metrics: metrics,
            handlesSignals: false)
    }

    func eventually(_ what: String, timeout: Duration = .seconds(15), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func onlyTheLeaseHolderReconcilesAndAStandbyTakesOver() async throws {
        let server = try await KubeTestServer.start()
        defer { Task { await server.shutdown() } }
        let cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1"),
            spec: PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi")))
        _ = try server.put(cluster)

        let metricsA = OperatorMetrics()
        let metricsB = OperatorMetrics()
        let a = Task { try await Self.process("operator-a", server: server, metrics: metricsA).run() }
        try await eventually("operator-a leads") { metricsA.isLeader }
        let b = Task { try await Self.process("operator-b", server: server, metrics: metricsB).run() }
        defer { a.cancel(); b.cancel() }

        try await eventually("the leader reconciled the cluster") {
            try server.object(StatefulSet.self, namespace: "shop", name: "orders") != nil
        }
        // The standby campaigns but never acts while the lease is held.
        try await Task.sleep(for: .seconds(3))
        #expect(metricsA.isLeader && !metricsB.isLeader)
        #expect(metricsB.render().contains("ordinal_reconcile_total") == true)
        #expect(!metricsB.render().contains("ordinal_reconcile_total{"), "the standby reconciled")
        let lease = try #require(try server.object(Lease.self, namespace: "ordinal-system", name: "ordinal-leader"))
        #expect(lease.spec?.holderIdentity == "operator-a")

        // The leader stops (SIGTERM releases the lease): the standby takes over and acts.
        a.cancel()
        _ = try? await a.value
        #expect(!metricsA.isLeader)
        try await eventually("operator-b leads") { metricsB.isLeader }
        try server.put(PostgresCluster(
            metadata: ObjectMeta(name: "billing", namespace: "shop", uid: "uid-2"),
            spec: PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))))
        try await eventually("the new leader reconciled a new cluster") {
            try server.object(StatefulSet.self, namespace: "shop", name: "billing") != nil
        }
        #expect(try server.object(Lease.self, namespace: "ordinal-system", name: "ordinal-leader")?.spec?.holderIdentity == "operator-b")
    }
}
