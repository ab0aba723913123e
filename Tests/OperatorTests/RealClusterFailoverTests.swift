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
    let faults = LiveFaultTests()
    let real = RealClusterControllerTests()

    /// The kubelet's readiness report for `pod`.
    func setReady(_ client: KubeClient, _ pod: String, _ ready: Bool, in namespace: String) async throws {
        _ = try await client.patchMergeRaw(
            ResourceType(Pod.self), name: pod, namespace: namespace,
            patch: ["status": ["phase": "Running", "podIP": "127.0.0.1",
                               "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]],
            subresource: "status")
    }

    @Test("a lost primary is replaced, the old one rejoins, and the primary comes home, with a real StatefulSet controller")
    func failoverAndHomeOnARealServer() async throws {
        let (client, namespace) = try await RealClusterControllerTests.freshNamespace("ordinal-failover-test")
        defer { Task { try? await client.delete(Namespace.self, name: namespace) } }
        let postgres = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await postgres.shutdown() } }

        var options = OperatorOptions()
        options.namespaces = [namespace]
        options.addressing = .table { _, pod in postgres.instances.first { $0.podName == pod }.map { ($0.host, $0.port) } }
        options.replicationPassfile = { _, pod in postgres.instances.first { $0.podName == pod }?.passfile }
        var logger = Logger(label: "ordinal.real")
        logger.logLevel = .warning
        let controller = Controller(client: client, options: options, metrics: OperatorMetrics(), logger: logger)
        let caches = Task { await controller.caches.run() }
        defer { caches.cancel() }

        let labels = ClusterLabels.common(cluster: "orders")
        for (name, user, password) in [("orders-superuser", "postgres", postgres.superuserPassword),
                                       ("orders-replication", postgres.replicationUser, postgres.replicationPassword)] {
            _ = try await client.create(Secret(
                metadata: ObjectMeta(name: name, namespace: namespace, labels: labels), type: "kubernetes.io/basic-auth",
                stringData: ["username": user, "password": password]), namespace: namespace)
        }
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        spec.failover = FailoverSpec(delaySeconds: 1)
        _ = try await client.create(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: namespace), spec: spec), namespace: namespace)
        try await real.waitFor("the cluster in the cache") { controller.caches.clusters.get(namespace: namespace, name: "orders") != nil }
        let key = ClusterKey(namespace: namespace, name: "orders")

        /// Reconciles, playing the kubelet for pods that exist and are not Ready (unless `down`),
        /// until `condition` holds.
        func reconcile(down: Set<String> = [], until condition: () async throws -> Bool) async throws {
            for _ in 0..<150 {
                _ = try await controller.reconciler.reconcile(key)
                if try await condition() { return }
                for pod in try await client.list(Pod.self, namespace: namespace).items {
                    let name = pod.metadata.name ?? ""
                    let ready = pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
                    if !ready && !down.contains(name) { try await setReady(client, name, true, in: namespace) }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let status = try await client.get(PostgresCluster.self, name: "orders", namespace: namespace).status
            Issue.record("condition not reached; status: \(String(describing: status))")
        }
        func status() async throws -> PostgresClusterStatus? {
            try await client.get(PostgresCluster.self, name: "orders", namespace: namespace).status
        }
        func roles() async throws -> [String: String] {
            var result: [String: String] = [:]
            for pod in try await client.list(Pod.self, namespace: namespace).items {
                result[pod.metadata.name ?? ""] = pod.metadata.labels?[ClusterLabels.role] ?? "-"
            }
            return result
        }
        func configMap() async throws -> ConfigMap { try await client.get(ConfigMap.self, name: "orders-config", namespace: namespace) }

        try await reconcile { try await status()?.phase == .healthy }
        #expect(try await roles() == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"])

        // Pod 0's server dies and the kubelet marks it not Ready: a replica is promoted.
        try await postgres.instances[0].stop(mode: "immediate")
        try await setReady(client, "orders-0", false, in: namespace)
        try await reconcile(down: ["orders-0"]) { try await status()?.lastFailover?.outcome == "Completed" }
        let promoted = try #require(try await status()?.currentPrimary)
        #expect(promoted != "orders-0")
        #expect(try await roles()[promoted] == "primary")
        #expect(try await configMap().data?[ConfigMapBuilder.primaryKey]?.hasPrefix("\(promoted) ") == true)

        // The old primary's container starts again: its bootstrap rewinds it into a standby.
        let rejoin = try await postgres.restartPod(postgres.instances[0], configMap: try await configMap().data ?? [:])
        #expect(rejoin.stderr.contains("rejoining as its standby"), "\(rejoin.stderr)")
        try await setReady(client, "orders-0", true, in: namespace)

        // The way home: a switchover to orders-0; the former primary is fenced by deleting its
        // pod, which the StatefulSet controller makes again; the test starts its server.
        let fencedUID = try await client.get(Pod.self, name: promoted, namespace: namespace).metadata.uid
        try await reconcile {
            let done = try await status()?.lastSwitchover?.outcome == "Completed"
            let uid = try await client.getIfPresent(Pod.self, name: promoted, namespace: namespace)?.metadata.uid
            return done && uid != nil && uid != fencedUID
        }
        #expect(try await status()?.currentPrimary == "orders-0")
        let fenced = try #require(postgres.instances.first { $0.podName == promoted })
        _ = try await postgres.restartPod(fenced, configMap: try await configMap().data ?? [:])
        try await reconcile {
            let healthy = try await status()?.phase == .healthy
            let labels = try await roles()
            return healthy && labels == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"]
        }
        #expect(try await configMap().data?[ConfigMapBuilder.primaryKey] == nil)
        #expect(try await fenced.psql("SELECT pg_is_in_recovery()") == "t")
    }
}
