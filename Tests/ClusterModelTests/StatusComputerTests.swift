import ClusterModel
import KubeTypes
import Testing

@Suite("Status")
struct StatusComputerTests {
    let cluster: ResolvedCluster

    init() throws {
        var value = try ClusterModelTests.cluster(fromYAML: manifest())
        value.metadata.generation = 4
        cluster = ResolvedCluster(value)
    }

    func healthy() -> [InstanceObservation] {
        (0..<3).map { RolloutPlannerTests.pod($0, "rev") }
    }

    func condition(_ status: PostgresClusterStatus, _ type: String) -> Condition? {
        status.conditions?.first { $0.type == type }
    }

    @Test func healthyClusterIsReadyForThisGeneration() {
        let status = StatusComputer.compute(.init(cluster: cluster, previous: nil, instances: healthy(), roles: .init(primary: "orders-0"), now: 100))
        #expect(status.phase == .healthy)
        #expect(status.observedGeneration == 4)
        #expect(status.readyInstances == 3 && status.primary == "orders-0" && status.currentVersion == "16.4")
        #expect(condition(status, "Ready")?.status == "True")
        #expect(condition(status, "Ready")?.observedGeneration == 4)
        #expect(condition(status, "Degraded")?.status == "False")
        #expect(status.instanceStatus?.map(\.role) == ["primary", "replica", "replica"])
    }

    @Test func splitBrainIsDegradedAndNeverReady() {
        let status = StatusComputer.compute(.init(
            cluster: cluster, previous: nil, instances: healthy(),
            roles: RoleDecision(primary: nil, outcome: .splitBrain, message: "orders-0 and orders-1 both report as primary"), now: 100))
        #expect(status.phase == .degraded)
        #expect(status.primary == nil)
        #expect(condition(status, "Ready")?.status == "False")
        #expect(condition(status, "Degraded")?.reason == "SplitBrain")
        #expect(condition(status, "Degraded")?.message == "orders-0 and orders-1 both report as primary")
    }

    @Test func invalidSpecIsFailedWithTheReason() {
        let status = StatusComputer.compute(.init(
            cluster: cluster, previous: nil, instances: [], roles: .init(primary: nil),
            specErrors: [FieldError(field: "spec.postgresVersion", message: "cannot change major version in place")], now: 100))
        #expect(status.phase == .failed)
        #expect(condition(status, "Degraded")?.reason == "InvalidSpec")
        #expect(condition(status, "Degraded")?.message.contains("spec.postgresVersion: cannot change major version") == true)
    }

    @Test func newClusterIsCreatingUntilReady() {
        let status = StatusComputer.compute(.init(cluster: cluster, previous: nil, instances: [RolloutPlannerTests.pod(0, "rev")],
                                                  roles: .init(primary: "orders-0"), now: 100))
        #expect(status.phase == .creating)
        #expect(condition(status, "Progressing")?.status == "True")
        #expect(condition(status, "Degraded")?.status == "False")
    }

    @Test func lostInstanceAfterCreationIsDegraded() {
        var previous = PostgresClusterStatus()
        previous.phase = .healthy
        var pods = healthy()
        pods[2].isPodReady = false
        let status = StatusComputer.compute(.init(cluster: cluster, previous: previous, instances: pods, roles: .init(primary: "orders-0"), now: 100))
        #expect(status.phase == .degraded && status.readyInstances == 2)
        #expect(condition(status, "Degraded")?.message == "orders-2 is not Ready")
    }

    @Test func rolloutShowsUpgradingWithTheStep() {
        let decision = RolloutPlanner.Decision(action: .wait, partition: 2, message: "orders-2 is not Ready", pod: "orders-2", stepStartedAt: 90)
        var pods = healthy()
        pods[0].database?.serverVersionNumber = 160003
        var previous = PostgresClusterStatus()
        previous.phase = .healthy
        previous.currentVersion = "16.3"
        let status = StatusComputer.compute(.init(cluster: cluster, previous: previous, instances: pods, roles: .init(primary: "orders-0"),
                                                  rollout: decision, partition: 2, now: 100))
        #expect(status.phase == .upgrading)
        #expect(status.targetVersion == "16.4" && status.currentVersion == "16.3" && status.partition == 2)
        #expect(condition(status, "Progressing")?.message == "orders-2 is not Ready (partition 2)")
    }

    @Test func stuckRolloutIsDegradedAndSaysHowToRecover() {
        let decision = RolloutPlanner.Decision(action: .stuck, partition: 2, message: "step timed out after 600s: orders-2 is not Ready", pod: "orders-2", stepStartedAt: 90)
        let status = StatusComputer.compute(.init(cluster: cluster, previous: nil, instances: healthy(), roles: .init(primary: "orders-0"),
                                                  rollout: decision, partition: 2, now: 100))
        #expect(status.phase == .degraded)
        #expect(condition(status, "Degraded")?.reason == "RolloutStuck")
        #expect(condition(status, "Degraded")?.message.contains("the partition stays at 2") == true)
    }

    @Test func laggingReplicaStaysReadyAndReportsItsLag() {
        var pods = healthy()
        pods[1].database?.lagBytes = 500_000_000
        let status = StatusComputer.compute(.init(cluster: cluster, previous: nil, instances: pods, roles: .init(primary: "orders-0"), now: 100))
        #expect(status.phase == .healthy)
        #expect(status.instanceStatus?[1].lagBytes == 500_000_000)
    }

    @Test func transitionTimeChangesOnlyWithTheStatus() {
        let first = StatusComputer.compute(.init(cluster: cluster, previous: nil, instances: healthy(), roles: .init(primary: "orders-0"), now: 100))
        let second = StatusComputer.compute(.init(cluster: cluster, previous: first, instances: healthy(), roles: .init(primary: "orders-0"), now: 200))
        #expect(first == second)
        let third = StatusComputer.compute(.init(cluster: cluster, previous: second, instances: healthy(), roles: .init(primary: nil), now: 300))
        #expect(condition(third, "Ready")?.lastTransitionTime == KubeTime.format(300))
        #expect(condition(third, "Progressing")?.lastTransitionTime == KubeTime.format(100))
    }
}
