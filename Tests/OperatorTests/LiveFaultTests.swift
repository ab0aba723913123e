import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport
import Foundation
import Synchronization
import Testing

/// A wall clock the test moves forward (status timers such as the replica streaming grace).
final class MovableClock: Sendable {
    private let offset = Mutex<Double>(0)
    func advance(_ seconds: Double) { offset.withLock { $0 += seconds } }
    var clock: WallClock { WallClock { [self] in Date().timeIntervalSince1970 + offset.withLock { $0 } } }
}

/// Faults against real PostgreSQL, with the API test server standing in for Kubernetes and the
/// test playing the kubelet (restarting a deleted pod's server after running its bootstrap).
@Suite("Faults with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveFaultTests {
    let live = LivePostgresTests()

    /// What the kubelet does for a deleted pod: the StatefulSet makes it again, its init
    /// container runs the bootstrap with the ConfigMap as it is now, then PostgreSQL starts.
    func recreate(_ instance: PostgresTestInstance, in cluster: PostgresTestCluster, harness: OperatorHarness) async throws -> FixtureProcess.Output {
        let configMap = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        let output = try await cluster.restartPod(instance, configMap: configMap.data ?? [:])
        try harness.putPod(instance.ordinal)
        return output
    }

    /// A healthy three-instance cluster under the operator, with a clock the test moves.
    /// - Parameter failoverDelay: `spec.failover.delaySeconds`; long by default, so a fault is
    ///   seen without a failover (LiveFailoverTests passes a short one).
    func healthyCluster(_ time: MovableClock = MovableClock(), failoverDelay: Int = 3600) async throws -> (PostgresTestCluster, OperatorHarness) {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        let harness = try await LivePostgresTests.harness(for: cluster, clock: time.clock, failoverDelay: failoverDelay)
        try await live.reconcile(harness) { try harness.cluster()?.status?.phase == .healthy }
        return (cluster, harness)
    }

    /// Writes into a new `table` on the primary and recycles WAL six times (switch, CHECKPOINT).
    func churnWAL(_ cluster: PostgresTestCluster, into table: String) async throws {
        _ = try await cluster.primary.psql("CREATE TABLE \(table) (n int)")
        for round in 0..<6 {
            _ = try await cluster.primary.psql("INSERT INTO \(table) SELECT generate_series(1, 20000) + \(round * 20000)")
            _ = try await cluster.primary.psql("SELECT pg_switch_wal()")
            _ = try await cluster.primary.psql("CHECKPOINT")
        }
    }

    /// Reconciles past the streaming grace period until the operator deletes `pod` to rebuild it.
    func reconcileUntilDeleted(_ pod: String, _ harness: OperatorHarness, _ time: MovableClock) async throws {
        _ = try await harness.reconcile()
        time.advance(ReplicaStreamingGrace.seconds + 5)
        var deleted = false
        for _ in 0..<40 where !deleted {
            _ = try await harness.reconcile()
            deleted = try harness.server.object(Pod.self, namespace: harness.namespace, name: pod) == nil
            if !deleted { try await Task.sleep(for: .milliseconds(250)) }
        }
        let statusNow = try harness.cluster()?.status
        #expect(deleted, "status: \(String(describing: statusNow))")
    }

    @Test("a replica whose WAL is gone from the primary is unlabelled, rebuilt by its bootstrap, and streams again")
    func replicaWithoutItsWALIsRebuilt() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await healthyCluster(time)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let replica = cluster.instances[2]

        // The replica is down while its slot goes (a scale-down and up on a retained volume)
        // and the primary writes and recycles WAL: when it returns, what it needs is gone.
        try await replica.stop()
        _ = try await cluster.primary.psql("SELECT pg_drop_replication_slot('orders_2')")
        _ = try await cluster.primary.psql("ALTER SYSTEM SET wal_keep_size = 0")
        _ = try await cluster.primary.psql("SELECT pg_reload_conf()")
        try await churnWAL(cluster, into: "written_while_away")
        try await replica.start()

        // Not streaming: after the grace period it loses its label, then the operator asks
        // for a rebuild and deletes the pod (never its claim).
        try await reconcileUntilDeleted("orders-2", harness, time)
        let request = try #require(try harness.cluster()?.status?.rebuilds?.first)
        #expect(request.pod == "orders-2")
        #expect(request.reason.contains("WAL it needs next was removed"))
        #expect(try live.roleLabels(harness)["orders-1"] == "replica")

        let output = try await recreate(replica, in: cluster, harness: harness)
        #expect(output.stderr.contains("cloned again"), "\(output.stderr)")
        try await live.reconcile(harness) {
            try harness.cluster()?.status?.phase == .healthy && live.roleLabels(harness)["orders-2"] == "replica"
        }
        #expect(try harness.cluster()?.status?.rebuilds == nil)
        try await replica.waitFor("SELECT count(*) FROM written_while_away", toPrint: "120000")

        // The request stays done: a later restart of the pod does not rebuild it again.
        let again = try await recreate(replica, in: cluster, harness: harness)
        #expect(again.stderr.contains("keeping it"))
    }

    @Test("a replica whose timeline diverged (promoted by hand, written to, demoted) is rewound with pg_rewind")
    func divergedReplicaIsRewound() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await healthyCluster(time)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let replica = cluster.instances[2]

        // Promoted by hand and written to while the operator looked away, then restarted as a
        // standby: its history forks from the primary's, so it can never stream again.
        try await replica.promote()
        try await replica.waitFor("SELECT pg_is_in_recovery()", toPrint: "f")
        _ = try await replica.psql("CREATE TABLE only_on_the_fork (n int); INSERT INTO only_on_the_fork VALUES (1)")
        _ = try await replica.psql("CHECKPOINT")
        try await replica.stop()
        let standbySignal = replica.dataDirectory + "/standby.signal"
        #expect(FileManager.default.createFile(atPath: standbySignal, contents: Data()))
        try cluster.user.own(standbySignal)
        _ = try await cluster.primary.psql("CREATE TABLE after_the_fork AS SELECT 42 AS n")
        try await replica.start()
        #expect(try await replica.psql("SELECT pg_is_in_recovery()") == "t")

        try await reconcileUntilDeleted("orders-2", harness, time)
        #expect(try harness.cluster()?.status?.rebuilds?.first?.reason.contains("timeline") == true)

        let output = try await recreate(replica, in: cluster, harness: harness)
        #expect(output.stderr.contains("pg_rewind rewound"), "\(output.stderr)")
        try await live.reconcile(harness) {
            try harness.cluster()?.status?.phase == .healthy && live.roleLabels(harness)["orders-2"] == "replica"
        }
        try await replica.waitFor("SELECT n FROM after_the_fork", toPrint: "42")
        #expect(try await replica.psql("SELECT to_regclass('only_on_the_fork') IS NULL") == "t")
    }

    @Test("the operator blind for a while (its superuser password wrong): labels stay and -rw keeps the primary")
    func blindOperatorKeepsLabels() async throws {
        let (cluster, harness) = try await healthyCluster()
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let labels = try live.roleLabels(harness)

        // The superuser Secret changes while the operator is down: when it starts again it does
        // not know the password PostgreSQL holds (a running operator would have set the new one).
        let options = harness.run.controller.options
        await harness.run.stop()
        var secret = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-superuser"))
        secret.data = nil
        secret.stringData = ["username": "postgres", "password": "not-the-password"]
        _ = try harness.server.put(secret)
        let blind = OperatorRun(server: harness.server, options: options, key: harness.key)
        defer { Task { await blind.stop() } }
        for _ in 0..<5 { _ = try await blind.reconcile() }
        #expect(try live.roleLabels(harness) == labels)
        let messages = try harness.cluster()?.status?.instanceStatus?.compactMap(\.message) ?? []
        #expect(messages.count == 3 && messages.allSatisfy { $0.contains("password authentication failed") }, "\(messages)")
        #expect(try harness.cluster()?.status?.primary == nil)
        #expect(try harness.condition("Ready")?.reason == "SuperuserPasswordRefused")
        #expect(try await cluster.primary.psql("SELECT 1") == "1", "PostgreSQL's own password is left as it was")
    }

    @Test("a replica down while the primary writes more than max_slot_wal_keep_size: the primary keeps running, the slot is invalidated, the replica is rebuilt when it returns")
    func slotCapInvalidatesAndTheReplicaIsRebuilt() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await healthyCluster(time)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let replica = cluster.instances[2]

        // Well above what the replica that stays up lags during the burst (a smaller cap
        // invalidates its slot too), well below the ~96 MB the six segment switches write.
        _ = try await cluster.primary.psql("ALTER SYSTEM SET max_slot_wal_keep_size = '32MB'")
        _ = try await cluster.primary.psql("ALTER SYSTEM SET wal_keep_size = 0")
        _ = try await cluster.primary.psql("SELECT pg_reload_conf()")
        try await replica.stop()
        try await churnWAL(cluster, into: "beyond_the_cap")
        #expect(try await cluster.primary.psql("SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'orders_2'") == "lost")
        #expect(try await cluster.primary.psql("SELECT pg_is_in_recovery()") == "f", "the primary keeps running")
        try await replica.start()

        _ = try await harness.reconcile()
        #expect(try harness.cluster()?.status?.instanceStatus?[2].slotWALStatus == "lost")
        try await reconcileUntilDeleted("orders-2", harness, time)
        #expect(try harness.cluster()?.status?.rebuilds?.first?.reason.contains("invalidated") == true)
        // The invalidated slot was made again before the pod went.
        #expect(try await cluster.primary.psql("SELECT wal_status IS DISTINCT FROM 'lost' FROM pg_replication_slots WHERE slot_name = 'orders_2'") == "t")

        _ = try await recreate(replica, in: cluster, harness: harness)
        try await live.reconcile(harness) {
            try harness.cluster()?.status?.phase == .healthy && live.roleLabels(harness)["orders-2"] == "replica"
        }
        try await replica.waitFor("SELECT count(*) FROM beyond_the_cap", toPrint: "120000")
    }

    @Test("pod 0's volume lost and a new, empty server started on it: never labelled; the replicas keep their data and labels; status names the cause")
    func reinitialisedPodZeroIsNeverLabelled() async throws {
        let (cluster, harness) = try await healthyCluster()
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let recorded = try #require(try harness.cluster()?.status?.systemIdentifier)
        _ = try await cluster.primary.psql("CREATE TABLE precious AS SELECT 7 AS n")
        for replica in cluster.replicas { try await replica.waitFor("SELECT n FROM precious", toPrint: "7") }

        // What the image does on an empty volume without Ordinal's guard: initdb, same
        // superuser password (from the same Secret), then start as a primary.
        let primary = cluster.primary
        try await primary.stop()
        let lost = primary.dataDirectory + ".lost"
        try FileManager.default.moveItem(atPath: primary.dataDirectory, toPath: lost)
        let secrets = try #require(primary.podEnvironment(primaryPort: primary.port)["ORDINAL_SECRETS_DIR"])
        _ = try await FixtureProcess.run(
            [primary.binaries.path("initdb"), "-D", primary.dataDirectory, "--username=postgres",
             "--pwfile=\(secrets)/superuser/password", "--auth-local=peer", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions"],
            as: cluster.user, environment: ["LANG": "C.UTF-8"])
        try await primary.start()
        let foreign = try await primary.psql("SELECT system_identifier FROM pg_control_system()")
        #expect(foreign != recorded)

        try await live.reconcile(harness) { try harness.condition("Degraded")?.reason == "ForeignInstance" }
        #expect(try live.roleLabels(harness) == ["orders-0": "-", "orders-1": "replica", "orders-2": "replica"])
        let status = try #require(try harness.cluster()?.status)
        #expect(status.systemIdentifier == recorded)
        #expect(status.primary == nil)
        #expect(status.instanceStatus?.first?.systemIdentifier == foreign)
        #expect(status.instanceStatus?.first?.message?.contains("another cluster's data") == true)
        // Nothing was done to the replicas in the empty server's favour: they keep the data.
        for replica in cluster.replicas {
            #expect(try await replica.psql("SELECT n FROM precious") == "7")
        }
        #expect(try await primary.psql("SELECT count(*) FROM pg_replication_slots") == "0")
    }
}
