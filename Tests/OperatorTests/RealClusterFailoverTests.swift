import ClusterModel
import Foundation
import KubeAPI
import KubeTypes
import Logging
@testable import Operator
import PostgresTestSupport
import Testing

/// Failover and the way home on a real API server (its StatefulSet controller makes and
/// remakes the pods), with real PostgreSQL servers on loopback standing in for the pods: the
/// test plays the kubelet, marking pods Ready and running a recreated pod's bootstrap.
@Suite(
    "Failover on a real API server",
    .enabled(if: controllerRealClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"),
    .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries"),
    .serialized)
struct RealClusterFailoverTests {
    @Test("a lost primary is replaced, the old one rejoins, and the primary comes home, with a real StatefulSet controller")
    func failoverAndHomeOnARealServer() async throws {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        spec.failover = FailoverSpec(delaySeconds: 1)
        let world = try await RealClusterWorld.start("ordinal-failover-test", spec: spec)
        defer { Task { await world.stop() } }
        let postgres = world.postgres

        try await world.reconcile { try await world.status()?.phase == .healthy }
        #expect(try await world.roles() == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])
        // TLS: the StatefulSet's pods are marked as serving the cluster's certificate, so the
        // operator verifies each server (verify-full) and points replicas at the CA; every
        // network connection to the primary, replication and the operator's own, is encrypted.
        for replica in postgres.replicas {
            try await replica.waitFor("SELECT current_setting('primary_conninfo') ~ 'sslmode=''?verify-full.*sslrootcert='", toPrint: "t")
            try await replica.waitFor("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'", toPrint: "1", timeout: .seconds(30))
        }
        #expect(try await postgres.primary.psql(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_replication USING (pid) WHERE ssl") == "2")
        #expect(try await postgres.primary.psql(
            "SELECT bool_and(ssl) AND count(*) > 0 FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE client_addr IS NOT NULL") == "t")
        #expect(try await world.status()?.certificates?.server?.issuedBy == "Ordinal")
        #expect(try await world.status()?.certificates?.server?.problem == nil)

        // Pod 0's server dies and the kubelet marks it not Ready: a replica is promoted.
        try await postgres.instances[0].stop(mode: "immediate")
        try await world.setReady("orders-0", false)
        try await world.reconcile(down: ["orders-0"]) { try await world.status()?.lastFailover?.outcome == "Completed" }
        let promoted = try #require(try await world.status()?.currentPrimary)
        #expect(promoted != "orders-0")
        #expect(try await world.roles()[promoted] == "primary")
        #expect(try await world.configMap().data?[ConfigMapBuilder.primaryKey]?.hasPrefix("\(promoted) ") == true)

        // The old primary's container starts again: its bootstrap rewinds it into a standby.
        let rejoin = try await postgres.restartPod(postgres.instances[0], configMap: try await world.configMap().data ?? [:])
        #expect(rejoin.stderr.contains("rejoining as its standby"), "\(rejoin.stderr)")
        try await world.setReady("orders-0", true)

        // The way home: a switchover to orders-0; the former primary is fenced by deleting its
        // pod, which the StatefulSet controller makes again; the test starts its server.
        let client = world.client, namespace = world.namespace
        let fencedUID = try await client.get(Pod.self, name: promoted, namespace: namespace).metadata.uid
        try await world.reconcile {
            let done = try await world.status()?.lastSwitchover?.outcome == "Completed"
            let uid = try await client.getIfPresent(Pod.self, name: promoted, namespace: namespace)?.metadata.uid
            return done && uid != nil && uid != fencedUID
        }
        #expect(try await world.status()?.currentPrimary == "orders-0")
        let fenced = try #require(postgres.instances.first { $0.podName == promoted })
        _ = try await postgres.restartPod(fenced, configMap: try await world.configMap().data ?? [:])
        try await world.reconcile {
            let healthy = try await world.status()?.phase == .healthy
            let labels = try await world.roles()
            return healthy && labels == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"]
        }
        #expect(try await world.configMap().data?[ConfigMapBuilder.primaryKey] == nil)
        #expect(try await fenced.psql("SELECT pg_is_in_recovery()") == "t")
    }

    @Test("a walk that lowers max_connections restarts the primary first, then the replicas, with a real StatefulSet controller")
    func loweringWalkOnARealServer() async throws {
        let spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        let world = try await RealClusterWorld.start("ordinal-lowering-test", spec: spec, followsConfiguration: true)
        defer { Task { await world.stop() } }
        try await world.reconcile { try await world.status()?.phase == .healthy }
        // The kubelet started each new pod's server with its revision's configuration.
        #expect(world.restarts == [0, 1, 2], "\(world.restarts)")
        try await world.postgres.waitForStreaming(count: 2)
        for instance in world.postgres.instances { #expect(try await instance.psql("SHOW max_connections") == "100") }

        _ = try await world.client.patchMergeRaw(
            ResourceType(PostgresCluster.self), name: "orders", namespace: world.namespace,
            patch: ["spec": ["postgresql": ["parameters": ["max_connections": "50"]]]])
        try await world.reconcile(rounds: 300) {
            let status = try await world.status()
            return status?.phase == .healthy && world.restarts.count >= 7 && status?.partition == 0 && status?.primaryFirst == nil
        }
        // Pod 0 first (at its old revision, with ALTER SYSTEM's values), then 2, 1, and 0 again.
        #expect(world.restarts.dropFirst(3) == [0, 2, 1, 0], "\(world.restarts)")
        for instance in world.postgres.instances { #expect(try await instance.psql("SHOW max_connections") == "50") }
        let primary = world.postgres.instances[0]
        #expect(try await primary.psql("SELECT pg_is_in_recovery()") == "f")
        #expect(try await primary.psql("SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' AND name = 'max_connections'") == "0")
        try await world.postgres.waitForStreaming(count: 2)
        #expect(try await world.roles() == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])
    }

    @Test("TLS turned on for a running cluster is an ordinary walk: replicas first, each streaming unverified from the old primary, then everything verified")
    func turningTLSOnOnARealServer() async throws {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        spec.tls = TLSSpec(enabled: false)
        let world = try await RealClusterWorld.start("ordinal-tls-on-test", spec: spec, followsConfiguration: true)
        defer { Task { await world.stop() } }
        let postgres = world.postgres
        try await world.reconcile { try await world.status()?.phase == .healthy }
        #expect(try await world.status()?.certificates == nil)
        #expect(try await world.configMap().data?[ConfigMapBuilder.primarySSLModeKey] == "prefer")
        for replica in postgres.replicas {
            #expect(try await replica.psql("SELECT current_setting('primary_conninfo') ~ 'sslmode=''?prefer'") == "t")
        }

        _ = try await world.client.patchMergeRaw(
            ResourceType(PostgresCluster.self), name: "orders", namespace: world.namespace, patch: ["spec": ["tls": ["enabled": true]]])
        try await world.reconcile(rounds: 300) {
            let status = try await world.status()
            return status?.phase == .healthy && world.restarts.count >= 6 && status?.partition == 0
        }
        #expect(world.restarts.dropFirst(3) == [2, 1, 0], "\(world.restarts)")
        // The primary serves the cluster's certificate now: every replica verifies it, and so
        // does the bootstrap of any pod made from here on.
        try await world.reconcile { try await world.configMap().data?[ConfigMapBuilder.primarySSLModeKey] == "verify-full" }
        for replica in postgres.replicas {
            try await replica.waitFor("SELECT current_setting('primary_conninfo') ~ 'sslmode=''?verify-full.*sslrootcert='", toPrint: "t")
        }
        try await postgres.waitForStreaming(count: 2)
        #expect(try await postgres.primary.psql("SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_replication USING (pid) WHERE ssl") == "2")
        #expect(try await world.status()?.certificates?.server?.problem == nil)
        #expect(try await world.roles() == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])
    }
}
