import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
@testable import Operator
import PostgresHealth

/// The operator against the in-process API test server, over real HTTP through the libcurl client.
final class OperatorHarness: Sendable {
    let server: KubeTestServer
    let client: KubeClient
    let controller: Controller
    let metrics: OperatorMetrics
    let cachesTask: Task<Void, Never>
    let namespace = "shop"

    static func start(options: OperatorOptions = OperatorOptions(), pool: ConnectionPool = ConnectionPool()) async throws -> OperatorHarness {
        let server = try await KubeTestServer.start()
        return OperatorHarness(server: server, options: options, pool: pool)
    }

    private init(server: KubeTestServer, options: OperatorOptions, pool: ConnectionPool) {
        self.server = server
        client = KubeClient(config: KubeConfig(server: server.url), retryPolicy: .none)
        metrics = OperatorMetrics()
        var logger = Logger(label: "ordinal.test")
        logger.logLevel = .warning
        controller = Controller(client: client, options: options, metrics: metrics, pool: pool, logger: logger)
        let caches = controller.caches
        cachesTask = Task { await caches.run() }
    }

    func stop() async {
        cachesTask.cancel()
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

    /// Waits until every cache holds exactly the server's objects of its type, at the server's versions.
    func settle() async throws {
        try await eventually("caches synced") { controller.caches.isSynced }
        let caches = controller.caches
        try await eventually("caches caught up with the server") {
            matches(caches.clusters, PostgresCluster.self) && matches(caches.statefulSets, StatefulSet.self)
                && matches(caches.services, Service.self) && matches(caches.configMaps, ConfigMap.self)
                && matches(caches.secrets, Secret.self, managedOnly: true) && matches(caches.budgets, PodDisruptionBudget.self)
                && matches(caches.pods, Pod.self)
        }
    }

    private func matches<T: KubernetesResource>(_ cache: InformerSet<T>, _ type: T.Type, managedOnly: Bool = false) -> Bool {
        let cached = Set(cache.all().map { "\($0.metadata.name ?? "")@\($0.metadata.resourceVersion ?? "")" })
        let stored = Set(server.objects(in: ResourceKey(T.self)).filter { object in
            !managedOnly || object["metadata"]?["labels"]?["app.kubernetes.io/managed-by"]?.stringValue == "ordinal"
        }.map { "\($0["metadata"]?["name"]?.stringValue ?? "")@\($0["metadata"]?["resourceVersion"]?.stringValue ?? "")" })
        return cached == stored
    }

    func reconcile() async throws -> ClusterReconciler.Outcome {
        try await settle()
        return try await controller.reconciler.reconcile(key)
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
    func putPod(_ ordinal: Int, ready: Bool = true, revision: String = "orders-rev1") throws {
        var labels = ClusterLabels.common(cluster: "orders")
        labels["controller-revision-hash"] = revision
        let pod = Pod(
            metadata: ObjectMeta(name: "orders-\(ordinal)", namespace: namespace, labels: labels),
            spec: PodSpec(containers: [Container(name: "postgres", image: "postgres:16.4")]),
            status: PodStatus(phase: "Running", podIP: "127.0.0.1", conditions: [PodCondition(type: "Ready", status: ready ? "True" : "False")]))
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
