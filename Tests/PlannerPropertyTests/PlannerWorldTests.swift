import ClusterModel
import KubeTypes
import Testing

/// The simulated world is only worth its invariants if plans make progress in it: a quiet
/// history reaches a healthy cluster, and a version change walks to the end.
@Suite("Planner in a quiet world")
struct PlannerWorldTests {
    static func settle(_ world: inout PlannerWorld, rounds: Int) {
        var violations: [String] = []
        for _ in 0..<rounds {
            PlannerInvariantTests.round(&world, cutShortAfter: nil, &violations)
            world.controllerStep()
            world.serversStep()
            world.now += 5
        }
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test func aNewClusterBecomesHealthyWithOnePrimaryAtPodZero() {
        var world = PlannerWorld(instances: 3)
        Self.settle(&world, rounds: 20)
        #expect(world.status?.phase == .healthy)
        #expect(world.primaryLabelled == [0])
        #expect(world.pods.filter { $0.value.role == ClusterLabels.replicaRole }.keys.sorted() == [1, 2])
        #expect(world.secrets.count == 4)
        #expect(world.slots == ["orders_1", "orders_2"])
    }

    @Test func aMinorVersionChangeWalksReplicasFirstThenThePrimary() {
        var world = PlannerWorld(instances: 3)
        Self.settle(&world, rounds: 20)
        world.happen(7, target: 0)  // 15.18 → 15.20
        var order: [Int] = []
        var violations: [String] = []
        for _ in 0..<80 {
            let before = world.pods.mapValues(\.revision)
            PlannerInvariantTests.round(&world, cutShortAfter: nil, &violations)
            world.controllerStep()
            for (ordinal, pod) in world.pods where before[ordinal] != pod.revision { order.append(ordinal) }
            world.serversStep()
            world.now += 5
        }
        #expect(violations.isEmpty, "\(violations)")
        #expect(order == [2, 1, 0])
        #expect(world.status?.currentVersion == "15.20")
        #expect(world.status?.phase == .healthy)
    }

    @Test func aCheckpointThatFailsHoldsThePrimaryStep() {
        var world = PlannerWorld(instances: 2)
        Self.settle(&world, rounds: 20)
        world.checkpointFails = true
        world.happen(7, target: 0)
        Self.settle(&world, rounds: 40)
        #expect(world.statefulSet?.spec?.updateStrategy?.rollingUpdate?.partition == 1)
        #expect(world.status?.conditions?.first { $0.type == "Progressing" }?.message.contains("CHECKPOINT") == true)
        world.checkpointFails = false
        Self.settle(&world, rounds: 20)
        #expect(world.status?.currentVersion == "15.20")
    }
}
