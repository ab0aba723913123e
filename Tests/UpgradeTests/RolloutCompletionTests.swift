import ClusterModel
import KubeTypes
import OperatorTestSupport
import PostgresTestSupport
import Testing

/// How the walk ends: the last step (the primary) is proven healthy before the rollout is
/// reported complete, whatever the StatefulSet controller has or has not observed yet.
///
/// Both tests fail on the current RolloutPlanner (see the report for issue 6): when the
/// partition is 0 and the StatefulSet's currentRevision equals its updateRevision (or the
/// controller has not observed the partition change yet), `decide` returns `.none` without
/// checking the pods, so the status leaves `Upgrading` before the primary step is done.
@Suite("Rollout completion", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PostgresMinorVersions.skipReason == nil, "the package archive offers a single minor of postgresql-15: no upgrade to walk (see scripts/fetch-postgres-minors.sh)"))
struct RolloutCompletionTests {
    @Test func walkEndsWithRolloutCompleteAndNoTransientDegraded() async throws {
        try await UpgradeWorld.run { world in
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await world.settleOnOldVersion(operatorRun)

            try await world.setVersion(new)
            var phases: [ClusterPhase] = []
            try await world.drive(operatorRun, rounds: 150, "Healthy on \(new)") {
                let status = try world.status()
                if let phase = status?.phase, phases.last != phase { phases.append(phase) }
                return status?.phase == .healthy && status?.currentVersion == new && status?.readyInstances == 3
            }
            let reasons = world.eventReasons()
            // Right after pod 0 restarts, the replicas have not reconnected yet: that is still the
            // primary's step (Upgrading, waiting for the replicas), not a Degraded cluster.
            #expect(phases == [.upgrading, .healthy], "phases: \(phases); events: \(reasons)")
            #expect(reasons.filter { $0.hasPrefix("Rollout") }.last == "RolloutComplete", "events: \(reasons)")
            #expect(!reasons.contains("InstancesNotReady"), "events: \(reasons)")
        }
    }

    @Test func primaryStepNotYetObservedByTheStatefulSetControllerIsNotReportedComplete() async throws {
        try await UpgradeWorld.run { world in
            let old = world.minors.oldVersion
            let new = world.minors.newVersion
            let operatorRun = world.startOperator()
            defer { Task { await operatorRun.stop() } }
            try await world.settleOnOldVersion(operatorRun)

            try await world.setVersion(new)
            try await world.drive(operatorRun, "the primary's step (partition 0)") { try world.partition() == 0 }
            #expect(world.simulator.restarts == [2, 1])
            // The StatefulSet controller is slow: it has not observed partition 0 yet, pod 0 still
            // runs the old version. The operator looks again meanwhile.
            for _ in 0..<3 {
                try await operatorRun.reconcile()
            }
            let status = try #require(try world.status())
            #expect(try await world.serverVersions() == [old, new, new])
            #expect(status.phase == .upgrading, "pod 0 has not restarted yet, but the phase is \(String(describing: status.phase))")
            #expect(status.targetVersion == new)
            #expect(!world.eventReasons().contains("RolloutComplete"), "events: \(world.eventReasons())")

            // Once the controller acts, the walk completes.
            try await world.driveToHealthy(operatorRun, version: new)
            #expect(world.simulator.restarts == [2, 1, 0])
        }
    }
}
