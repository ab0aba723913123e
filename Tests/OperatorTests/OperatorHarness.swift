import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
@testable import Operator
import OperatorTestSupport
import PostgresHealth

/// The operator against the in-process API test server, over real HTTP through the libcurl client.
final class OperatorHarness: Sendable {
    let run: OperatorRun
    let metrics: OperatorMetrics
    let namespace = "shop"

    var server: KubeTestServer { run.server }
    var client: KubeClient { run.client }
    var controller: Controller { run.controller }

    static func start(options: OperatorOptions = OperatorOptions(), pool: ConnectionPool = ConnectionPool(),
                      clock: WallClock = .system, logs: LogRecorder? = nil) async throws -> OperatorHarness {
        let server = try await KubeTestServer.start()
        let metrics = OperatorMetrics()
        let run = OperatorRun(server: server, options: options, clock: clock, key: ClusterKey(namespace: "shop", name: "orders"),
                              metrics: metrics, pool: pool, logs: logs)
        return OperatorHarness(run: run, metrics: metrics)
    }

    private init(run: OperatorRun, metrics: OperatorMetrics) {
        self.run = run
        self.metrics = metrics
    }

    func stop() async {
        await run.stop()
        await server.shutdown()
    }

    var key: ClusterKey { ClusterKey(namespace: namespace, name: "orders") }

    /// Stores a cluster as the API server would after `kubectl apply` (with a uid and generation 1).
    @discardableResult
    func putCluster(instances: Int = 3, version: String = "16.4", parameters: [String: String]? = nil, mutate: (inout PostgresCluster) -> Void = { _ in }) throws -> PostgresCluster {
        var spec = PostgresClusterSpec(instances: instances, postgresVersion: version, storage: StorageSpec(size: "1Gi"))
        spec.postgresql = parameters.map { PostgreSQLSpec(parameters: $0) }
        var cluster = PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: namespace, uid: "uid-orders-1"), spec: spec)
        mutate(&cluster)
        return try server.put(cluster)
    }

    /// Waits until `condition` holds (caches catching up with the server), failing after `timeout`.
    func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError(message: "timed out waiting for \(what)")
    }

    func settle() async throws {
        try await run.settle()
    }

    func reconcile() async throws -> ClusterReconciler.Outcome {
        try await run.reconcile()
    }

    func cluster() throws -> PostgresCluster? {
        try server.object(PostgresCluster.self, namespace: namespace, name: "orders")
    }

    func statefulSet() throws -> StatefulSet? {
        try server.object(StatefulSet.self, namespace: namespace, name: "orders")
    }

    func condition(_ type: String) throws -> Condition? {
        try cluster()?.status?.conditions?.first { $0.type == type }
    }

    /// Stores a pod of the StatefulSet, as the StatefulSet controller and kubelet would.
    /// - Parameter tls: marked as serving the cluster's certificate, as the template marks pods
    ///   while TLS is on (the operator then verifies its server with `verify-full`).
    func putPod(_ ordinal: Int, ready: Bool = true, revision: String = "orders-rev1", tls: Bool = false) throws {
        var labels = ClusterLabels.common(cluster: "orders")
        labels["controller-revision-hash"] = revision
        let pod = Pod(
            metadata: ObjectMeta(name: "orders-\(ordinal)", namespace: namespace, labels: labels,
                                 annotations: tls ? [ClusterLabels.tlsAnnotation: ClusterLabels.tlsServed] : nil),
            spec: PodSpec(containers: [Container(name: "postgres", image: "postgres:16.4")]),
            status: PodStatus(phase: "Running", podIP: "127.0.0.1", conditions: [PodCondition(type: "Ready", status: ready ? "True" : "False")]))
        _ = try server.put(pod)
    }

    /// Sets pod `ordinal`'s Ready condition (what the kubelet's readiness probe does), keeping its labels.
    func setReady(_ ordinal: Int, _ ready: Bool) throws {
        guard var pod = try server.object(Pod.self, namespace: namespace, name: "orders-\(ordinal)") else { return }
        pod.status?.conditions = [PodCondition(type: "Ready", status: ready ? "True" : "False")]
        _ = try server.put(pod)
    }

    /// Writes (and counts) requests other than reads.
    var writeCount: Int {
        server.requests.filter { !["get", "list", "watch"].contains($0.verb) }.count
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
