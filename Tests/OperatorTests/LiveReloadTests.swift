import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import PostgresTestSupport
import Foundation
import Testing

/// Parameter changes on real PostgreSQL: a setting a reload applies reaches every instance with
/// no restart and no new template; one that needs a restart makes a new template (a walk).
@Suite("Reload or restart, with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveReloadTests {
    /// What the kubelet does a little after a ConfigMap changes: the mounted reload file follows it.
    static func deliverReloadFile(_ harness: OperatorHarness, to cluster: PostgresTestCluster) throws {
        let config = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        let path = cluster.configDirectory + "/" + ConfigMapBuilder.reloadConfKey
        try (config.data?[ConfigMapBuilder.reloadConfKey] ?? "").write(toFile: path, atomically: true, encoding: .utf8)
        try cluster.user.own(path)
    }

    static func templateHash(_ harness: OperatorHarness) throws -> String? {
        try harness.statefulSet()?.spec?.template.metadata?.annotations?[ClusterLabels.configHashAnnotation]
    }

    @Test func aReloadOnlyChangeReachesEveryInstanceWithoutARestartAndARestartChangeMakesANewTemplate() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        try Self.deliverReloadFile(harness, to: cluster)
        let hash = try #require(try Self.templateHash(harness))
        var started: [String: String] = [:]
        for instance in cluster.instances { started[instance.podName] = try await instance.psql("SELECT pg_postmaster_start_time()") }

        // work_mem: PostgreSQL reports it reloadable. The ConfigMap's reload file says it, the
        // template does not change, and nothing is reloaded before the file reaches the pods.
        var wanted = try #require(try harness.cluster())
        wanted.spec.postgresql = PostgreSQLSpec(parameters: ["work_mem": "12MB", "log_min_duration_statement": "250ms"])
        _ = try await harness.client.update(wanted)
        let waiting = try await harness.reconcile()
        #expect(waiting.requeueAfter == harness.run.controller.options.busyInterval, "looked at again soon, while the file is on its way")
        #expect(try Self.templateHash(harness) == hash, "no new revision, so no walk")
        let config = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        #expect(config.data?["reload.conf"]?.contains("work_mem = '12MB'") == true)
        #expect(config.data?["postgresql.conf"]?.contains("work_mem") == false)
        #expect(try await cluster.primary.psql("SHOW work_mem") == "4MB", "not reloaded before the file arrived")

        try Self.deliverReloadFile(harness, to: cluster)
        for _ in 0..<20 {
            _ = try await harness.reconcile()
            var live = true
            for instance in cluster.instances where try await instance.psql("SHOW work_mem") != "12MB" { live = false }
            if live { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        for instance in cluster.instances {
            #expect(try await instance.psql("SHOW work_mem") == "12MB", "\(instance.podName)")
            #expect(try await instance.psql("SHOW log_min_duration_statement") == "250ms", "\(instance.podName)")
            #expect(try await instance.psql("SELECT pg_postmaster_start_time()") == started[instance.podName], "\(instance.podName) was not restarted")
        }
        #expect(try Self.templateHash(harness) == hash)
        let events = harness.server.objects(in: ResourceKey(Event.self)).map { "\($0)" }
        #expect(events.contains { $0.contains("ConfigurationReloaded") })
        // Once applied, a round reloads nothing more.
        #expect(try await harness.reconcile().requeueAfter != harness.run.controller.options.busyInterval
            || (try harness.cluster()?.status?.phase) != .healthy)

        // shared_buffers needs a restart: a new template, walked as an upgrade is.
        wanted = try #require(try harness.cluster())
        wanted.spec.postgresql = PostgreSQLSpec(parameters: ["work_mem": "12MB", "log_min_duration_statement": "250ms", "shared_buffers": "64MB"])
        _ = try await harness.client.update(wanted)
        _ = try await harness.reconcile()
        #expect(try Self.templateHash(harness) != hash)
        let restartConfig = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        #expect(restartConfig.data?["postgresql.conf"]?.contains("shared_buffers = '64MB'") == true)
    }
}
