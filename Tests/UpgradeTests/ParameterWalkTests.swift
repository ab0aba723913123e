import ClusterModel
import KubeTypes
import PostgresTestSupport
import Testing

/// Restart-bound parameter changes walked on real PostgreSQL, each pod starting with its own
/// revision's `postgresql.conf` (the simulator follows the ConfigMap the template names): a
/// lowering that standbys could not follow goes to the primary first; a broken value stops
/// the walk at its first pod while every other pod keeps the old settings.
@Suite("Parameter changes walked with per-revision configuration", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PostgresMinorVersions.skipReason == nil, "the upgrade world needs two minors of postgresql-15 (see scripts/fetch-postgres-minors.sh)"))
struct ParameterWalkTests {
    func setParameters(_ world: UpgradeWorld, _ parameters: [String: String]) async throws {
        var values: [String: JSONValue] = [:]
        for (name, value) in parameters { values[name] = .string(value) }
        try await world.patchCluster(["spec": ["postgresql": ["parameters": .object(values)]]])
    }

    func show(_ world: UpgradeWorld, _ setting: String) async throws -> [String] {
        var values: [String] = []
        for instance in world.postgres.instances { values.append(try await instance.psql("SHOW \(setting)")) }
        return values
    }

    @Test func loweringMaxConnectionsRestartsThePrimaryFirstThenWalksTheReplicas() async throws {
        try await UpgradeWorld.run(followsConfiguration: true) { world in
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await world.settleOnOldVersion(operatorRun)
            #expect(try await show(world, "max_connections") == ["100", "100", "100"])

            try await setParameters(world, ["max_connections": "50"])
            try await world.drive(operatorRun, rounds: 90, "the walk done") {
                try world.status()?.phase == .healthy && world.simulator.restarts.count >= 4 && world.partition() == 0
            }
            // Pod 0 first (at its old revision, with ALTER SYSTEM's values), then 2, 1, and 0 again.
            #expect(world.simulator.restarts == [0, 2, 1, 0])
            #expect(world.simulator.startFailures.isEmpty, "\(world.simulator.startFailures)")
            let reasons = world.eventReasons()
            let first = try #require(reasons.firstIndex(of: "PrimaryRestartedFirst"))
            #expect(reasons.firstIndex(of: "RolloutStep").map { first < $0 } == true, "\(reasons)")
            #expect(!reasons.contains("RolloutStuck"))
            #expect(try await show(world, "max_connections") == ["50", "50", "50"])
            let primary = world.postgres.instances[0]
            #expect(try await primary.psql("SELECT pg_is_in_recovery()") == "f")
            // The ALTER SYSTEM entries went at the primary's own step: its revision's file says 50.
            #expect(try await primary.psql("SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' AND name = 'max_connections'") == "0")
            #expect(try await primary.psql("SELECT sourcefile FROM pg_settings WHERE name = 'max_connections'").hasSuffix("/config/postgresql.conf"))
            try await world.postgres.waitForStreaming(count: 2)
            try await world.drive(operatorRun, rounds: 10, "status.primaryFirst cleared") { try world.status()?.primaryFirst == nil }
        }
    }

    @Test func brokenParameterStopsAtTheFirstPodAndAPrimaryRestartedMeanwhileKeepsTheOldSettings() async throws {
        try await UpgradeWorld.run(followsConfiguration: true, { $0.spec.upgrade?.stepTimeoutSeconds = 30 }) { world in
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await world.settleOnOldVersion(operatorRun)

            // A library that does not exist: the server refuses to start with it.
            try await setParameters(world, ["shared_preload_libraries": "ordinal_no_such_library"])
            try await world.drive(operatorRun, "pod 2 tried") { world.simulator.restarts == [2] && world.simulator.startFailures[2] != nil }
            world.clock.advance(by: 31)
            try await world.drive(operatorRun, rounds: 10, "Degraded") { try world.status()?.phase == .degraded }
            #expect(try world.condition("Degraded")?.reason == "RolloutStuck")
            #expect(try world.partition() == 2)
            #expect(!world.postgres.instances[2].isRunning)
            #expect(world.simulator.startFailures[2]?.contains("ordinal_no_such_library") == true, "\(world.simulator.startFailures)")
            #expect(try await world.postgres.instances[0].psql("SHOW shared_preload_libraries") == "")
            #expect(try await world.postgres.instances[1].psql("SHOW shared_preload_libraries") == "")

            // The primary's pod is deleted meanwhile: it comes back at its old revision, with the
            // old settings, and is the primary again.
            try await world.simulator.deletePod(0)
            try await world.drive(operatorRun, rounds: 30, "pod 0 back as primary") {
                try world.postgres.instances[0].isRunning && world.status()?.primary == "orders-0"
            }
            #expect(world.simulator.restarts == [2, 0])
            #expect(try await world.postgres.instances[0].psql("SHOW shared_preload_libraries") == "")
            #expect(try await world.postgres.instances[0].psql("SELECT pg_is_in_recovery()") == "f")
            #expect(try world.partition() == 2)
        }
    }
}
