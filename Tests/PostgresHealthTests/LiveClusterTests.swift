import ClusterModel
import PostgresHealth
import PostgresTestSupport
import Testing

/// Tests against the shared real cluster. Serialized (with every suite nested in it, in other
/// files) because some stop, reconfigure or restart servers; each leaves the cluster healthy.
@Suite("Live cluster", .serialized, .enabled(if: PostgresBinaries.isAvailable, realPostgresMissing))
struct LiveClusterTests {}

extension LiveClusterTests {
    @Suite("Probes")
    struct Probes {
        @Test func probeReportsRoleVersionTimelineAndLSNsOfEveryInstance() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let versionNumber = try #require(Int(try await cluster.primary.psql("SHOW server_version_num")))
            let facts = try await cluster.probe(until: { facts in facts.dropFirst().allSatisfy { $0.isStreaming } })
            #expect(facts.map(\.podName) == ["orders-0", "orders-1", "orders-2"])
            #expect(facts.allSatisfy { $0.error == nil })

            let primary = facts[0]
            #expect(primary.isPrimary)
            #expect(primary.serverVersionNumber == versionNumber)
            #expect(primary.currentLSN != nil)
            #expect(primary.walReceiverStatus == nil)
            #expect(primary.lagBytes == 0)
            #expect(primary.replicationSlots.map(\.name) == ["orders_1", "orders_2"])
            #expect(primary.replicationSlots.allSatisfy { $0.isActive })

            for replica in facts.dropFirst() {
                #expect(replica.isReplica)
                #expect(replica.serverVersionNumber == versionNumber)
                #expect(replica.currentLSN == nil)
                #expect(replica.receiveLSN != nil)
                #expect(replica.replayLSN != nil)
                #expect(replica.walReceiverStatus == "streaming")
            }
        }

        @Test("standby limits: the value in effect, the built-in default, the ALTER SYSTEM entry and what a restart would run")
        func standbyLimitsReportWhatARestartWouldRun() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let primary = cluster.primary
            let running = try #require(Int64(try await primary.psql("SHOW max_connections")))
            try await primary.psql("ALTER SYSTEM SET max_connections = \(running + 7)")
            try await primary.psql("SELECT pg_reload_conf()")
            let pending = try await cluster.probe(until: { $0.first?.limits["max_connections"]?.fileValue == running + 7 })
            try await primary.psql("ALTER SYSTEM RESET max_connections")
            try await primary.psql("SELECT pg_reload_conf()")
            let setting = try #require(pending.first?.limits["max_connections"])
            #expect(setting.value == running, "a postmaster setting does not change with a reload")
            #expect(setting.autoConf == "\(running + 7)")
            #expect(setting.fileValue == running + 7)
            #expect(setting.highest == running + 7 && setting.lowest == running)
            #expect(setting.defaultValue == 100)
            let back = try await cluster.probe(until: { $0.first?.limits["max_connections"]?.autoConf == nil })
            #expect(back.first?.limits["max_connections"]?.fileValue.map { $0 == running || $0 == 100 } ?? true)
            #expect(back.first?.limits["max_connections"]?.highest == running)
        }

        @Test func replicasCatchUpToZeroLagAfterWrites() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            try await cluster.primary.psql(
                "CREATE TABLE IF NOT EXISTS lag_probe (n int); INSERT INTO lag_probe SELECT generate_series(1, 10000)")
            let facts = try await cluster.probe(until: { facts in facts.dropFirst().allSatisfy { $0.lagBytes == 0 } })
            #expect(facts.dropFirst().allSatisfy { $0.lagBytes == 0 })
            #expect(facts[1].replayLSN == facts[0].currentLSN)
        }

        @Test func lagGrowsWhileAReplicaIsStoppedAndReturnsToZeroAfter() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let stopped = cluster.replicas[1]
            try await stopped.stop()
            let prober = cluster.prober()
            do {
                try await cluster.primary.psql("CREATE TABLE IF NOT EXISTS lag_grow (n int); INSERT INTO lag_grow SELECT generate_series(1, 20000)")
                let first = await prober.probeCluster(cluster.addresses, within: .seconds(5))
                #expect(first[2].isReachable == false)
                #expect(first[2].error?.code == .connectionFailed)
                let firstLag = try #require(first[2].lagBytes)
                #expect(firstLag > 0)
                #expect(first[1].isReplica)

                try await cluster.primary.psql("INSERT INTO lag_grow SELECT generate_series(1, 20000)")
                let second = await prober.probeCluster(cluster.addresses, within: .seconds(5))
                let secondLag = try #require(second[2].lagBytes)
                #expect(secondLag > firstLag)
            } catch {
                try await cluster.heal()
                throw error
            }
            try await stopped.start()
            let healed = try await cluster.probe(until: { $0[2].isStreaming && $0[2].lagBytes == 0 }, prober: prober)
            #expect(healed[2].isReplica)
            #expect(healed[2].lagBytes == 0)
        }

        @Test func clusterProbeKeepsItsDeadlineWhenAnInstanceHangs() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let silent = try SilentListener()
            let addresses = cluster.addresses + [InstanceAddress(podName: "orders-9", host: "127.0.0.1", port: silent.port)]
            let started = ContinuousClock.now
            // Long enough for three healthy servers on a loaded machine (a full suite with
            // pgBackRest running beside it missed 800 ms), far below the hang it guards against.
            let facts = await cluster.prober().probeCluster(addresses, within: .seconds(3))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .seconds(10), "the silent listener never answers")
            #expect(facts[3].error?.code == .connectTimeout)
            #expect(facts.prefix(3).allSatisfy { $0.isReachable })
            #expect(RoleDecision(deciding: facts.map(\.report)).primary == "orders-0")
        }

        @Test func poolReusesConnectionsAndReplacesOnesTheServerKilled() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let pool = ConnectionPool()
            let prober = cluster.prober(pool: pool)
            let address = cluster.addresses[0]
            for _ in 0..<5 {
                let facts = await prober.probe(address, deadline: .now + .seconds(5))
                #expect(facts.isPrimary)
            }
            #expect(await pool.statistics.opened == 1)
            #expect(await pool.statistics.reused == 4)

            let killed = try await cluster.primary.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ordinal-tests' AND pid <> pg_backend_pid()")
            #expect(killed == "1")
            let afterKill = await prober.probe(address, deadline: .now + .seconds(5))
            #expect(afterKill.isPrimary, "a connection the server closed is replaced transparently")
            #expect(await pool.statistics.opened == 2)
        }
        @Test func instanceRestartedWithItsOwnBinaryFolderKeepsStreaming() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let replica = cluster.replicas[0]
            let binaries = try PostgresBinaries(directory: replica.binaries.directory)
            let before = try await replica.psql("SELECT pg_postmaster_start_time()")
            try await replica.restart(with: binaries)
            #expect(replica.binaries == binaries)
            #expect(try await replica.psql("SELECT pg_postmaster_start_time()") != before)
            try await cluster.waitForStreaming(applicationName: replica.podName)
        }
    }
}
