import ClusterModel
import KubeTestServer
import KubeTypes
import PostgresHealth
import PostgresTestSupport

/// The benchmark's stand-in for the StatefulSet controller and the kubelet: it stores the
/// cluster, its Secrets and pods, marks pods Ready or not, and finds the labelled primary.
struct Kubelet: Sendable {
    let server: KubeTestServer
    let postgres: PostgresTestCluster
    let namespace = "shop"

    func setUp(delay: Int, synchronous: Bool) throws {
        let labels = ClusterLabels.common(cluster: "orders")
        _ = try server.put(Secret(
            metadata: ObjectMeta(name: "orders-superuser", namespace: namespace, labels: labels), type: "kubernetes.io/basic-auth",
            stringData: ["username": "postgres", "password": postgres.superuserPassword]))
        _ = try server.put(Secret(
            metadata: ObjectMeta(name: "orders-replication", namespace: namespace, labels: labels), type: "kubernetes.io/basic-auth",
            stringData: ["username": postgres.replicationUser, "password": postgres.replicationPassword]))
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        spec.failover = FailoverSpec(delaySeconds: delay)
        if synchronous { spec.replication = ReplicationSpec(synchronous: SynchronousReplicationSpec(number: 1)) }
        _ = try server.put(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: namespace, uid: "uid-orders"), spec: spec))
        for ordinal in 0..<3 { try putPod(ordinal) }
    }

    func putPod(_ ordinal: Int, ready: Bool = true) throws {
        var labels = ClusterLabels.common(cluster: "orders")
        labels["controller-revision-hash"] = "orders-rev1"
        _ = try server.put(Pod(
            metadata: ObjectMeta(name: "orders-\(ordinal)", namespace: namespace, labels: labels),
            spec: PodSpec(containers: [Container(name: "postgres", image: "postgres:15")]),
            status: PodStatus(phase: "Running", podIP: "127.0.0.1", conditions: [PodCondition(type: "Ready", status: ready ? "True" : "False")])))
    }

    func setReady(_ ordinal: Int, _ ready: Bool) throws {
        guard var pod = try server.object(Pod.self, namespace: namespace, name: "orders-\(ordinal)") else { return }
        pod.status?.conditions = [PodCondition(type: "Ready", status: ready ? "True" : "False")]
        _ = try server.put(pod)
    }

    func status() throws -> PostgresClusterStatus? {
        try server.object(PostgresCluster.self, namespace: namespace, name: "orders")?.status
    }

    /// Where a client of the `-rw` Service lands: the pod labelled primary.
    func primarySettings() -> ConnectionSettings? {
        let labelled = postgres.instances.first { instance in
            let pod = try? server.object(Pod.self, namespace: namespace, name: instance.podName)
            return pod?.metadata.labels?[ClusterLabels.role] == ClusterLabels.primaryRole
        }
        guard let instance = labelled else { return nil }
        return ConnectionSettings(
            host: instance.host, port: instance.port, user: "postgres", password: PostgresPassword(postgres.superuserPassword),
            applicationName: "failover-bench", connectTimeout: .seconds(1))
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(120), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchmarkError(message: "timed out waiting for \(what); status: \(String(describing: try? status()))")
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
