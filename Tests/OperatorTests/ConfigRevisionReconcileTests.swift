import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import Testing

/// Configuration per revision against the API test server: a restart-bound change makes a new
/// revision ConfigMap the new template names, the old one stays while any pod may read it, and
/// goes once the walk is over.
@Suite("Configuration revisions against the API test server")
struct ConfigRevisionReconcileTests {
    func revisions(_ harness: OperatorHarness) -> [String] {
        harness.server.objects(in: ResourceKey(ConfigMap.self))
            .compactMap { $0["metadata"]?["name"]?.stringValue }
            .filter { $0.hasPrefix("orders-config-") }
            .sorted()
    }

    /// Sets the pods' config-hash annotation and the StatefulSet's revisions, as the StatefulSet
    /// controller and kubelet would at the end (or in the middle) of a walk.
    func walk(_ harness: OperatorHarness, podsHash: String, current: String, update: String) throws {
        for ordinal in 0..<2 {
            var pod = try #require(try harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-\(ordinal)"))
            pod.metadata.annotations = [ClusterLabels.configHashAnnotation: podsHash]
            _ = try harness.server.put(pod)
        }
        var set = try #require(try harness.statefulSet())
        var status = set.status ?? StatefulSetStatus()
        status.observedGeneration = set.metadata.generation
        status.currentRevision = current
        status.updateRevision = update
        set.status = status
        _ = try harness.server.put(set)
    }

    @Test func anOldRevisionStaysUntilTheWalkIsOverThenGoes() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster(instances: 2)
        for ordinal in 0..<2 { try harness.putPod(ordinal, ready: false) }
        _ = try await harness.reconcile()
        let first = revisions(harness)
        #expect(first.count == 1)
        let oldHash = try #require(first.first?.dropFirst("orders-config-".count)).description
        try walk(harness, podsHash: oldHash, current: "r1", update: "r1")
        _ = try await harness.reconcile()
        #expect(revisions(harness) == first, "nothing to remove")

        // shared_buffers needs a restart: a new revision, named by the new template.
        var cluster = try #require(try harness.cluster())
        cluster.spec.postgresql = PostgreSQLSpec(parameters: ["shared_buffers": "256MB"])
        _ = try await harness.client.update(cluster)
        _ = try await harness.reconcile()
        let both = revisions(harness)
        #expect(both.count == 2)
        let newName = try #require(both.first { $0 != first.first })
        let projected = try #require(try harness.statefulSet()?.spec?.template.spec?.volumes?.first { $0.name == "config" }?.projected)
        #expect(projected.sources.first?.configMap?.name == newName)
        let newConf = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: newName))
        #expect(newConf.data?["postgresql.conf"]?.contains("shared_buffers = '256MB'") == true)
        let oldConf = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: first[0]))
        #expect(oldConf.data?["postgresql.conf"]?.contains("shared_buffers") == false, "old pods keep their settings")

        // Mid-walk: one pod made from the new revision, the other still on the old one.
        let newHash = String(newName.dropFirst("orders-config-".count))
        try walk(harness, podsHash: oldHash, current: "r1", update: "r2")
        _ = try await harness.reconcile()
        #expect(revisions(harness) == both)
        // Over: every pod reads the new revision and the StatefulSet has no other: the old goes.
        try walk(harness, podsHash: newHash, current: "r2", update: "r2")
        _ = try await harness.reconcile()
        #expect(revisions(harness) == [newName])
        #expect(harness.server.requests.contains { $0.verb == "delete" && $0.path.hasSuffix("/configmaps/\(first[0])") })
    }
}
