import ClusterModel
import PostgresHealth
import PostgresTestSupport
import Testing

extension LiveClusterTests {
    @Suite("Replication actions")
    struct ReplicationActionTests {
        @Test func slotsAreCreatedForReplicasAndDroppedOnlyForGonePods() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let actions = ReplicationActions(pool: ConnectionPool())
            let primary = cluster.settings(for: cluster.primary)
            try await cluster.primary.psql(
                "SELECT pg_create_physical_replication_slot('someone_elses') WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'someone_elses')")

            let created = try await actions.ensureReplicationSlots(on: primary, replicaPods: ["orders-1", "orders-2", "orders-3"])
            #expect(created.created == ["orders_3"])
            #expect(created.dropped.isEmpty)
            let again = try await actions.ensureReplicationSlots(on: primary, replicaPods: ["orders-1", "orders-2", "orders-3"])
            #expect(again.isEmpty, "a second pass changes nothing")
            #expect(try await cluster.primary.psql("SELECT restart_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = 'orders_3'") == "t",
                    "the new slot reserves WAL at once")

            // orders-2 is down but not gone: its slot stays, whatever the replica list says.
            try await cluster.replicas[1].stop()
            let whileDown = try await actions.ensureReplicationSlots(on: primary, replicaPods: ["orders-1"], gonePods: ["orders-3"])
            #expect(whileDown.dropped == ["orders_3"])
            #expect(try await cluster.primary.psql("SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots")
                == "orders_1,orders_2,someone_elses")

            // A pod said to be gone while its WAL sender is active keeps its slot for now.
            let active = try await actions.ensureReplicationSlots(on: primary, replicaPods: [], gonePods: ["orders-1"])
            #expect(active.keptActive == ["orders_1"])
            #expect(active.dropped.isEmpty)
            try await cluster.heal()
            try await cluster.primary.psql("SELECT pg_drop_replication_slot('someone_elses')")
        }

        @Test func slotsAreRefusedOnAReplica() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let actions = ReplicationActions(pool: ConnectionPool())
            let error = await #expect(throws: PostgresError.self) {
                try await actions.ensureReplicationSlots(on: cluster.settings(for: cluster.replicas[0]), replicaPods: ["orders-2"])
            }
            #expect(error?.code == .notPrimary)
        }

        @Test func primaryConnInfoIsCorrectedWithoutRestartAndStreamingResumes() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let replica = cluster.replicas[0]
            let startedAt = try await replica.psql("SELECT pg_postmaster_start_time()")
            let elsewhere = try PostgresTestCluster.freePort()
            try await replica.psql(
                "ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=\(elsewhere) user=streaming_replica application_name=orders-1'")
            try await replica.psql("SELECT pg_reload_conf()")
            try await cluster.primary.waitFor(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'orders-1'", toPrint: "0")

            let actions = ReplicationActions(pool: ConnectionPool())
            let desired = PrimaryConnInfo(
                host: cluster.primary.host, port: cluster.primary.port, user: cluster.replicationUser,
                podName: replica.podName, passfile: replica.passfile)
            let changed = try await actions.ensurePrimaryConnInfo(on: cluster.settings(for: replica), desired)
            #expect(changed)
            try await cluster.waitForStreaming(applicationName: "orders-1")
            #expect(try await replica.psql("SELECT pg_postmaster_start_time()") == startedAt, "no restart")
            #expect(try await replica.psql("SHOW primary_slot_name") == "orders_1")
            let conninfo = try await replica.psql("SHOW primary_conninfo")
            #expect(desired.isSatisfied(by: conninfo))
            #expect(!conninfo.contains(cluster.replicationPassword))

            let unchanged = try await actions.ensurePrimaryConnInfo(on: cluster.settings(for: replica), desired)
            #expect(!unchanged, "a second pass changes nothing")
        }

        @Test func checkpointRunsOnPrimaryAndReplica() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let actions = ReplicationActions(pool: ConnectionPool())
            let before = try #require(Int(try await cluster.primary.psql("SELECT checkpoints_req FROM pg_stat_bgwriter")))
            try await actions.checkpoint(on: cluster.settings(for: cluster.primary))
            let after = try #require(Int(try await cluster.primary.psql("SELECT checkpoints_req FROM pg_stat_bgwriter")))
            #expect(after > before)
            try await actions.checkpoint(on: cluster.settings(for: cluster.replicas[0]))
        }
    }

    @Suite("Role decision on live servers")
    struct LiveRoleDecisionTests {
        @Test func liveClusterHasPodZeroAsPrimary() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let decision = RoleDecision(deciding: await cluster.prober().probeCluster(cluster.addresses, within: .seconds(5)).map(\.report))
            #expect(decision.primary == "orders-0")
            #expect(decision.replicas == ["orders-1", "orders-2"])
            #expect(decision.outcome == .onePrimary)
        }

        @Test func clusterWithItsPrimaryStoppedHasNoPrimary() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            try await cluster.primary.stop()
            let facts = await cluster.prober().probeCluster(cluster.addresses, within: .seconds(5))
            try await cluster.heal()
            let decision = RoleDecision(deciding: facts.map(\.report))
            #expect(decision.primary == nil)
            #expect(decision.outcome == .noPrimary)
            #expect(decision.unreachable == ["orders-0"])
            #expect(decision.replicas == ["orders-1", "orders-2"])
            #expect(facts.allSatisfy { $0.lagBytes == nil }, "no lag without a primary to compare with")
        }
    }
}

@Suite("Split brain on live servers", .enabled(if: PostgresBinaries.isAvailable, realPostgresMissing))
struct SplitBrainTests {
    @Test func aReplicaPromotedByHandMakesASplitBrainWithNoPrimary() async throws {
        let cluster = try await PostgresTestCluster.start(name: "split", replicas: 1)
        defer { cluster.shutdownNow() }
        let prober = ClusterProber(pool: ConnectionPool(), monitor: nil, superuser: cluster.settings(for: cluster.primary))
        #expect(RoleDecision(deciding: await prober.probeCluster(cluster.addresses, within: .seconds(5)).map(\.report)).primary == "split-0")

        try await cluster.replicas[0].promote()
        let facts = await prober.probeCluster(cluster.addresses, within: .seconds(5))
        let decision = RoleDecision(deciding: facts.map(\.report))
        #expect(decision.primary == nil)
        #expect(decision.isSplitBrain)
        #expect(decision.conflictingPrimaries == ["split-0", "split-1"])
    }
}
