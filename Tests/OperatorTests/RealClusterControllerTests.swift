import ClusterModel
import Foundation
import KubeAPI
import KubeTypes
import Logging
@testable import Operator
import Testing

/// The kubeconfig of a real cluster to run the controller suite against, if any.
let controllerRealClusterKubeconfig: String? = {
    let path = ProcessInfo.processInfo.environment["ORDINAL_TEST_KUBECONFIG"] ?? ""
    if path.isEmpty {
        print("note: Operator real-cluster tests SKIPPED: set ORDINAL_TEST_KUBECONFIG to a kubeconfig to run them")
        return nil
    }
    return path
}()

/// The controller against a real API server: installs the CRD, works in a namespace of its own and
/// deletes it at the end. PostgreSQL is not reached from the test process (pods are probed through
/// their cluster DNS names), so this checks the Kubernetes side of reconciling.
@Suite(
    "Controller against a real cluster",
    .enabled(if: controllerRealClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"),
    .serialized)
struct RealClusterControllerTests {
    @Test func reconcileCreatesOwnedObjectsAndThenLeavesThemAlone() async throws {
        let (client, namespace) = try await Self.freshNamespace("ordinal-controller-test")
        defer { Task { try? await client.delete(Namespace.self, name: namespace) } }

        let controller = Self.controller(client, watching: namespace)
        let caches = Task { await controller.caches.run() }
        defer { caches.cancel() }

        let key = try await createCluster(client, in: namespace, seenBy: controller)

        let first = try await controller.reconciler.reconcile(key)
        #expect(first.writes >= 9)
        let set = try await client.get(StatefulSet.self, name: "orders", namespace: namespace)
        #expect(set.metadata.ownerReferences?.first?.kind == "PostgresCluster")
        for name in ["orders-headless", "orders-rw", "orders-ro"] {
            #expect(try await client.getIfPresent(Service.self, name: name, namespace: namespace) != nil)
        }
        let policy = try await client.get(NetworkPolicy.self, name: "orders", namespace: namespace)
        #expect(policy.spec?.ingress?.first?.from?.count == 4)
        let cluster = try await client.get(PostgresCluster.self, name: "orders", namespace: namespace)
        #expect(cluster.status?.observedGeneration == cluster.metadata.generation)

        try await waitFor("caches hold what was applied") {
            controller.caches.statefulSets.get(namespace: namespace, name: "orders") != nil
                && controller.caches.services.list(namespace: namespace).count == 3
                && controller.caches.networkPolicies.get(namespace: namespace, name: "orders") != nil
                && controller.caches.clusters.get(namespace: namespace, name: "orders")?.status != nil
        }
        let second = try await controller.reconciler.reconcile(key)
        // Only status may change while the real pod starts; owned objects are not written again.
        #expect(second.writes <= 1)
    }

    @Test("faults on a real API server: a refused resize is reported and the rest reconciles; every status field survives the schema")
    func refusedResizeAndStatusFieldsOnARealServer() async throws {
        let (client, namespace) = try await Self.freshNamespace("ordinal-fault-test")
        defer { Task { try? await client.delete(Namespace.self, name: namespace) } }

        let controller = Self.controller(client, watching: namespace)
        let caches = Task { await controller.caches.run() }
        defer { caches.cancel() }
        let key = try await createCluster(client, in: namespace, seenBy: controller)
        _ = try await controller.reconciler.reconcile(key)

        // The StatefulSet controller makes the claim; with no provisioner it stays Pending, and
        // the real API server refuses to resize a claim that is not Bound.
        var claim: PersistentVolumeClaim?
        for _ in 0..<100 where claim == nil {
            claim = try await client.getIfPresent(PersistentVolumeClaim.self, name: "data-orders-0", namespace: namespace)
            if claim == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(claim != nil, "the StatefulSet controller made no claim (is kube-controller-manager running?)")
        var cluster = try await client.get(PostgresCluster.self, name: "orders", namespace: namespace)
        cluster.spec.storage.size = "2Gi"
        let updated = try await client.update(cluster)
        try await waitFor("the new spec in the cache") {
            controller.caches.clusters.get(namespace: namespace, name: "orders")?.metadata.generation == updated.metadata.generation
        }
        _ = try await controller.reconciler.reconcile(key)
        let after = try await client.get(PostgresCluster.self, name: "orders", namespace: namespace)
        #expect(after.status?.observedGeneration == updated.metadata.generation, "the status of the new generation was written")
        let progressing = after.status?.conditions?.first { $0.type == "Progressing" }
        #expect(progressing?.reason == "VolumeResizeFailed", "\(String(describing: after.status?.conditions))")
        #expect(progressing?.message.contains("data-orders-0") == true)
        #expect(try await client.get(PersistentVolumeClaim.self, name: "data-orders-0", namespace: namespace)
            .spec?.resources?.requests?["storage"] == "1Gi")

        // Every field the planner may write is kept by the CRD's structural schema (a pruned
        // field would be forgotten silently).
        var status = after.status ?? PostgresClusterStatus()
        status.systemIdentifier = "7312000000000000001"
        status.volumes = VolumesStatus(size: "2Gi", podsHash: "0123456789abcdef")
        status.rebuilds = [RebuildRequest(pod: "orders-1", token: "uid-1", reason: "its slot was invalidated", requestedAt: "2026-12-02T20:00:00Z")]
        status.instanceStatus = [InstanceStatus(
            name: "orders-0", role: "replica", ready: false, message: "m", systemIdentifier: "7400000000000000009",
            notStreamingSince: "2026-12-02T20:00:00Z")]
        status.instanceStatus?[0].slotWALStatus = "lost"
        status.instanceStatus?[0].retainedWALBytes = 123
        status.passwords = PasswordsStatus(
            superuser: AppliedPassword(secretVersion: "101", primary: "orders-0"), app: AppliedPassword(secretVersion: "7", primary: "orders-1"))
        status.instanceStatus?[0].walPosition = "0/40B8838"
        status.instanceStatus?[0].pendingRestart = true
        status.primaryFirst = PrimaryFirstRestart(
            pod: "orders-0", token: "uid-0", revision: "orders-5d8f7c", settings: ["max_connections=50"],
            requestedAt: "2026-12-02T20:00:00Z", primaryPosition: "0/5000060")
        var written = after
        written.status = status
        _ = try await client.updateStatus(written)
        let readBack = try await client.get(PostgresCluster.self, name: "orders", namespace: namespace).status
        #expect(readBack?.systemIdentifier == status.systemIdentifier)
        #expect(readBack?.volumes == status.volumes)
        #expect(readBack?.rebuilds == status.rebuilds)
        #expect(readBack?.instanceStatus == status.instanceStatus)
        #expect(readBack?.passwords == status.passwords)
        #expect(readBack?.primaryFirst == status.primaryFirst)
    }

    /// A client of the real cluster with the CRD installed, and a namespace of its own (the
    /// caller deletes it).
    static func freshNamespace(_ prefix: String) async throws -> (KubeClient, String) {
        let path = try #require(controllerRealClusterKubeconfig)
        let client = KubeClient(config: try KubeConfig.fromKubeconfig(path: path))
        _ = try await client.applyRaw(
            ResourceType(group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition", isNamespaced: false),
            object: CustomResourceDefinition.postgresCluster, namespace: nil, subresource: nil, fieldManager: "ordinal-tests", force: true)
        let namespace = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
        try await Task.sleep(for: .seconds(2))  // the CRD becomes served
        return (client, namespace)
    }

    /// Creates the one-instance cluster `orders` in `namespace` and waits until `controller`'s cache holds it.
    /// The cluster `orders` (with its NetworkPolicy, so the real server's defaults of it are met too).
    func createCluster(_ client: KubeClient, in namespace: String, seenBy controller: Controller) async throws -> ClusterKey {
        var spec = PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.networkPolicy = NetworkPolicySettings(
            enabled: true, from: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["app": "shop"])),
                                  NetworkPolicyPeer(ipBlock: IPBlock(cidr: "10.0.0.0/8", except: ["10.1.0.0/16"]))])
        _ = try await client.create(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: namespace), spec: spec), namespace: namespace)
        try await waitFor("the cluster in the cache") { controller.caches.clusters.get(namespace: namespace, name: "orders") != nil }
        return ClusterKey(namespace: namespace, name: "orders")
    }

    /// A controller watching `namespace` only, logging warnings.
    static func controller(_ client: KubeClient, watching namespace: String) -> Controller {
        var logger = Logger(label: "ordinal.real")
        logger.logLevel = .warning
        var options = OperatorOptions()
        options.namespaces = [namespace]
        return Controller(client: client, options: options, metrics: OperatorMetrics(), logger: logger)
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw HarnessError(message: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
