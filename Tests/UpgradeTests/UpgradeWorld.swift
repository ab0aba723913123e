import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport
import Synchronization
import Testing

/// A 3-instance cluster of real PostgreSQL on the older minor, the API test server, the
/// StatefulSet/kubelet simulator, and a clock the test can move; operators come and go.
final class UpgradeWorld: Sendable {
    let server: KubeTestServer
    let client: KubeClient
    let postgres: PostgresTestCluster
    let minors: PostgresMinorVersions
    let simulator: StatefulSetSimulator
    let clock = ManualClock()
    let namespace = "shop"
    let name = "orders"
    private let history = Mutex<[Int]>([])

    private init(server: KubeTestServer, postgres: PostgresTestCluster, minors: PostgresMinorVersions, followsConfiguration: Bool) {
        self.server = server
        self.postgres = postgres
        self.minors = minors
        client = KubeClient(config: KubeConfig(server: server.url), retryPolicy: .none)
        simulator = StatefulSetSimulator(
            server: server, client: client, postgres: postgres, minors: minors, namespace: namespace, name: name,
            followsConfiguration: followsConfiguration)
    }

    /// Starts the servers (pod 0 primary, 2 replicas) on the older minor and stores the cluster
    /// (version = the older minor) and its Secrets.
    /// - Parameter followsConfiguration: pods start with their revision's `postgresql.conf`
    ///   (see ``StatefulSetSimulator``).
    static func start(followsConfiguration: Bool = false, mutate: (inout PostgresCluster) -> Void = { _ in }) async throws -> UpgradeWorld {
        let minors = try PostgresMinorVersions.locateOrFetch()
        // Replicas retry the primary every 500 ms (default 5 s) so the walk is not slowed by waiting.
        let postgres = try await PostgresTestCluster.start(
            name: "orders", replicas: 2, binaries: minors.old, extraParameters: ["wal_retrieve_retry_interval": "500ms"])
        let server: KubeTestServer
        do {
            server = try await KubeTestServer.start()
        } catch {
            await postgres.shutdown()
            throw error
        }
        let world = UpgradeWorld(server: server, postgres: postgres, minors: minors, followsConfiguration: followsConfiguration)
        let labels = ClusterLabels.common(cluster: world.name)
        _ = try server.put(Secret(
            metadata: ObjectMeta(name: "orders-superuser", namespace: world.namespace, labels: labels),
            type: "kubernetes.io/basic-auth", stringData: ["username": "postgres", "password": postgres.superuserPassword]))
        _ = try server.put(Secret(
            metadata: ObjectMeta(name: "orders-replication", namespace: world.namespace, labels: labels),
            type: "kubernetes.io/basic-auth", stringData: ["username": postgres.replicationUser, "password": postgres.replicationPassword]))
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: minors.oldVersion, storage: StorageSpec(size: "1Gi"))
        spec.upgrade = UpgradeSpec()
        var cluster = PostgresCluster(metadata: ObjectMeta(name: world.name, namespace: world.namespace, uid: "uid-orders-1"), spec: spec)
        mutate(&cluster)
        _ = try server.put(cluster)
        return world
    }

    /// Runs `body` with a started world, shutting it down afterwards whatever happens.
    static func run(followsConfiguration: Bool = false, _ mutate: (inout PostgresCluster) -> Void = { _ in },
                    _ body: (UpgradeWorld) async throws -> Void) async throws {
        let world = try await start(followsConfiguration: followsConfiguration, mutate: mutate)
        do {
            try await body(world)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }

    /// Reconciles the new cluster until it is Healthy on the older minor, with no pod moved.
    func settleOnOldVersion(_ operatorRun: OperatorRun) async throws {
        try await driveToHealthy(operatorRun, version: minors.oldVersion)
        #expect(partitions == [0])
        #expect(simulator.restarts.isEmpty)
    }

    func shutdown() async {
        await server.shutdown()
        await postgres.shutdown()
    }

    /// A new operator process (new client, caches, pool).
    func startOperator() -> OperatorRun {
        var options = OperatorOptions()
        options.probeTimeout = .seconds(5)
        let postgres = self.postgres
        options.addressing = .table { _, pod in
            postgres.instances.first { $0.podName == pod }.map { ($0.host, $0.port) }
        }
        options.replicationPassfile = { _, pod in postgres.instances.first { $0.podName == pod }?.passfile }
        options.replicaCertificateAuthority = { _, _ in "\(postgres.tlsDirectory)/ca.crt" }
        return OperatorRun(server: server, options: options, clock: clock.wallClock, key: ClusterKey(namespace: namespace, name: name))
    }

    // MARK: - Reading the server

    func cluster() throws -> PostgresCluster? {
        try server.object(PostgresCluster.self, namespace: namespace, name: name)
    }

    func status() throws -> PostgresClusterStatus? { try cluster()?.status }

    func condition(_ type: String) throws -> Condition? {
        try status()?.conditions?.first { $0.type == type }
    }

    /// The live StatefulSet partition.
    func partition() throws -> Int? {
        try server.object(StatefulSet.self, namespace: namespace, name: name)?.spec?.updateStrategy?.rollingUpdate?.partition
    }

    /// Every partition value the StatefulSet had, in order, without repeats (as seen after each round).
    var partitions: [Int] { history.withLock { $0 } }

    /// Reasons of the Events recorded about the cluster, oldest first.
    func eventReasons() -> [String] {
        server.objects(in: ResourceKey(Event.self)).compactMap { object -> (String, String)? in
            guard let reason = object["reason"]?.stringValue else { return nil }
            return (object["metadata"]?["resourceVersion"]?.stringValue ?? "", reason)
        }.sorted { (Int($0.0) ?? 0) < (Int($1.0) ?? 0) }.map(\.1)
    }

    // MARK: - Changing the cluster as a user would

    /// A merge patch on the PostgresCluster (`kubectl patch --type merge`).
    func patchCluster(_ patch: JSONValue) async throws {
        _ = try await client.patchMerge(PostgresCluster.self, name: name, namespace: namespace, patch: patch)
    }

    func setVersion(_ version: String) async throws {
        try await patchCluster(["spec": ["postgresVersion": .string(version)]])
    }

    // MARK: - Driving

    /// Rounds of (StatefulSet controller and kubelet, then one reconcile) until `condition` holds.
    /// Records the partition after every round.
    func drive(_ operatorRun: OperatorRun, rounds: Int = 60, _ what: String, until condition: () throws -> Bool) async throws {
        for _ in 0..<rounds {
            try await simulator.step()
            recordPartition()
            try await operatorRun.reconcile()
            recordPartition()
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw UpgradeTestError("\(what) not reached in \(rounds) rounds; partition \(String(describing: try partition())), restarts \(simulator.restarts), servers that did not start \(simulator.startFailures), status: \(String(describing: try status()))")
    }

    /// Reconciles and simulates until the cluster is Healthy on `version` with every replica streaming.
    func driveToHealthy(_ operatorRun: OperatorRun, version: String, rounds: Int = 60) async throws {
        try await drive(operatorRun, rounds: rounds, "Healthy on \(version)") {
            let status = try status()
            return status?.phase == .healthy && status?.currentVersion == version && status?.readyInstances == 3
        }
    }

    private func recordPartition() {
        guard let value = try? partition() else { return }
        history.withLock { if $0.last != value { $0.append(value) } }
    }

    /// `SHOW server_version` on every instance (the version part only, `15.20`).
    func serverVersions() async throws -> [String] {
        var versions: [String] = []
        for instance in postgres.instances {
            let text = try await instance.psql("SHOW server_version")
            versions.append(String(text.split(separator: " ").first ?? ""))
        }
        return versions
    }

    /// pod 0's superuser settings over TCP, for the write load.
    var primarySettings: ConnectionSettings {
        ConnectionSettings(
            host: postgres.primary.host, port: postgres.primary.port, user: "postgres",
            password: PostgresPassword(postgres.superuserPassword), applicationName: "upgrade-test-writer", connectTimeout: .seconds(2))
    }
}
