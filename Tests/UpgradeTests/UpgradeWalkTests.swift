import ClusterModel
import KubeTypes
import PostgresHealth
import OperatorTestSupport
import PostgresTestSupport
import Testing

/// A real minor-version upgrade (two Debian builds of PostgreSQL 15) walked down the
/// StatefulSet partition by the operator's reconciler, round by round, with a simulated
/// StatefulSet controller and kubelet restarting local servers on the new binaries.
@Suite("Minor upgrade walked down the StatefulSet partition", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PostgresMinorVersions.skipReason == nil, "the package archive offers a single minor of postgresql-15: no upgrade to walk (see scripts/fetch-postgres-minors.sh)"))
struct UpgradeWalkTests {
    func withWorld(_ mutate: (inout PostgresCluster) -> Void = { _ in }, _ body: (UpgradeWorld) async throws -> Void) async throws {
        try await UpgradeWorld.run(mutate, body)
    }

    func settleOnOldVersion(_ world: UpgradeWorld, _ operatorRun: OperatorRun) async throws {
        try await world.settleOnOldVersion(operatorRun)
    }

    @Test func walkRestartsPodsTwoOneZeroAndEveryWriteSurvives() async throws {
        try await withWorld { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await settleOnOldVersion(world, operatorRun)

            let primary = world.postgres.primary
            try await primary.psql("CREATE TABLE walk (seq bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())")
            try await primary.psql("CREATE TABLE before_walk AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 10000) g")
            let writer = WriteLoad(settings: world.primarySettings, table: "walk")
            writer.start()
            // Writes under way before the walk (the first TLS connection may take a moment on a loaded machine).
            for _ in 0..<200 where writer.acknowledged.count < 20 { try await Task.sleep(for: .milliseconds(50)) }
            let writtenBefore = writer.acknowledged.count

            try await world.setVersion(new)
            var phases: [ClusterPhase] = []
            var targetVersions: Set<String> = []
            var progressing: [String] = []
            try await world.drive(operatorRun, rounds: 150, "Healthy on \(new)") {
                let status = try world.status()
                if let phase = status?.phase, phases.last != phase { phases.append(phase) }
                if let target = status?.targetVersion { targetVersions.insert(target) }
                if let message = try world.condition("Progressing")?.message, progressing.last != message { progressing.append(message) }
                return status?.phase == .healthy && status?.currentVersion == new && status?.readyInstances == 3
            }
            try await Task.sleep(for: .milliseconds(300))
            await writer.stop()

            // The order: replicas from the highest ordinal, the primary last; one step each.
            #expect(world.simulator.restarts == [2, 1, 0])
            #expect(world.partitions == [0, 3, 2, 1, 0])
            #expect(try await world.serverVersions() == [new, new, new])
            let status = try #require(try world.status())
            #expect(status.phase == .healthy)
            #expect(status.currentVersion == new)
            #expect(status.targetVersion == nil)
            #expect(status.partition == 0)
            #expect(status.primary == "orders-0")
            #expect(phases.first == .upgrading)
            #expect(targetVersions == [new])
            #expect(progressing.contains { $0.contains("orders-2") })
            #expect(progressing.contains { $0.contains("orders-1") })
            #expect(progressing.contains { $0.contains("restart the primary orders-0") || $0.contains("orders-0") })
            let reasons = world.eventReasons()
            let rolloutReasons = reasons.filter { $0.hasPrefix("Rollout") }
            #expect(rolloutReasons.first == "RolloutStarted")
            #expect(rolloutReasons.filter { $0 == "RolloutStep" }.count == 2)
            #expect(rolloutReasons.filter { $0 == "RolloutPrimary" }.count == 1)
            #expect(!reasons.contains("RolloutStuck"))

            // Every acknowledged write is there, on the primary and on both replicas.
            let acknowledged = writer.acknowledged
            #expect(writtenBefore > 0)
            #expect(acknowledged.count > writtenBefore)
            let onPrimary = Set(try await primary.psql("SELECT seq FROM walk").split(separator: "\n").compactMap { Int64($0) })
            let missing = Set(acknowledged).subtracting(onPrimary)
            #expect(missing.isEmpty, "acknowledged writes missing on the primary: \(missing.sorted().prefix(20))")
            let count = try await primary.psql("SELECT count(*) FROM walk")
            for replica in world.postgres.replicas {
                try await replica.waitFor("SELECT count(*) FROM walk", toPrint: count)
                #expect(try await replica.psql("SELECT count(*) FROM before_walk") == "10000")
                let onReplica = Set(try await replica.psql("SELECT seq FROM walk").split(separator: "\n").compactMap { Int64($0) })
                #expect(onReplica == onPrimary)
            }
            let downtime = writer.longestGap
            print("upgrade walk \(old) -> \(new): \(acknowledged.count) writes acknowledged (\(writer.failures) failed attempts); primary write downtime \(downtime.formatted(.units(allowed: [.milliseconds])))")
            #expect(downtime < .seconds(30))
        }
    }

    @Test func operatorRestartedAfterEveryStepResumesWithoutRepeatingOrSkipping() async throws {
        try await withWorld { world in
            let new = world.minors.newVersion
            var operatorRun = world.startOperator()
            try await settleOnOldVersion(world, operatorRun)
            try await world.setVersion(new)

            var operators = 1
            var done = false
            for _ in 0..<12 where !done {
                let before = try world.partition()
                let restartsBefore = world.simulator.restarts.count
                try await world.drive(operatorRun, "a step of the walk") {
                    let status = try world.status()
                    done = status?.phase == .healthy && status?.currentVersion == new
                    return try world.partition() != before || world.simulator.restarts.count != restartsBefore || done
                }
                // Drop the operator (caches, pool, event de-duplication) and start a new one.
                await operatorRun.stop()
                operatorRun = world.startOperator()
                operators += 1
            }
            try await world.driveToHealthy(operatorRun, version: new)
            await operatorRun.stop()

            #expect(operators >= 6)
            #expect(world.simulator.restarts == [2, 1, 0])
            #expect(world.partitions == [0, 3, 2, 1, 0])
            #expect(try await world.serverVersions() == [new, new, new])
            #expect(try world.status()?.currentVersion == new)
            #expect(world.eventReasons().filter { $0 == "RolloutPrimary" }.count == 1)
            #expect(world.eventReasons().filter { $0 == "RolloutStarted" }.count == 1)
        }
    }

    @Test func pausedHoldsTheWalkAndHoldBeforePrimaryStopsBeforePodZero() async throws {
        try await withWorld { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await settleOnOldVersion(world, operatorRun)

            // Paused before the first step: the template is applied, no pod moves.
            try await world.patchCluster(["spec": ["postgresVersion": .string(new), "upgrade": ["paused": true]]])
            try await world.drive(operatorRun, "held by paused") {
                try world.condition("Progressing")?.reason == "RolloutHeld"
            }
            for _ in 0..<5 {
                try await world.simulator.step()
                try await operatorRun.reconcile()
            }
            #expect(try world.partition() == 3)
            #expect(world.simulator.restarts.isEmpty)
            #expect(try world.status()?.phase == .upgrading)
            #expect(try world.condition("Progressing")?.message.contains("paused") == true)
            #expect(try await world.serverVersions() == [old, old, old])

            // Resumed, with a hold before the primary: both replicas move, pod 0 does not.
            try await world.patchCluster(["spec": ["upgrade": ["paused": false, "holdBeforePrimary": true]]])
            try await world.drive(operatorRun, "held before the primary") {
                try world.condition("Progressing")?.reason == "RolloutHeld" && world.partition() == 1
            }
            for _ in 0..<5 {
                try await world.simulator.step()
                try await operatorRun.reconcile()
            }
            #expect(try world.partition() == 1)
            #expect(world.simulator.restarts == [2, 1])
            #expect(try world.condition("Progressing")?.message.contains("holdBeforePrimary") == true)
            #expect(try world.status()?.phase == .upgrading)
            #expect(try await world.serverVersions() == [old, new, new])

            // Cleared: the primary restarts last.
            try await world.patchCluster(["spec": ["upgrade": ["holdBeforePrimary": false]]])
            try await world.driveToHealthy(operatorRun, version: new)
            #expect(world.simulator.restarts == [2, 1, 0])
            #expect(world.partitions == [0, 3, 2, 1, 0])
            #expect(try await world.serverVersions() == [new, new, new])
        }
    }

    @Test func stepThatNeverBecomesHealthyEndsDegradedAndKeepsThePartition() async throws {
        try await withWorld({ $0.spec.upgrade?.stepTimeoutSeconds = 30 }) { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await settleOnOldVersion(world, operatorRun)

            // Pod 2's server will not start on the new version (a crash loop).
            world.simulator.refuseToStart(2, onVersion: new)
            try await world.setVersion(new)
            try await world.drive(operatorRun, "pod 2 replaced") { world.simulator.restarts == [2] }
            for _ in 0..<3 {
                try await world.simulator.step()
                try await operatorRun.reconcile()
            }
            #expect(try world.status()?.phase == .upgrading)
            #expect(try world.condition("Progressing")?.message.contains("orders-2") == true)

            // The step timer passes spec.upgrade.stepTimeoutSeconds.
            world.clock.advance(by: 31)
            try await world.drive(operatorRun, rounds: 10, "Degraded") { try world.status()?.phase == .degraded }
            let degraded = try #require(try world.condition("Degraded"))
            #expect(degraded.status == "True")
            #expect(degraded.reason == "RolloutStuck")
            #expect(degraded.message.contains("orders-2"))
            #expect(try world.condition("Progressing")?.reason == "RolloutStuck")
            #expect(world.eventReasons().contains("RolloutStuck"))
            for _ in 0..<5 {
                try await world.simulator.step()
                try await operatorRun.reconcile()
            }
            #expect(try world.partition() == 2)
            #expect(world.simulator.restarts == [2])
            #expect(try await world.postgres.instances[0].psql("SHOW server_version").hasPrefix(old))
            #expect(try await world.postgres.instances[1].psql("SHOW server_version").hasPrefix(old))
            #expect(!world.postgres.instances[2].isRunning)

            // Fixed: the pod starts, the walk continues from where it stopped.
            world.simulator.allowToStart(2)
            try await world.driveToHealthy(operatorRun, version: new)
            #expect(world.simulator.restarts == [2, 1, 0])
            #expect(world.partitions == [0, 3, 2, 1, 0])
            #expect(try await world.serverVersions() == [new, new, new])
        }
    }

    @Test func stuckStepRolledBackWaitsForTheBrokenPodToBeDeletedThenReturnsToTheOldVersion() async throws {
        try await withWorld({ $0.spec.upgrade?.stepTimeoutSeconds = 30 }) { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await settleOnOldVersion(world, operatorRun)

            world.simulator.refuseToStart(2, onVersion: new)
            try await world.setVersion(new)
            try await world.drive(operatorRun, "pod 2 replaced") { world.simulator.restarts == [2] }
            world.clock.advance(by: 31)
            try await world.drive(operatorRun, rounds: 10, "Degraded") { try world.status()?.phase == .degraded }

            // Set back: the old template is applied, but under OrderedReady Kubernetes waits for the
            // broken pod to become Ready before it replaces it, so nothing moves yet.
            try await world.setVersion(old)
            for _ in 0..<5 {
                try await world.simulator.step()
                try await operatorRun.reconcile()
            }
            #expect(world.simulator.restarts == [2])
            #expect(try world.partition() == 2)
            #expect(try world.status()?.phase == .upgrading)
            #expect(try world.condition("Progressing")?.message.contains("orders-2") == true)
            #expect(!world.postgres.instances[2].isRunning)

            // The documented way out: delete the broken pod; it comes back on the old version.
            try await world.simulator.deletePod(2)
            try await world.driveToHealthy(operatorRun, version: old)
            #expect(world.simulator.restarts == [2, 2])
            #expect(try await world.serverVersions() == [old, old, old])
            #expect(try world.partition() == 0)
            #expect(try world.status()?.targetVersion == nil)
        }
    }

    @Test func versionSetBackAfterPodTwoMovedRollsBackTheSameWay() async throws {
        try await withWorld { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await settleOnOldVersion(world, operatorRun)

            try await world.setVersion(new)
            try await world.drive(operatorRun, "pod 2 healthy on \(new)") {
                let podTwo = try world.status()?.instanceStatus?.first { $0.name == "orders-2" }
                return world.simulator.restarts == [2] && podTwo?.version == new && podTwo?.ready == true
            }
            #expect(try await world.serverVersions() == [old, old, new])

            // Set back before the next pod moves: the old template is applied at the top of the partition.
            try await world.setVersion(old)
            try await operatorRun.reconcile()
            #expect(try world.partition() == 3)
            try await world.driveToHealthy(operatorRun, version: old)

            #expect(world.simulator.restarts == [2, 2])
            #expect(try await world.serverVersions() == [old, old, old])
            let partitions = world.partitions
            #expect(partitions.first == 0 && partitions.last == 0)
            #expect(partitions.filter { $0 == 3 }.count == 2, "the partition went back to the top once for each template change: \(partitions)")
            #expect(!partitions.dropFirst().dropLast().contains(0), "no pod below the partition was released early: \(partitions)")
            let status = try #require(try world.status())
            #expect(status.phase == .healthy)
            #expect(status.currentVersion == old)
            #expect(world.eventReasons().filter { $0 == "RolloutStarted" }.count == 2)
            #expect(!world.eventReasons().contains("RolloutPrimary"))
        }
    }
}
