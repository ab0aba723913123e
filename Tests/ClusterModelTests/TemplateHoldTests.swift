import ClusterModel
import KubeTypes
import Testing

/// A new pod template waits while the StatefulSet controller has not recorded the revision
/// every pod runs as current: held at a partition, the template would make a pod deleted
/// meanwhile below the partition at the stale current revision.
@Suite("A new template and the StatefulSet controller")
struct TemplateHoldTests {
    static let now = 1_000_000.0

    /// Two pods at `revisions`, the live StatefulSet at an older template with `current`/`update`.
    static func observation(current: String, update: String, revisions: [String], ready: [Bool] = [true, true],
                            stepStartedAt: Double? = nil) -> ClusterObservation {
        var spec = PostgresClusterSpec(instances: 2, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.upgrade = UpgradeSpec()
        spec.upgrade?.stepTimeoutSeconds = 600
        var status = PostgresClusterStatus()
        status.partition = 0
        status.stepStartedAt = stepStartedAt.map { KubeTime.format($0) }
        let cluster = PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1", generation: 2), spec: spec, status: status)
        let desired = DesiredState(ResolvedCluster(cluster), passwords: .deterministic(seed: 1))
        var set = StatefulSet(metadata: ObjectMeta(name: "orders", namespace: "shop", generation: 3), spec: desired.statefulSet.spec)
        set.metadata.annotations = [ClusterLabels.templateHashAnnotation: "an-older-template"]
        set.spec?.updateStrategy?.rollingUpdate?.partition = 0
        var setStatus = StatefulSetStatus()
        setStatus.observedGeneration = 3
        setStatus.currentRevision = current
        setStatus.updateRevision = update
        set.status = setStatus
        var observation = ClusterObservation(cluster: cluster, now: now, statefulSet: set)
        observation.pods = revisions.enumerated().map { PodObservation(name: "orders-\($0.offset)", isReady: ready[$0.offset], revision: $0.element) }
        return observation
    }

    static func progressing(_ plan: ClusterPlan) -> String? {
        plan.status.conditions?.first { $0.type == "Progressing" }?.message
    }

    @Test("every pod runs the update revision, one is not Ready yet: no StatefulSet write, and status says why")
    func waitsForTheController() {
        let plan = ClusterPlanner.plan(Self.observation(current: "orders-a", update: "orders-b", revisions: ["orders-b", "orders-b"], ready: [true, false]))
        #expect(plan.statefulSet == nil)
        #expect(Self.progressing(plan)?.contains("has not recorded as current yet") == true, "\(String(describing: Self.progressing(plan)))")
        #expect(Self.progressing(plan)?.contains("not Ready: orders-1") == true)
        #expect(!plan.events.contains { $0.reason == .rolloutStarted })
    }

    @Test("the controller caught up, or the walk is half-way (pods below the partition run the current revision): the template goes with the hold")
    func goesOtherwise() {
        for observation in [Self.observation(current: "orders-b", update: "orders-b", revisions: ["orders-b", "orders-b"]),
                            Self.observation(current: "orders-a", update: "orders-b", revisions: ["orders-a", "orders-b"])] {
            let plan = ClusterPlanner.plan(observation)
            #expect(plan.statefulSet?.metadata.annotations?[ClusterLabels.templateHashAnnotation] != "an-older-template")
            #expect(plan.statefulSet?.spec?.updateStrategy?.rollingUpdate?.partition == 2)
            #expect(plan.events.contains { $0.reason == .rolloutStarted })
        }
    }

    @Test("waiting longer than the step timeout: reported stuck, still no write")
    func stuckAfterTheTimeout() {
        let observation = Self.observation(current: "orders-a", update: "orders-b", revisions: ["orders-b", "orders-b"], ready: [false, true],
                                           stepStartedAt: Self.now - 700)
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.statefulSet == nil)
        #expect(plan.events.contains { $0.reason == .rolloutStuck && $0.message.contains("step timed out after 600s") })
    }
}
