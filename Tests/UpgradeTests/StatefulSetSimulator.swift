import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import PostgresTestSupport
import Synchronization

/// Plays the StatefulSet controller and the kubelet against the API test server, with the
/// local PostgreSQL servers of a ``PostgresTestCluster`` standing in for the pods.
///
/// StatefulSet controller: `status.updateRevision` is the live template hash (annotation
/// `ordinal.dev/template-hash`), `currentRevision` the previous one until every pod runs the
/// update revision and is Ready (as Kubernetes' `completeRollingUpdate`), `observedGeneration`
/// the generation. Missing pods are created at the update
/// revision. With `OrderedReady`, nothing moves while any pod is not Ready; otherwise the pod
/// with the highest ordinal at or above the partition whose `controller-revision-hash` differs
/// from the update revision is replaced: one pod per ``step()``.
///
/// Kubelet: replacing a pod marks it not Ready, restarts its server with the binaries of the
/// version in the template's image (`postgres:15.18` → the older minor), sets the label to the
/// update revision (and drops the operator's role label, as a recreated pod has none), then
/// Ready once the server answers. A pod listed in ``refuseToStart(_:)`` stays down and not Ready
/// (a crash loop) until ``allowToStart(_:)``. Pods below the partition are never touched.
final class StatefulSetSimulator: Sendable {
    let server: KubeTestServer
    let client: KubeClient
    let postgres: PostgresTestCluster
    let minors: PostgresMinorVersions
    let namespace: String
    let name: String
    private let state = Mutex(State())

    private struct State {
        var currentRevision: String?
        var restarts: [Int] = []
        var refused: Set<Int> = []
    }

    init(server: KubeTestServer, client: KubeClient, postgres: PostgresTestCluster, minors: PostgresMinorVersions, namespace: String, name: String) {
        self.server = server
        self.client = client
        self.postgres = postgres
        self.minors = minors
        self.namespace = namespace
        self.name = name
    }

    /// The ordinals of the pods replaced so far, in order.
    var restarts: [Int] { state.withLock { $0.restarts } }

    /// From now on, pod `ordinal`'s server is not started when the pod is replaced.
    func refuseToStart(_ ordinal: Int) { _ = state.withLock { $0.refused.insert(ordinal) } }

    /// Pod `ordinal`'s server may start again (the next ``step()`` starts it if it is down).
    func allowToStart(_ ordinal: Int) { _ = state.withLock { $0.refused.remove(ordinal) } }

    /// One pass of the controller and the kubelet. Returns the ordinal of the pod replaced, if any.
    @discardableResult
    func step() async throws -> Int? {
        guard let set = try server.object(StatefulSet.self, namespace: namespace, name: name), let spec = set.spec else { return nil }
        guard let update = set.metadata.annotations?[ClusterLabels.templateHashAnnotation] else {
            throw UpgradeTestError("StatefulSet \(name) has no \(ClusterLabels.templateHashAnnotation) annotation")
        }
        guard let image = spec.template.spec?.containers.first(where: { $0.name == PodLayout.containerName })?.image,
            let binaries = minors.binaries(forImage: image)
        else {
            throw UpgradeTestError("the StatefulSet's template runs an image with no local binaries (\(String(describing: spec.template.spec?.containers.map(\.image))))")
        }
        let replicas = spec.replicas ?? 1
        let partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0

        // Create missing pods at the update revision.
        for ordinal in 0..<replicas where try pod(ordinal) == nil {
            _ = try server.put(makePod(ordinal, revision: update, image: image, ready: postgres.instances[ordinal].isRunning))
        }
        // Kubelet: a pod at the update revision whose server is down (and may start) is started.
        for ordinal in 0..<replicas where !state.withLock({ $0.refused.contains(ordinal) }) {
            let instance = postgres.instances[ordinal]
            if try pod(ordinal)?.controllerRevisionHash == update, !instance.isRunning {
                if instance.binaries != binaries {
                    try await instance.restart(with: binaries)
                } else {
                    try await instance.start()
                }
                try await setReady(ordinal, true)
            }
        }

        var replaced: Int?
        let pods = try (0..<replicas).map { try pod($0) }
        let allReady = pods.allSatisfy { $0?.isReady == true }
        if allReady, let target = (partition..<replicas).reversed().first(where: { pods[$0]?.controllerRevisionHash != update }) {
            try await replace(target, revision: update, image: image, binaries: binaries)
            replaced = target
        }

        // Status, as the StatefulSet controller reports it.
        let after = try (0..<replicas).map { try pod($0) }
        let updated = after.filter { $0?.controllerRevisionHash == update }.count
        let ready = after.filter { $0?.isReady == true }.count
        let current = state.withLock { state -> String in
            // As Kubernetes' completeRollingUpdate: every pod updated and Ready.
            if state.currentRevision == nil || (updated == replicas && ready == replicas) { state.currentRevision = update }
            return state.currentRevision ?? update
        }
        let status: JSONValue = [
            "observedGeneration": .int(set.metadata.generation ?? 1),
            "replicas": .int(Int64(replicas)),
            "readyReplicas": .int(Int64(ready)),
            "updatedReplicas": .int(Int64(updated)),
            "currentReplicas": .int(Int64(after.filter { $0?.controllerRevisionHash == current }.count)),
            "currentRevision": .string(current),
            "updateRevision": .string(update),
        ]
        if set.status.flatMap({ try? JSONValue(encoding: $0) }) != status {
            _ = try await client.patchMerge(StatefulSet.self, name: name, namespace: namespace, patch: ["status": status], subresource: "status")
        }
        return replaced
    }

    /// Replaces pod `ordinal`: not Ready, server restarted on the template's binaries, new revision, Ready.
    private func replace(_ ordinal: Int, revision: String, image: String, binaries: PostgresBinaries) async throws {
        state.withLock { $0.restarts.append(ordinal) }
        try await setReady(ordinal, false)
        let instance = postgres.instances[ordinal]
        let refused = state.withLock { $0.refused.contains(ordinal) }
        if refused {
            try await instance.stop()
        } else {
            try await instance.restart(with: binaries)
        }
        _ = try await client.patchMerge(
            Pod.self, name: podName(ordinal), namespace: namespace,
            patch: [
                "metadata": ["labels": ["controller-revision-hash": .string(revision), ClusterLabels.role: .null]],
                "spec": ["containers": [["name": .string(PodLayout.containerName), "image": .string(image)]]],
            ])
        if !refused { try await setReady(ordinal, true) }
    }

    private func setReady(_ ordinal: Int, _ ready: Bool) async throws {
        _ = try await client.patchMerge(
            Pod.self, name: podName(ordinal), namespace: namespace,
            patch: ["status": ["phase": "Running", "podIP": "127.0.0.1", "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]],
            subresource: "status")
    }

    private func podName(_ ordinal: Int) -> String { "\(name)-\(ordinal)" }

    private func pod(_ ordinal: Int) throws -> Pod? {
        try server.object(Pod.self, namespace: namespace, name: podName(ordinal))
    }

    private func makePod(_ ordinal: Int, revision: String, image: String, ready: Bool) -> Pod {
        var labels = ClusterLabels.common(cluster: name)
        labels["controller-revision-hash"] = revision
        return Pod(
            metadata: ObjectMeta(name: podName(ordinal), namespace: namespace, labels: labels),
            spec: PodSpec(containers: [Container(name: PodLayout.containerName, image: image)]),
            status: PodStatus(phase: "Running", podIP: "127.0.0.1", conditions: [PodCondition(type: "Ready", status: ready ? "True" : "False")]))
    }
}
