import ClusterModel
import Testing

/// The walk as a pure state machine: every state, every observation.
@Suite("Rollout planner")
struct RolloutPlannerTests {
    static let old = "orders-old"
    static let new = "orders-new"
    static let name: @Sendable (Int) -> String = { "orders-\($0)" }

    /// A healthy instance at `revision` running `version` (160004 = 16.4).
    static func pod(_ ordinal: Int, _ revision: String, version: Int = 160004, ready: Bool = true, lag: Int64 = 0,
                    streaming: Bool = true, inRecovery: Bool? = nil, reachable: Bool = true) -> InstanceObservation {
        InstanceObservation(
            ordinal: ordinal, podName: name(ordinal), isPodReady: ready, revision: revision,
            database: reachable ? DatabaseFacts(isInRecovery: inRecovery ?? (ordinal > 0), serverVersionNumber: version,
                                               isStreaming: ordinal > 0 && streaming, lagBytes: ordinal > 0 ? lag : nil) : nil,
            unreachableReason: reachable ? nil : "connection refused")
    }

    static func input(partition: Int, pods: [InstanceObservation], replicas: Int = 3, current: String = old, update: String = new,
                      paused: Bool = false, hold: Bool = false, now: Double = 1000, started: Double? = nil, timer: Int? = nil,
                      observed: Bool = true) -> RolloutPlanner.Input {
        RolloutPlanner.Input(
            statefulSet: StatefulSetObservation(replicas: replicas, partition: partition, generation: 5, observedGeneration: observed ? 5 : 4,
                                                currentRevision: current, updateRevision: update),
            instances: Dictionary(uniqueKeysWithValues: pods.map { ($0.ordinal, $0) }),
            targetVersion: PostgresVersion("16.4"), paused: paused, holdBeforePrimary: hold, maxLagBytes: 1024,
            stepTimeoutSeconds: 600, now: now, stepStartedAt: started, timerPartition: timer)
    }

    static func decide(_ input: RolloutPlanner.Input) -> RolloutPlanner.Decision {
        RolloutPlanner.decide(input, podName: name)
    }

    @Test func steadyClusterDoesNothing() {
        let d = Self.decide(Self.input(partition: 0, pods: (0..<3).map { Self.pod($0, Self.new) }, current: Self.new))
        #expect(d.action == .none && d.partition == 0 && !d.isRollingOut)
    }

    @Test func newTemplateStartsWithTheHighestOrdinal() {
        let d = Self.decide(Self.input(partition: 3, pods: (0..<3).map { Self.pod($0, Self.old, version: 160003) }))
        #expect(d.action == .setPartition && d.partition == 2 && d.pod == "orders-2")
        #expect(d.stepStartedAt == 1000)
    }

    @Test func waitsWhileTheControllerHasNotObservedTheTemplate() {
        let d = Self.decide(Self.input(partition: 3, pods: (0..<3).map { Self.pod($0, Self.old) }, observed: false))
        #expect(d.action == .wait && d.partition == 3)
    }

    @Test func podNotYetUpdatedWaits() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.old, version: 160003)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, started: 900, timer: 2))
        #expect(d.action == .wait && d.partition == 2)
        #expect(d.message.contains("orders-2 runs revision orders-old"))
        #expect(d.stepStartedAt == 900)
    }

    @Test func updatedButNotReadyWaits() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, ready: false)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, started: 900, timer: 2))
        #expect(d.action == .wait && d.message == "orders-2 is not Ready")
    }

    @Test func readyButLaggingWaits() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, lag: 5000)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, started: 900, timer: 2))
        #expect(d.action == .wait && d.message.contains("lags 5000 bytes"))
    }

    @Test func notStreamingWaits() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, streaming: false)]
        #expect(Self.decide(Self.input(partition: 2, pods: pods)).message == "orders-2 is not streaming from the primary")
    }

    @Test func wrongVersionWaitsAndNeverMovesOn() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, version: 160003)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, started: 900, timer: 2))
        #expect(d.action == .wait && d.partition == 2)
        #expect(d.message == "orders-2 reports PostgreSQL 16.3, expected 16.4")
    }

    @Test func unreachableDatabaseWaits() {
        let pods = [Self.pod(0, Self.old), Self.pod(1, Self.old), Self.pod(2, Self.new, reachable: false)]
        #expect(Self.decide(Self.input(partition: 2, pods: pods)).message.contains("PostgreSQL is not reachable (connection refused)"))
    }

    @Test func healthyReplicaStepLowersThePartition() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, started: 900, timer: 2))
        #expect(d.action == .setPartition && d.partition == 1 && d.pod == "orders-1")
        #expect(d.stepStartedAt == 1000)
    }

    @Test func primaryGoesLastWithACheckpoint() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.new), Self.pod(2, Self.new)]
        let d = Self.decide(Self.input(partition: 1, pods: pods))
        #expect(d.action == .checkpointThenRestartPrimary && d.partition == 0 && d.pod == "orders-0")
    }

    @Test func primaryMissingDoesNotRestartIt() {
        let pods = [Self.pod(1, Self.new), Self.pod(2, Self.new)]
        let d = Self.decide(Self.input(partition: 1, pods: pods))
        #expect(d.action == .wait && d.partition == 1)
        #expect(d.message.contains("orders-0 does not exist yet"))
    }

    @Test func primaryStepWaitsForPrimaryBackWithNewVersionAndReplicasStreaming() {
        var pods = [Self.pod(0, Self.new, ready: false), Self.pod(1, Self.new), Self.pod(2, Self.new)]
        var d = Self.decide(Self.input(partition: 0, pods: pods, started: 990, timer: 0))
        #expect(d.action == .wait && d.message == "orders-0 is not Ready")
        pods[0] = Self.pod(0, Self.new)
        pods[1] = Self.pod(1, Self.new, streaming: false)
        d = Self.decide(Self.input(partition: 0, pods: pods, started: 990, timer: 0))
        #expect(d.action == .wait && d.message == "orders-1 is not streaming from the primary")
        pods[1] = Self.pod(1, Self.new)
        d = Self.decide(Self.input(partition: 0, pods: pods, started: 990, timer: 0))
        #expect(d.action == .none && d.message == "rollout complete")
    }

    @Test func pausedHoldsBeforeTheFirstStepAndBetweenSteps() {
        var d = Self.decide(Self.input(partition: 3, pods: (0..<3).map { Self.pod($0, Self.old) }, paused: true))
        #expect(d.action == .hold && d.partition == 3)
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new)]
        d = Self.decide(Self.input(partition: 2, pods: pods, paused: true))
        #expect(d.action == .hold && d.partition == 2)
    }

    @Test func holdBeforePrimaryStopsAfterTheReplicas() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.new), Self.pod(2, Self.new)]
        let d = Self.decide(Self.input(partition: 1, pods: pods, hold: true))
        #expect(d.action == .hold && d.partition == 1 && d.message.contains("holdBeforePrimary"))
    }

    @Test func stepThatNeverBecomesHealthyStopsTheWalk() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, ready: false)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, now: 2000, started: 1000, timer: 2))
        #expect(d.action == .stuck && d.partition == 2 && d.pod == "orders-2")
        #expect(d.message.hasPrefix("step timed out after 600s: orders-2 is not Ready"))
    }

    @Test func timerOfAnotherStepDoesNotCount() {
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new, ready: false)]
        let d = Self.decide(Self.input(partition: 2, pods: pods, now: 2000, started: 1000, timer: 3))
        #expect(d.action == .wait && d.stepStartedAt == 2000)
    }

    @Test func rollbackMidWalkWalksTheSameWay() {
        // The walk to "new" reached partition 2 (pod 2 updated); the user set the old version back, so the
        // operator re-applied the old template with partition 3: updateRevision is "old" again.
        let pods = [Self.pod(0, Self.old, version: 160003), Self.pod(1, Self.old, version: 160003), Self.pod(2, Self.new)]
        var input = Self.input(partition: 3, pods: pods, current: Self.old, update: Self.old)
        input.targetVersion = PostgresVersion("16.3")
        var d = Self.decide(input)
        #expect(d.action == .setPartition && d.partition == 2)
        // Pod 2 not back yet: the walk waits on it.
        input.statefulSet.partition = 2
        input.statefulSet.currentRevision = Self.new
        d = Self.decide(input)
        #expect(d.action == .wait && d.pod == "orders-2")
        // Pod 2 back at the old revision and version: pods 0 and 1 never left it, so the rollback is
        // complete without restarting them (the partition drops to 0 and no pod moves).
        input.instances[2] = Self.pod(2, Self.old, version: 160003)
        d = Self.decide(input)
        #expect(d.action == .setPartition && d.partition == 0 && d.message == "rollout complete")
    }

    @Test("a restarted operator resumes at the same step", arguments: [3, 2, 1, 0])
    func restartedOperatorResumesAtTheSameStep(partition: Int) {
        // The state lives in the cluster: the same observations give the same decision, whoever asks.
        let pods = (0..<3).map { Self.pod($0, $0 >= partition ? Self.new : Self.old, version: $0 >= partition ? 160004 : 160003) }
        let first = Self.decide(Self.input(partition: partition, pods: pods, now: 1000, started: 950, timer: partition))
        let again = Self.decide(Self.input(partition: partition, pods: pods, now: 1001, started: 950, timer: partition))
        #expect(first.action == again.action && first.partition == again.partition)
        switch partition {
        case 3: #expect(first.partition == 2)
        case 2: #expect(first.partition == 1)
        case 1: #expect(first.action == .checkpointThenRestartPrimary)
        default: #expect(first.action == .none)
        }
    }

    @Test func singleInstanceGoesStraightToThePrimaryStep() {
        let d = Self.decide(Self.input(partition: 1, pods: [Self.pod(0, Self.old, version: 160003)], replicas: 1))
        #expect(d.action == .checkpointThenRestartPrimary && d.partition == 0)
    }

    @Test func leftoverPartitionIsReset() {
        let d = Self.decide(Self.input(partition: 3, pods: (0..<3).map { Self.pod($0, Self.new) }, current: Self.new))
        #expect(d.action == .setPartition && d.partition == 0)
    }
}

@Suite("Role labels")
struct RoleLabelPlanTests {
    @Test func primaryLabelMovesWithoutEverBeingOnTwoPods() {
        let changes = RoleLabelPlan.changes(
            current: ["a-0": "replica", "a-1": "primary", "a-2": "replica"], primary: "a-0", replicas: ["a-1", "a-2"])
        #expect(changes == [.init(pod: "a-1", role: "replica"), .init(pod: "a-0", role: "primary")])
    }

    @Test func noPrimaryRemovesEveryPrimaryLabel() {
        let changes = RoleLabelPlan.changes(current: ["a-0": "primary", "a-1": "replica"], primary: nil, replicas: ["a-1"])
        #expect(changes == [.init(pod: "a-0", role: nil)])
    }

    @Test func unreachablePodLeavesTheRoutingServices() {
        let changes = RoleLabelPlan.changes(current: ["a-0": "primary", "a-1": "replica", "a-2": nil], primary: "a-0", replicas: ["a-2"])
        #expect(changes == [.init(pod: "a-1", role: nil), .init(pod: "a-2", role: "replica")])
    }

    @Test func matchingLabelsNeedNoChange() {
        #expect(RoleLabelPlan.changes(current: ["a-0": "primary", "a-1": "replica"], primary: "a-0", replicas: ["a-1"]).isEmpty)
    }
}

@Suite("Rollout planner edges")
struct RolloutPlannerEdgeTests {
    @Test func freshStatefulSetWithoutRevisionsIsNoRollout() {
        var input = RolloutPlannerTests.input(partition: 0, pods: [], current: "", update: "")
        input.statefulSet.currentRevision = nil
        input.statefulSet.updateRevision = nil
        #expect(RolloutPlannerTests.decide(input).action == .none)
    }

    @Test func primaryStepNotYetObservedIsNotComplete() {
        // The operator just set partition 0; the StatefulSet controller has not caught up.
        let pods = [RolloutPlannerTests.pod(0, "old", version: 160003), RolloutPlannerTests.pod(1, "new"), RolloutPlannerTests.pod(2, "new")]
        let input = RolloutPlannerTests.input(partition: 0, pods: pods, current: "old", update: "new", started: 990, timer: 0, observed: false)
        let d = RolloutPlannerTests.decide(input)
        #expect(d.action == .wait && d.isRollingOut)
    }

    @Test func statefulSetDoneButReplicasNotStreamingYetIsNotComplete() {
        // Kubernetes sets currentRevision = updateRevision once every pod is updated and Ready,
        // before the replicas have reconnected to the restarted primary.
        let pods = [RolloutPlannerTests.pod(0, "new"), RolloutPlannerTests.pod(1, "new", streaming: false), RolloutPlannerTests.pod(2, "new")]
        var input = RolloutPlannerTests.input(partition: 0, pods: pods, current: "new", update: "new", started: 990, timer: 0)
        var d = RolloutPlannerTests.decide(input)
        #expect(d.action == .wait && d.message == "orders-1 is not streaming from the primary")
        input.instances[1] = RolloutPlannerTests.pod(1, "new")
        d = RolloutPlannerTests.decide(input)
        #expect(d.action == .none && d.message == "rollout complete")
    }

    @Test func scalingBumpAtPartitionZeroIsNoRollout() {
        let input = RolloutPlannerTests.input(partition: 0, pods: [RolloutPlannerTests.pod(0, "r")], current: "r", update: "r", observed: false)
        #expect(RolloutPlannerTests.decide(input).action == .none)
    }

}

/// Order by direction: a walk that lowers a setting standbys need at least as high as the
/// primary's restarts the primary first.
extension RolloutPlannerTests {
    /// Three pods at the old revision, about to take the first step, the change lowering
    /// max_connections from 100 to 50.
    static func lowering(_ change: (inout RolloutPlanner.Input) -> Void = { _ in }) -> RolloutPlanner.Decision {
        var input = Self.input(partition: 3, pods: (0..<3).map { Self.pod($0, Self.old) })
        input.lowering = ["max_connections": 50]
        change(&input)
        return Self.decide(input)
    }

    @Test func aLoweringRestartsThePrimaryFirstAndKeepsThePartition() {
        let d = Self.lowering()
        #expect(d.action == .restartPrimaryFirst && d.partition == 3 && d.pod == "orders-0")
        #expect(d.message.contains("max_connections=50"), "\(d.message)")
        #expect(d.stepStartedAt == 1000)
    }

    @Test("a lowering waits while the primary is asked to restart, or restarted without the values; past the step timeout it is stuck",
          arguments: [RolloutPlanner.PrimaryFirstState.asked, .restarted])
    func aLoweringWaitsForThePrimary(state: RolloutPlanner.PrimaryFirstState) {
        let waiting = Self.lowering { $0.primaryFirst = state }
        #expect(waiting.action == .wait && waiting.partition == 3 && waiting.pod == "orders-0", "\(waiting)")
        let stuck = Self.lowering { input in
            input.primaryFirst = state
            input.stepStartedAt = 100
            input.timerPartition = 3
        }
        #expect(stuck.action == .stuck && stuck.partition == 3, "\(stuck)")
    }

    @Test("no replica step while pod 0 does not answer as the confirmed primary, lowering or not", arguments: [false, true])
    func noReplicaStepWithoutTheConfirmedPrimary(lowers: Bool) {
        let unconfirmed = Self.lowering { input in
            if !lowers { input.lowering = [:] }
            input.primaryConfirmed = false
        }
        #expect(unconfirmed.action == .wait && unconfirmed.partition == 3, "\(unconfirmed)")
        let unreachable = Self.lowering { input in
            if !lowers { input.lowering = [:] }
            input.instances[0] = Self.pod(0, Self.old, reachable: false)
        }
        #expect(unreachable.action == .wait && unreachable.partition == 3, "\(unreachable)")
    }

    @Test func aLoweringHeldBeforeThePrimaryHoldsBeforeTheFirstRestart() {
        let d = Self.lowering { $0.holdBeforePrimary = true }
        #expect(d.action == .hold && d.partition == 3 && d.pod == "orders-0")
    }

    @Test func aPrimaryThatIsNotHealthyIsNotRestartedFirst() {
        let d = Self.lowering { $0.instances[0] = Self.pod(0, Self.old, ready: false) }
        #expect(d.action == .wait && d.partition == 3, "\(d)")
    }

    @Test("after the primary went first, each replica restarts only once it replayed the primary's restart", arguments: [3, 2])
    func replicasWaitToReplayThePrimarysRestart(partition: Int) {
        let next = partition - 1
        func decision(replayed: Int64) -> RolloutPlanner.Decision {
            var pods = (0..<3).map { Self.pod($0, $0 >= partition ? Self.new : Self.old) }
            pods[next].database?.replayPosition = replayed
            var input = Self.input(partition: partition, pods: pods, started: 990, timer: partition)
            input.primaryFirst = .restarted
            input.replayedBeforeRestart = 0x500_0060
            return Self.decide(input)
        }
        let behind = decision(replayed: 0x500_0000)
        #expect(behind.action == .wait && behind.partition == partition && behind.pod == "orders-\(next)", "\(behind)")
        #expect(behind.message.contains("0/5000060"), "\(behind.message)")
        let caughtUp = decision(replayed: 0x500_0060)
        #expect(caughtUp.action == .setPartition && caughtUp.partition == next, "\(caughtUp)")
    }
}
