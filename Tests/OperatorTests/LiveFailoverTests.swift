import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport
import Foundation
import Testing

/// Failover, fencing and the way home against real PostgreSQL, the API test server standing in
/// for Kubernetes and the test playing the kubelet (it stops servers, marks pods not Ready, and
/// restarts a deleted pod's server after running its bootstrap with the ConfigMap as it is).
@Suite("Failover with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveFailoverTests {
    let live = LivePostgresTests()
    let faults = LiveFaultTests()

    /// A client of the `-rw` Service: it reaches whichever pod carries the primary label.
    func writer(_ cluster: PostgresTestCluster, _ harness: OperatorHarness, table: String) -> WriteLoad {
        WriteLoad(table: table) {
            let labelled = cluster.instances.first { instance in
                let pod = try? harness.server.object(Pod.self, namespace: harness.namespace, name: instance.podName)
                return pod?.metadata.labels?[ClusterLabels.role] == ClusterLabels.primaryRole
            }
            guard let instance = labelled else { return nil }
            return ConnectionSettings(
                host: instance.host, port: instance.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
                applicationName: "failover-test-writer", connectTimeout: .seconds(2))
        }
    }

    /// Reconciles (moving the clock `step` seconds each round) until `condition` holds.
    /// - Parameter kubelet: the cluster whose pods the test makes again, as the StatefulSet and
    ///   the kubelet would, when the operator deletes one (a rebuild); `nil` leaves them gone.
    func reconcile(_ harness: OperatorHarness, _ time: MovableClock, step: Double = 1, attempts: Int = 120,
                   kubelet cluster: PostgresTestCluster? = nil, until condition: () throws -> Bool) async throws {
        for _ in 0..<attempts {
            _ = try await harness.reconcile()
            for instance in cluster?.instances ?? []
            where try harness.server.object(Pod.self, namespace: harness.namespace, name: instance.podName) == nil {
                print("\(instance.podName) was deleted by the operator; the test makes it again")
                _ = try await faults.recreate(instance, in: try #require(cluster), harness: harness)
            }
            if try condition() { return }
            time.advance(step)
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not reached; status: \(String(describing: try harness.cluster()?.status))")
    }

    func status(_ harness: OperatorHarness) throws -> PostgresClusterStatus? { try harness.cluster()?.status }

    /// The table the writers fill, made on pod 0 and seen on every replica.
    func makeLedger(_ cluster: PostgresTestCluster) async throws {
        _ = try await cluster.primary.psql("CREATE TABLE ledger (seq bigint PRIMARY KEY)")
        for replica in cluster.replicas { try await replica.waitFor("SELECT to_regclass('ledger') IS NOT NULL", toPrint: "t") }
    }

    /// The sequence numbers present in `table` on `instance`.
    func rows(_ table: String, on instance: PostgresTestInstance) async throws -> Set<Int64> {
        let text = try await instance.psql("SELECT coalesce(string_agg(seq::text, ','), '') FROM \(table)")
        return Set(text.split(separator: ",").compactMap { Int64($0) })
    }

    @Test("the primary killed under writes: the most advanced replica is promoted, writes resume, the lagging replica follows it, the old primary rejoins by pg_rewind, and the way home loses nothing")
    func failoverAndTheWayHome() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await faults.healthyCluster(time, failoverDelay: 5)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let (home, lagging, ahead) = (cluster.instances[0], cluster.instances[1], cluster.instances[2])
        try await makeLedger(cluster)

        // orders-1 is down while the primary takes writes: it will be behind orders-2.
        try await lagging.stop()
        let load = writer(cluster, harness, table: "ledger")
        load.start()
        for _ in 0..<100 where load.acknowledged.count < 200 { try await Task.sleep(for: .milliseconds(50)) }

        // The primary's server dies; the kubelet marks the pod not Ready. orders-1 comes back
        // with what it had.
        try await home.stop(mode: "immediate")
        try harness.setReady(0, false)
        try await lagging.start()
        try await reconcile(harness, time) { try status(harness)?.lastFailover?.outcome == "Completed" }
        let failover = try #require(try status(harness)?.lastFailover)
        #expect(failover.from == "orders-0" && failover.to == "orders-2", "\(failover)")
        #expect(failover.candidates?.map(\.pod).sorted() == ["orders-1", "orders-2"])
        #expect(try status(harness)?.currentPrimary == "orders-2")
        #expect(try live.roleLabels(harness)["orders-2"] == "primary")
        #expect(try live.roleLabels(harness)["orders-0"] == "-")
        #expect(try await ahead.psql("SELECT pg_is_in_recovery()") == "f")

        // Writes resume on the new primary; the lagging replica streams from it.
        let resumedFrom = load.acknowledged.count
        for _ in 0..<200 where load.acknowledged.count < resumedFrom + 100 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(load.acknowledged.count >= resumedFrom + 100, "writes did not resume: \(load.failures) failures")
        try await reconcile(harness, time) { try live.roleLabels(harness)["orders-1"] == "replica" }
        try await lagging.waitFor("SELECT count(*) > 0 FROM pg_stat_wal_receiver WHERE status = 'streaming'", toPrint: "t")

        // The old primary's pod comes back: its bootstrap rewinds it and it starts as a standby
        // of orders-2 (the ConfigMap names it).
        let configMap = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        #expect(configMap.data?[ConfigMapBuilder.primaryKey]?.hasPrefix("orders-2 ") == true)
        let rejoin = try await faults.recreate(home, in: cluster, harness: harness)
        #expect(rejoin.stderr.contains("rejoining as its standby"), "\(rejoin.stderr)")
        #expect(try await home.psql("SELECT pg_is_in_recovery()") == "t")
        try await home.waitFor("SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'", toPrint: "1", timeout: .seconds(20))

        // Home: once orders-0 streams and has caught up, a switchover brings the primary back;
        // orders-2 is then fenced by a restart and rejoins as a standby.
        load.resetGap()
        let beforeHome = Set(load.acknowledged)
        try await reconcile(harness, time, step: 0.2) {
            try status(harness)?.lastSwitchover?.outcome == "Completed"
                && harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-2") == nil
        }
        let switchover = try #require(try status(harness)?.lastSwitchover)
        #expect(switchover.from == "orders-2" && switchover.to == "orders-0", "\(switchover)")
        #expect(try status(harness)?.currentPrimary == "orders-0")
        #expect(try live.roleLabels(harness)["orders-0"] == "primary")
        _ = try await faults.recreate(ahead, in: cluster, harness: harness)
        // A replica that took WAL from orders-2 after orders-0's promotion point (orders-2 may
        // still write a record of its own before it is fenced) cannot follow the new timeline
        // and is rebuilt (rewound): the test remakes a pod the operator deletes for that.
        try await reconcile(harness, time, step: 0.2, kubelet: cluster) {
            try status(harness)?.phase == .healthy
                && live.roleLabels(harness) == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"]
        }
        let atHome = load.acknowledged.count
        for _ in 0..<200 where load.acknowledged.count < atHome + 50 { try await Task.sleep(for: .milliseconds(50)) }
        await load.stop()
        print("switchover home: longest gap between acknowledged writes \(load.longestGap)")

        // Nothing acknowledged after the failover is missing; what the failover lost (writes the
        // dead primary acknowledged that orders-2 had not received) was reported as possible.
        let present = try await rows("ledger", on: home)
        let acknowledged = load.acknowledged
        let missing = acknowledged.filter { !present.contains($0) }
        #expect(missing.allSatisfy { beforeHome.contains($0) && $0 <= Int64(resumedFrom) }, "\(missing.count) rows missing")
        if !missing.isEmpty { #expect(failover.bytesMayBeLost != 0, "\(missing.count) rows lost but the failover reported none") }
        #expect(try await ahead.psql("SELECT pg_is_in_recovery()") == "t")
        #expect(try await ahead.psql("SHOW default_transaction_read_only") == "off")
    }

    @Test("two primaries after a manual promotion: Ordinal keeps the one it holds, fences the other, which rejoins by pg_rewind")
    func manualPromotionIsFenced() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await faults.healthyCluster(time, failoverDelay: 5)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let rogue = cluster.instances[1]
        try await rogue.promote()
        _ = try await rogue.psql("CREATE TABLE only_on_the_rogue AS SELECT 1 AS n")
        _ = try await cluster.primary.psql("CREATE TABLE on_the_primary AS SELECT 2 AS n")

        try await reconcile(harness, time) {
            try harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-1") == nil
        }
        #expect(try live.roleLabels(harness)["orders-0"] == "primary")
        #expect(try status(harness)?.fenced?.first?.pod == "orders-1")

        let output = try await faults.recreate(rogue, in: cluster, harness: harness)
        #expect(output.stderr.contains("rejoining as its standby") && output.stderr.contains("rewound"), "\(output.stderr)")
        try await reconcile(harness, time) {
            try status(harness)?.phase == .healthy && live.roleLabels(harness)["orders-1"] == "replica"
        }
        try await rogue.waitFor("SELECT n FROM on_the_primary", toPrint: "2")
        #expect(try await rogue.psql("SELECT to_regclass('only_on_the_rogue') IS NULL") == "t")
        #expect(try status(harness)?.fenced == nil)
        #expect(try status(harness)?.lastFailover == nil, "a fence is not a failover")
    }

    @Test("pod 0's volume emptied: a replica is promoted, pod 0 is cloned from it, and the primary comes home")
    func emptiedPodZeroComesHome() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await faults.healthyCluster(time, failoverDelay: 5)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        let home = cluster.primary
        _ = try await home.psql("CREATE TABLE precious AS SELECT 7 AS n")
        for replica in cluster.replicas { try await replica.waitFor("SELECT n FROM precious", toPrint: "7") }

        try await home.stop(mode: "immediate")
        try harness.setReady(0, false)
        try FileManager.default.removeItem(atPath: home.dataDirectory)
        try await reconcile(harness, time) { try status(harness)?.lastFailover?.outcome == "Completed" }
        #expect(try status(harness)?.currentPrimary == "orders-1", "equally advanced replicas: the lowest ordinal")

        let output = try await faults.recreate(home, in: cluster, harness: harness)
        #expect(output.stderr.contains("is a standby of"), "\(output.stderr)")
        try await reconcile(harness, time, step: 0.2) {
            try status(harness)?.lastSwitchover?.outcome == "Completed"
                && harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-1") == nil
        }
        _ = try await faults.recreate(cluster.instances[1], in: cluster, harness: harness)
        // As in the way home above: a replica that received WAL from orders-1 past orders-0's
        // promotion point is rebuilt, and the test remakes the pod the operator deletes for it.
        try await reconcile(harness, time, step: 0.2, kubelet: cluster) {
            try status(harness)?.phase == .healthy
                && live.roleLabels(harness) == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"]
        }
        #expect(try await home.psql("SELECT n FROM precious") == "7")
        #expect(try await home.psql("SELECT pg_is_in_recovery()") == "f")
    }

    @Test("a switchover asked for with the ordinal.dev/primary annotation (what `ordinal switchover` sets) under writes: no acknowledged write lost")
    func requestedSwitchoverLosesNothing() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await faults.healthyCluster(time, failoverDelay: 5)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        try await makeLedger(cluster)
        let load = writer(cluster, harness, table: "ledger")
        load.start()
        for _ in 0..<100 where load.acknowledged.count < 100 { try await Task.sleep(for: .milliseconds(50)) }
        load.resetGap()

        var stored = try #require(try harness.cluster())
        stored.metadata.annotations = [ClusterLabels.primaryAnnotation: "orders-2"]
        _ = try harness.server.put(stored)
        try await harness.eventually("the cache sees the annotation") {
            harness.run.controller.caches.clusters.get(namespace: harness.namespace, name: "orders")?
                .metadata.annotations?[ClusterLabels.primaryAnnotation] == "orders-2"
        }
        try await reconcile(harness, time, step: 0.2) {
            try status(harness)?.lastSwitchover?.outcome == "Completed"
                && harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-0") == nil
        }
        #expect(try live.roleLabels(harness)["orders-2"] == "primary")
        _ = try await faults.recreate(cluster.instances[0], in: cluster, harness: harness)
        try await reconcile(harness, time, step: 0.2) {
            try status(harness)?.phase == .healthy
                && live.roleLabels(harness) == ["orders-0": "replica", "orders-1": "replica", "orders-2": "primary"]
        }
        let after = load.acknowledged.count
        for _ in 0..<200 where load.acknowledged.count < after + 50 { try await Task.sleep(for: .milliseconds(50)) }
        await load.stop()
        print("requested switchover: longest gap between acknowledged writes \(load.longestGap)")
        let present = try await rows("ledger", on: cluster.instances[2])
        let missing = load.acknowledged.filter { !present.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged writes lost")
        #expect(try await cluster.instances[0].psql("SELECT pg_is_in_recovery()") == "t")
    }

    /// Writes with both replicas stopped, kills the primary, brings the replicas back and lets
    /// the operator fail over; returns the writes acknowledged while the replicas were away
    /// that the new primary lacks, and the failover's record.
    func failoverAfterUnreplicatedWrites(synchronous: Int?) async throws -> (written: Int, missing: Int, record: PrimaryChange?) {
        var extra: [String: String] = [:]
        if let number = synchronous { extra["synchronous_standby_names"] = ClusterDefaults.synchronousStandbyNames(cluster: "orders", number: number) }
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2, extraParameters: extra)
        let time = MovableClock()
        let harness = try await LivePostgresTests.harness(for: cluster, clock: time.clock, failoverDelay: 1) { spec in
            spec.replication = synchronous.map { ReplicationSpec(synchronous: SynchronousReplicationSpec(number: $0)) }
        }
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        try await live.reconcile(harness) { try harness.cluster()?.status?.phase == .healthy }
        try await makeLedger(cluster)

        for replica in cluster.replicas { try await replica.stop(mode: "immediate") }
        let load = writer(cluster, harness, table: "ledger")
        load.start()
        try await Task.sleep(for: .seconds(2))
        _ = try await harness.reconcile()  // the operator's last look at the primary's WAL position
        try await cluster.primary.stop(mode: "immediate")
        await load.stop()
        let written = load.acknowledged
        try harness.setReady(0, false)
        for replica in cluster.replicas { try await replica.start() }
        try await reconcile(harness, time) { try status(harness)?.lastFailover?.outcome == "Completed" }
        let promoted = try #require(cluster.instances.first { $0.podName == (try? status(harness))??.currentPrimary })
        let present = try await rows("ledger", on: promoted)
        return (written.count, written.filter { !present.contains($0) }.count, try status(harness)?.lastFailover)
    }

    @Test("asynchronous: writes the primary acknowledged but never sent are lost in a failover, and the loss is reported")
    func asynchronousLossIsReported() async throws {
        let (written, missing, record) = try await failoverAfterUnreplicatedWrites(synchronous: nil)
        #expect(written > 0 && missing == written, "\(missing) of \(written) acknowledged writes missing")
        #expect((record?.bytesMayBeLost ?? 0) > 0, "\(String(describing: record))")
    }

    @Test("synchronous (ANY 1): with no standby streaming no write is acknowledged, so a failover loses none")
    func synchronousLosesNothing() async throws {
        let (written, missing, record) = try await failoverAfterUnreplicatedWrites(synchronous: 1)
        #expect(missing == 0, "\(missing) of \(written) acknowledged writes missing")
        #expect(written == 0, "a commit was acknowledged with no standby streaming")
        #expect(record?.outcome == "Completed")
    }

    @Test("the operator restarted before every round of a failover and of the switchover home: each resumes from status and the servers, once")
    func restartedOperatorResumes() async throws {
        let time = MovableClock()
        let (cluster, harness) = try await faults.healthyCluster(time, failoverDelay: 1)
        defer { Task { await harness.stop(); await cluster.shutdown() } }
        var options = OperatorOptions()
        options.probeTimeout = .seconds(5)
        options.addressing = .table { _, pod in cluster.instances.first { $0.podName == pod }.map { ($0.host, $0.port) } }
        options.replicationPassfile = { _, pod in cluster.instances.first { $0.podName == pod }?.passfile }
        options.replicaCertificateAuthority = { _, _ in "\(cluster.tlsDirectory)/ca.crt" }
        /// One round by an operator process that starts, reconciles once and stops.
        func freshRounds(until condition: () throws -> Bool) async throws {
            for _ in 0..<60 {
                let run = OperatorRun(server: harness.server, options: options, clock: time.clock, key: harness.key)
                _ = try await run.reconcile()
                await run.stop()
                if try condition() { return }
                time.advance(0.5)
            }
            Issue.record("condition not reached; status: \(String(describing: try status(harness)))")
        }

        try await cluster.primary.stop(mode: "immediate")
        try harness.setReady(0, false)
        try await freshRounds { try status(harness)?.lastFailover?.outcome == "Completed" && live.roleLabels(harness)["orders-1"] == "primary" }
        _ = try await faults.recreate(cluster.primary, in: cluster, harness: harness)
        try await freshRounds {
            try status(harness)?.lastSwitchover?.outcome == "Completed"
                && harness.server.object(Pod.self, namespace: harness.namespace, name: "orders-1") == nil
        }
        _ = try await faults.recreate(cluster.instances[1], in: cluster, harness: harness)
        try await freshRounds {
            try status(harness)?.phase == .healthy
                && live.roleLabels(harness) == ["orders-0": "primary", "orders-1": "replica", "orders-2": "replica"]
        }
        // Two promotions, no more: timeline 1, then 2 on orders-1, then 3 home on orders-0.
        _ = try await cluster.primary.psql("CHECKPOINT")
        #expect(try await cluster.primary.psql("SELECT timeline_id FROM pg_control_checkpoint()") == "3")
        #expect(try status(harness)?.lastFailover?.to == "orders-1")
    }
}
