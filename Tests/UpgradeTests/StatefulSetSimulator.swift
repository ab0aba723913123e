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
/// the generation. A missing pod (never made, or deleted) is created at the update revision.
/// With `OrderedReady`, nothing is replaced while any pod is not Ready (Kubernetes' known
/// "forced rollback" limitation included); otherwise the pod with the highest ordinal at or
/// above the partition whose `controller-revision-hash` differs from the update revision is
/// replaced: one pod per ``step()``.
///
/// Kubelet: replacing a pod marks it not Ready, restarts its server with the binaries of the
/// version in the template's image (`postgres:15.18` → the older minor), sets the label to the
/// update revision (and drops the operator's role label, as a recreated pod has none), then
/// Ready once the server answers. A pod told to ``refuseToStart(_:onVersion:)`` stays down and
/// not Ready on that version (a crash loop) until ``allowToStart(_:)``. Pods below the
/// partition are never touched.
///
/// With `followsConfiguration`, as a real StatefulSet and kubelet: a missing pod below the
/// partition is made at the current revision (with that revision's template), every pod's
/// server starts with the `postgresql.conf` of its revision's ConfigMap (`<name>-config-<hash>`,
/// the template's `ordinal.dev/config-hash`), a server that does not start with it stays down
/// and not Ready (tried again each step, a crash loop), and a pod whose server is down is started.
final class StatefulSetSimulator: Sendable {
    let server: KubeTestServer
    let client: KubeClient
    let postgres: PostgresTestCluster
    let minors: PostgresMinorVersions
    let namespace: String
    let name: String
    let followsConfiguration: Bool
    private let state = Mutex(State())

    /// What a revision's pods run.
    private struct Template {
        var image: String
        var configHash: String?
    }

    private struct State {
        var templates: [String: Template] = [:]
        /// Ordinal → why its server did not start, the last time it was tried.
        var startFailures: [Int: String] = [:]
        var currentRevision: String?
        var restarts: [Int] = []
        /// Ordinal → the binaries it does not start with.
        var refused: [Int: PostgresBinaries] = [:]
    }

    init(server: KubeTestServer, client: KubeClient, postgres: PostgresTestCluster, minors: PostgresMinorVersions, namespace: String, name: String,
         followsConfiguration: Bool = false) {
        self.followsConfiguration = followsConfiguration
        self.server = server
        self.client = client
        self.postgres = postgres
        self.minors = minors
        self.namespace = namespace
        self.name = name
    }

    /// The ordinals of the pods replaced or recreated so far, in order.
    var restarts: [Int] { state.withLock { $0.restarts } }

    /// Why each pod's server did not start when last tried (`followsConfiguration`).
    var startFailures: [Int: String] { state.withLock { $0.startFailures } }

    /// From now on, pod `ordinal`'s server does not start on `version` (`major.minor`).
    func refuseToStart(_ ordinal: Int, onVersion version: String) {
        guard let binaries = minors.binaries(forVersion: version) else { return }
        state.withLock { $0.refused[ordinal] = binaries }
    }

    /// Pod `ordinal`'s server may start again (the next ``step()`` starts it if it is down).
    func allowToStart(_ ordinal: Int) { _ = state.withLock { $0.refused.removeValue(forKey: ordinal) } }

    /// `kubectl delete pod`: the pod object goes and its server stops; the next ``step()`` recreates it.
    func deletePod(_ ordinal: Int) async throws {
        server.remove(in: ResourceKey(Pod.self), namespace: namespace, name: podName(ordinal))
        try await postgres.instances[ordinal].stop()
    }

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
        var replaced: Int?
        let updateTemplate = Template(image: image, configHash: spec.template.metadata?.annotations?[ClusterLabels.configHashAnnotation])
        state.withLock { $0.templates[update] = updateTemplate }

        for ordinal in 0..<replicas {
            let instance = postgres.instances[ordinal]
            if try pod(ordinal) == nil {
                // Create a missing pod: at the update revision, or (following the real
                // controller) below the partition at the current revision. The first time, the
                // servers already run (the fixture started them): only a recreated pod counts as a restart.
                let (isRecreated, current) = state.withLock { ($0.currentRevision != nil, $0.currentRevision) }
                var revision = update
                if followsConfiguration, ordinal < partition, let current { revision = current }
                let template = state.withLock { $0.templates[revision] } ?? updateTemplate
                _ = try server.put(makePod(ordinal, revision: revision, image: template.image, ready: false))
                if isRecreated {
                    state.withLock { $0.restarts.append(ordinal) }
                    replaced = ordinal
                    try await run(ordinal, binaries: minors.binaries(forImage: template.image) ?? binaries, template: template)
                } else {
                    try await setReady(ordinal, instance.isRunning)
                }
            } else if let revision = try pod(ordinal)?.controllerRevisionHash, !instance.isRunning,
                revision == update || followsConfiguration, let template = state.withLock({ $0.templates[revision] })
            {
                // Kubelet: a pod whose server is down is started (when it may).
                try await run(ordinal, binaries: minors.binaries(forImage: template.image) ?? binaries, template: template)
            }
        }

        let pods = try (0..<replicas).map { try pod($0) }
        let allReady = pods.allSatisfy { $0?.isReady == true }
        if replaced == nil, allReady, let target = (partition..<replicas).reversed().first(where: { pods[$0]?.controllerRevisionHash != update }) {
            try await replace(target, revision: update, template: updateTemplate, binaries: binaries)
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

    /// Kubelet: (re)starts pod `ordinal`'s server on `binaries` and marks it Ready, unless it
    /// refuses that version: then it stays down and not Ready.
    private func run(_ ordinal: Int, binaries: PostgresBinaries, template: Template) async throws {
        let instance = postgres.instances[ordinal]
        if state.withLock({ $0.refused[ordinal] == binaries }) {
            try await instance.stop()
            try await setReady(ordinal, false)
            return
        }
        guard followsConfiguration else {
            try await instance.restart(with: binaries)
            try await setReady(ordinal, true)
            return
        }
        let configMap = "\(name)-config-\(template.configHash ?? "")"
        guard let text = try server.object(ConfigMap.self, namespace: namespace, name: configMap)?.data?[ConfigMapBuilder.postgresqlConfKey] else {
            throw UpgradeTestError("pod \(name)-\(ordinal)'s revision reads ConfigMap \(configMap), which does not exist")
        }
        try postgres.useOwnConfiguration(instance, postgresqlConf: text)
        do {
            try await instance.restart(with: binaries)
            state.withLock { _ = $0.startFailures.removeValue(forKey: ordinal) }
            try await setReady(ordinal, true)
        } catch {
            state.withLock { $0.startFailures[ordinal] = "\(error)" }
            try await setReady(ordinal, false)
        }
    }

    /// Replaces pod `ordinal`: not Ready, new revision and image, server restarted on the template's binaries.
    private func replace(_ ordinal: Int, revision: String, template: Template, binaries: PostgresBinaries) async throws {
        let image = template.image
        state.withLock { $0.restarts.append(ordinal) }
        try await setReady(ordinal, false)
        try await postgres.instances[ordinal].stop()
        _ = try await client.patchMerge(
            Pod.self, name: podName(ordinal), namespace: namespace,
            patch: [
                "metadata": ["labels": ["controller-revision-hash": .string(revision), ClusterLabels.role: .null]],
                "spec": ["containers": [["name": .string(PodLayout.containerName), "image": .string(image)]]],
            ])
        try await run(ordinal, binaries: binaries, template: template)
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
