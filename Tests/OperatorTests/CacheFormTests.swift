import ClusterModel
import KubeTypes
@testable import Operator
import Testing

/// The caches keep a trimmed form of each object; the apply check compares the desired object,
/// put in the same form, with it. A form that dropped a field Ordinal sets would hide drift there.
@Suite("Cache forms")
struct CacheFormTests {
    static let cluster: ResolvedCluster = {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "5Gi"))
        spec.postgresql = PostgreSQLSpec(parameters: ["work_mem": "8MB"])
        return ResolvedCluster(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1"), spec: spec))
    }()

    /// `desired` with the parts a form compares by hash removed.
    static func compared(_ object: some KubernetesResource) throws -> JSONValue {
        guard case .object(var members) = try JSONValue(encoding: object) else { return .null }
        if object is ConfigMap { members["data"] = nil }
        if object is StatefulSet, case .object(var spec)? = members["spec"] {
            spec["template"] = nil
            members["spec"] = .object(spec)
        }
        return .object(members)
    }

    @Test func noFormDropsAFieldOrdinalSets() throws {
        let desired = DesiredState(Self.cluster, partition: 1, passwords: .deterministic(seed: 1))
        let pairs: [(String, JSONValue, JSONValue)] = try [
            ("ConfigMap", Self.compared(desired.configMap), JSONValue(encoding: CacheForm.configMap(desired.configMap))),
            ("StatefulSet", Self.compared(desired.statefulSet), JSONValue(encoding: CacheForm.statefulSet(desired.statefulSet))),
        ] + [desired.headlessService, desired.readWriteService, desired.readOnlyService].map {
            ("Service \($0.metadata.name ?? "")", try JSONValue(encoding: $0), try JSONValue(encoding: CacheForm.stripped($0)))
        } + (desired.podDisruptionBudget.map { [("PDB", try JSONValue(encoding: $0), try JSONValue(encoding: CacheForm.stripped($0)))] } ?? [])
        #expect(pairs.count == 6)
        for (name, full, form) in pairs {
            #expect(full.isSubset(of: form), "\(name): the cache form drops a field Ordinal sets")
        }
    }

    @Test func secretKeepsOnlyWhatTheControllerReads() {
        var secret = Secret(
            metadata: ObjectMeta(name: "orders-app", namespace: "shop"),
            data: ["username": "YXBw", "password": "c2VjcmV0", "uri": "cG9zdGdyZXM6Ly8=", "pgpass": "eA=="])
        secret.metadata.managedFields = [ManagedFieldsEntry(manager: "ordinal", operation: "Apply")]
        let form = CacheForm.secret(secret)
        #expect(form.data == ["username": "YXBw", "password": "c2VjcmV0"])
        #expect(form.metadata.managedFields == nil)
        #expect(form.metadata.name == "orders-app")
    }

    @Test func podKeepsLabelsReadinessAndAddressOnly() {
        var pod = Pod(
            metadata: ObjectMeta(name: "orders-0", namespace: "shop", labels: ["controller-revision-hash": "orders-abc", "ordinal.dev/role": "primary"]),
            spec: PodSpec(containers: [Container(name: "postgres", image: "postgres:16.4")]),
            status: PodStatus(phase: "Running", podIP: "10.0.0.7", conditions: [
                PodCondition(type: "Ready", status: "True", reason: "r", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z"),
            ]))
        pod.status?.containerStatuses = [ContainerStatus(name: "postgres", ready: true, image: "postgres:16.4")]
        let form = CacheForm.pod(pod)
        #expect(form.spec == nil)
        #expect(form.isReady)
        #expect(form.controllerRevisionHash == "orders-abc")
        #expect(form.metadata.labels?["ordinal.dev/role"] == "primary")
        #expect(form.status == PodStatus(phase: "Running", podIP: "10.0.0.7", conditions: [PodCondition(type: "Ready", status: "True")]))
    }

    @Test func aContainerThatCannotStartKeepsWhyAndABackupJobPodItsOutcome() {
        var pod = Pod(metadata: ObjectMeta(name: "orders-2", namespace: "shop"), status: PodStatus(phase: "Pending", podIP: "10.0.0.9"))
        var running = ContainerStatus(name: "postgres", ready: false)
        running.state = ["running": ["startedAt": "2026-12-07T23:00:00Z"]]
        var stuck = ContainerStatus(name: "pgbackrest", ready: false, image: "postgres:16.4")
        stuck.state = ["waiting": ["reason": "CreateContainerConfigError", "message": "secret \"orders-s3\" not found"]]
        pod.status?.containerStatuses = [running, stuck]
        let form = CacheForm.pod(pod)
        #expect(form.startFailure == "container pgbackrest: CreateContainerConfigError: secret \"orders-s3\" not found")
        #expect(form.status?.containerStatuses?.count == 1 && form.status?.containerStatuses?.first?.image == nil, "only why")
        // Waiting for an ordinary reason is not a failure to start.
        stuck.state = ["waiting": ["reason": "ContainerCreating"]]
        pod.status?.containerStatuses = [stuck]
        #expect(CacheForm.pod(pod).startFailure == nil && CacheForm.pod(pod).status?.containerStatuses == nil)

        var job = Pod(metadata: ObjectMeta(name: "orders-req-a1b2c3-x7k2p", namespace: "shop", labels: [BackupJobBuilder.jobLabel: "orders-req-a1b2c3"]),
                      status: PodStatus(phase: "Failed"))
        var ended = ContainerStatus(name: BackupJobBuilder.containerName, ready: false)
        ended.state = ["terminated": ["exitCode": 41, "message": "pgbackrest backup exited 41:", "finishedAt": "2026-12-07T23:10:00Z"]]
        job.status?.containerStatuses = [ended]
        let kept = CacheForm.pod(job).termination(ofContainer: BackupJobBuilder.containerName)
        #expect(kept?.message == "pgbackrest backup exited 41:" && kept?.finishedAt == "2026-12-07T23:10:00Z")
    }

    @Test func labelKeysAreSharedAndValuesKept() {
        let pool = StringPool()
        let key = String(repeating: "k", count: 20) + "/managed-by"
        let a = pool.internKeys([key + "": "ordinal", "short": "x"])
        let b = pool.internKeys([String(key.reversed().reversed()): "ordinal"])
        #expect(a == [key: "ordinal", "short": "x"])
        #expect(b == [key: "ordinal"])
        #expect(pool.count == 1, "one long key pooled once; short strings are inline and not pooled")
    }
}
