import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport
import Foundation
import Testing

/// The controller with real PostgreSQL servers standing in for the pods: the API test server's
/// Pod objects are reached at the local servers' addresses.
@Suite("Reconcile with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LivePostgresTests {
    /// - Parameter failoverDelay: `spec.failover.delaySeconds` (the default when `nil`); tests of
    ///   other things set it long, so a stopped primary is only waited for.
    static func harness(for cluster: PostgresTestCluster, clock: WallClock = .system, failoverDelay: Int? = nil, logs: LogRecorder? = nil,
                        spec change: (inout PostgresClusterSpec) -> Void = { _ in }) async throws -> OperatorHarness {
        var options = OperatorOptions()
        options.probeTimeout = .seconds(5)
        options.addressing = .table { _, pod in
            cluster.instances.first { $0.podName == pod }.map { ($0.host, $0.port) }
        }
        options.replicationPassfile = { _, pod in cluster.instances.first { $0.podName == pod }?.passfile }
        options.replicaCertificateAuthority = { _, _ in "\(cluster.tlsDirectory)/ca.crt" }
        let harness = try await OperatorHarness.start(options: options, clock: clock, logs: logs)
        let labels = ClusterLabels.common(cluster: "orders")
        _ = try harness.server.put(Secret(
            metadata: ObjectMeta(name: "orders-superuser", namespace: harness.namespace, labels: labels),
            type: "kubernetes.io/basic-auth", stringData: ["username": "postgres", "password": cluster.superuserPassword]))
        _ = try harness.server.put(Secret(
            metadata: ObjectMeta(name: "orders-replication", namespace: harness.namespace, labels: labels),
            type: "kubernetes.io/basic-auth", stringData: ["username": cluster.replicationUser, "password": cluster.replicationPassword]))
        try harness.putCluster(version: "15") { cluster in
            cluster.spec.failover = failoverDelay.map { FailoverSpec(delaySeconds: $0) }
            change(&cluster.spec)
        }
        for ordinal in 0..<3 { try harness.putPod(ordinal) }
        return harness
    }

    /// Reconciles until the cluster is Healthy (a few rounds: roles, slots, streaming), failing after 10 s.
    static func reconcileUntilHealthy(_ harness: OperatorHarness) async throws {
        for _ in 0..<40 {
            _ = try await harness.reconcile()
            if try harness.cluster()?.status?.phase == .healthy { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("not Healthy; status: \(String(describing: try harness.cluster()?.status))")
    }

    func roleLabels(_ harness: OperatorHarness) throws -> [String: String] {
        var labels: [String: String] = [:]
        for ordinal in 0..<3 {
            let pod = try harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-\(ordinal)")
            labels["orders-\(ordinal)"] = pod?.metadata.labels?[ClusterLabels.role] ?? "-"
        }
        return labels
    }

    func slotNames(_ cluster: PostgresTestCluster) async throws -> String {
        try await cluster.primary.psql("SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reconciles until `condition` holds (replication settles over a few rounds), up to `attempts`.
    func reconcile(_ harness: OperatorHarness, until condition: () throws -> Bool, attempts: Int = 40) async throws {
        for _ in 0..<attempts {
            _ = try await harness.reconcile()
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("condition not reached; status: \(String(describing: try harness.cluster()?.status))")
    }

    @Test func primaryAndReplicasAreLabelledFromWhatPostgreSQLReports() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await Self.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }

        // Healthy, and every password set from its Secret (the app Secret, made in the first
        // round, has its password set in the next).
        try await reconcile(harness) { try harness.cluster()?.status?.phase == .healthy && harness.cluster()?.status?.passwords?.app != nil }
        #expect(try roleLabels(harness) == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])
        let status = try #require(try harness.cluster()?.status)
        #expect(status.primary == "orders-0")
        #expect(status.readyInstances == 3)
        #expect(status.currentVersion?.hasPrefix("15.") == true)
        #expect(status.instanceStatus?.map(\.role) == ["primary", "replica", "replica"])
        // The cluster's identity is what PostgreSQL reports, the same on every instance.
        let identifier = try await cluster.primary.psql("SELECT system_identifier FROM pg_control_system()")
        #expect(status.systemIdentifier == identifier)
        for replica in cluster.replicas {
            #expect(try await replica.psql("SELECT system_identifier FROM pg_control_system()") == identifier)
        }
        let configMap = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        #expect(configMap.data?[ConfigMapBuilder.systemIdentifierKey] == identifier)
        #expect(status.instanceStatus?[1].slotWALStatus == "reserved")
        #expect(try harness.condition("Ready")?.status == "True")
        // Slots exist on the primary for both replicas.
        #expect(try await slotNames(cluster) == "orders_1,orders_2")

        // A steady cluster: once status shows the WAL the app password's ALTER ROLE wrote (and
        // any the server logs on its own, such as a running-transactions record), a round
        // writes nothing.
        var steady = false
        for _ in 0..<5 where !steady { steady = try await harness.reconcile().writes == 0 }
        #expect(steady)

        // The primary stops (the kubelet marks its pod not Ready, which takes it out of the
        // Services): status says why and when a failover would come, and the label stays while
        // no other primary is confirmed; an unreachable server is no evidence that the role changed.
        try await cluster.primary.stop()
        try harness.setReady(0, false)
        try await reconcile(harness) { try harness.cluster()?.status?.phase == .degraded }
        #expect(try roleLabels(harness) == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])
        #expect(try harness.cluster()?.status?.primary == nil)
        #expect(try harness.condition("Ready")?.reason == "PrimaryLost")
        #expect(try harness.condition("Ready")?.message.contains("failing over in") == true)
        #expect(try harness.cluster()?.status?.primaryLostSince != nil)
        #expect(try harness.cluster()?.status?.phase == .degraded)

        // It comes back: Healthy again, still labelled.
        try await cluster.primary.start()
        try harness.setReady(0, true)
        try await reconcile(harness) { try harness.cluster()?.status?.phase == .healthy }
        #expect(try roleLabels(harness)["orders-0"] == "primary")

        // Scale 3 → 2: the StatefulSet shrinks, and pod 2's slot stays while the pod exists...
        var wanted = try #require(try harness.cluster())
        wanted.spec.instances = 2
        _ = try await harness.client.update(wanted)
        _ = try await harness.reconcile()
        #expect(try harness.statefulSet()?.spec?.replicas == 2)
        #expect(try await slotNames(cluster) == "orders_1,orders_2")
        // ...and is dropped once the StatefulSet controller has removed the pod.
        harness.server.remove(in: ResourceKey(Pod.self), namespace: harness.namespace, name: "orders-2")
        try await cluster.instances[2].stop()
        for _ in 0..<40 where try await slotNames(cluster) != "orders_1" {
            _ = try await harness.reconcile()
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await slotNames(cluster) == "orders_1")
        try await reconcile(harness) { try harness.cluster()?.status?.phase == .healthy }

        // A replica promoted by hand: two servers accept writes. Ordinal keeps the primary it
        // holds labelled and fences the other (LiveFailoverTests follows it back as a standby).
        try await cluster.instances[1].promote()
        try await reconcile(harness) {
            try harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-1") == nil
        }
        #expect(try roleLabels(harness)["orders-0"] == "primary")
        #expect(try harness.cluster()?.status?.currentPrimary == "orders-0")
        #expect(try harness.cluster()?.status?.fenced?.map(\.pod) == ["orders-1"])
    }

    @Test("roles and the database a cut-short first start never made are made by the operator; replicas stream again")
    func missingRolesAndDatabaseAreMade() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await Self.harness(for: cluster)
        defer { Task { await harness.stop() } }
        try await reconcile(harness) { try harness.cluster()?.status?.phase == .healthy }

        // What a first start cut short after initdb leaves: no replication role, no app owner, no database.
        _ = try await cluster.primary.psql("DROP DATABASE app")
        _ = try await cluster.primary.psql("DROP ROLE app")
        _ = try await cluster.primary.psql("DROP ROLE streaming_replica")
        _ = try await cluster.primary.psql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_replication")
        try await reconcile(harness) {
            try harness.cluster()?.status?.phase == .healthy
        }
        #expect(try await cluster.primary.psql("SELECT rolreplication FROM pg_roles WHERE rolname = 'streaming_replica'") == "t")
        #expect(try await cluster.primary.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'") == "app")
        // Passwords went in as SCRAM verifiers, from the Secrets.
        #expect(try await cluster.primary.psql("SELECT bool_and(rolpassword LIKE 'SCRAM-SHA-256$%') FROM pg_authid WHERE rolname IN ('app', 'streaming_replica')") == "t")
        let appSecret = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-app"))
        let appPassword = try #require(ClusterReconciler.decodedData(appSecret)["password"])
        let app = ConnectionSettings(
            host: "127.0.0.1", port: cluster.primary.port, user: "app", password: PostgresPassword(appPassword),
            database: "app", sslMode: "require")
        let connection = try await PostgresConnection.connect(app)
        defer { connection.close() }
        _ = try await connection.query("CREATE TABLE made_after_heal (n int)")
        // Replicas log in again with the replication Secret's password.
        try await cluster.waitForStreaming(count: 2)
        #expect(!(cluster.primary.logTail(lines: 400).contains(appPassword)))
    }
}
