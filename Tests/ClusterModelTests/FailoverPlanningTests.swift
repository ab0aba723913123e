import ClusterModel
import KubeTypes
import Testing

/// The planner's failover, fencing and way home, one row per situation: who is promoted, when,
/// on what evidence, and what it must never do. `LiveFailoverTests` runs the same paths against
/// real PostgreSQL.
@Suite("Planning failover and the way home")
struct FailoverPlanningTests {
    static let now: Double = 1_000_000
    static let head: Int64 = 0x5000_0000

    /// A healthy three-instance cluster held at `primary`; every replica streams, caught up.
    static func cluster(primary: String = "orders-0", now: Double = now) -> ClusterObservation {
        var observation = FaultPlanningTests.healthy(now: now)
        observation.cluster.status?.currentPrimary = primary
        observation.cluster.status?.primary = primary
        observation.pods = (0..<3).map { ordinal in
            let name = "orders-\(ordinal)"
            return PodObservation(name: name, isReady: true, revision: "r1", roleLabel: name == primary ? "primary" : "replica",
                                  uid: "uid-\(ordinal)")
        }
        observation.reports = (0..<3).map { ordinal in
            let name = "orders-\(ordinal)"
            return InstanceReport(podName: name, database: facts(primary: name == primary))
        }
        return observation
    }

    static func facts(primary: Bool, position: Int64 = head, readOnly: Bool = false, streaming: Bool = true) -> DatabaseFacts {
        DatabaseFacts(isInRecovery: !primary, serverVersionNumber: 150018, isStreaming: !primary && streaming, lagBytes: 0,
                      systemIdentifier: FaultPlanningTests.identifier, timeline: 1, replayPosition: primary ? nil : position,
                      oldestWALPosition: primary ? 100 : nil, walPosition: position, isReadOnlyByDefault: readOnly)
    }

    /// `pod`'s server is down and the kubelet has marked it not Ready.
    static func down(_ observation: inout ClusterObservation, _ pod: String) {
        guard let index = observation.pods.firstIndex(where: { $0.name == pod }) else { return }
        observation.pods[index].isReady = false
        observation.reports[index] = InstanceReport(podName: pod, failure: "connectionFailed: refused")
    }

    /// The observation of the next round: the stored status is what `plan` wrote.
    static func next(_ observation: ClusterObservation, after plan: ClusterPlan, seconds: Double = 1) -> ClusterObservation {
        var next = observation
        next.cluster.status = plan.status
        next.now += seconds
        next.failures = []
        for change in plan.labels {
            if let index = next.pods.firstIndex(where: { $0.name == change.pod }) { next.pods[index].roleLabel = change.role }
        }
        return next
    }

    func promotions(_ plan: ClusterPlan) -> [String] {
        plan.actions.compactMap { if case .promote(let pod) = $0 { pod } else { nil } }
    }

    func condition(_ plan: ClusterPlan, _ type: String) -> Condition? { plan.status.conditions?.first { $0.type == type } }

    @Test("a lost primary is waited for, for spec.failover.delaySeconds, keeping its label")
    func aLostPrimaryIsWaitedFor() {
        var observation = Self.cluster()
        Self.down(&observation, "orders-0")
        let plan = ClusterPlanner.plan(observation)
        #expect(promotions(plan).isEmpty)
        #expect(plan.labels.isEmpty, "no evidence yet that the role changed")
        #expect(plan.status.primaryLostSince == KubeTime.format(Self.now))
        #expect(condition(plan, "Ready")?.reason == "PrimaryLost")
        #expect(condition(plan, "Ready")?.message.contains("failing over in 5 s") == true)
        #expect(plan.requeue == .promptly)

        let later = ClusterPlanner.plan(Self.next(observation, after: plan, seconds: 4))
        #expect(promotions(later).isEmpty)
        #expect(later.status.primaryLostSince == KubeTime.format(Self.now), "the timer keeps its start")
    }

    @Test("after the delay the replica that received the most WAL is promoted, the old primary unlabelled first, and the decision recorded")
    func theMostAdvancedReplicaIsPromoted() {
        var observation = Self.cluster()
        observation.cluster.status?.instanceStatus = [InstanceStatus(name: "orders-0", role: "primary", ready: true,
                                                                     walPosition: WALPosition.text(Self.head + 300))]
        Self.down(&observation, "orders-0")
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(primary: false, position: Self.head + 100, streaming: false))
        observation.reports[2] = InstanceReport(podName: "orders-2", database: Self.facts(primary: false, position: Self.head + 200, streaming: false))
        let waiting = ClusterPlanner.plan(observation)
        let plan = ClusterPlanner.plan(Self.next(observation, after: waiting, seconds: 5))
        #expect(promotions(plan) == ["orders-2"])
        #expect(plan.labels.first == RoleLabelPlan.Change(pod: "orders-0", role: nil))
        #expect(!plan.labels.contains { $0.role == ClusterLabels.primaryRole })
        #expect(plan.status.currentPrimary == "orders-2")
        let change = plan.status.primaryChange
        #expect(change != nil)
        #expect(change?.kind == .failover && change?.from == "orders-0" && change?.to == "orders-2")
        #expect(change?.candidates?.map(\.pod) == ["orders-1", "orders-2"])
        #expect(change?.oldPrimaryPosition == WALPosition.text(Self.head + 300))
        #expect(change?.bytesMayBeLost == 100)
        #expect(plan.objects.contains { object in
            if case .configMap(let map) = object { map.data?[ConfigMapBuilder.primaryKey] == "orders-2 orders-2.orders-headless.shop.svc.cluster.local 5432\n" } else { false }
        })
        #expect(plan.events.contains { $0.reason == .failoverStarted && $0.message.contains("at least 100 bytes") })
    }

    @Test("the old primary last probed no further ahead than the chosen replica: the loss is unknown, not reported as none")
    func anUnknownLossIsNotReportedAsNone() {
        var observation = Self.cluster()
        observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        observation.cluster.status?.instanceStatus = [InstanceStatus(name: "orders-0", role: "primary", ready: true,
                                                                     walPosition: WALPosition.text(Self.head + 100))]
        Self.down(&observation, "orders-0")
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(primary: false, position: Self.head + 200, streaming: false))
        let plan = ClusterPlanner.plan(observation)
        #expect(promotions(plan) == ["orders-1"])
        #expect(plan.status.primaryChange?.oldPrimaryPosition == WALPosition.text(Self.head + 100))
        #expect(plan.status.primaryChange?.bytesMayBeLost == nil)
        #expect(plan.events.contains { $0.reason == .failoverStarted && $0.message.contains("what orders-0 wrote after its last probe may be lost") })
    }

    @Test("equally advanced replicas: the lowest ordinal; with delaySeconds 0, at once")
    func tiesGoToTheLowestOrdinal() {
        var observation = Self.cluster()
        observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        Self.down(&observation, "orders-0")
        #expect(promotions(ClusterPlanner.plan(observation)) == ["orders-1"])
    }

    @Test("no promotion while a majority of the replicas cannot be seen, nor while probing is blocked")
    func noPromotionWithoutEvidence() {
        var observation = Self.cluster()
        observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        Self.down(&observation, "orders-0")
        Self.down(&observation, "orders-2")
        let plan = ClusterPlanner.plan(observation)
        #expect(promotions(plan).isEmpty)
        #expect(condition(plan, "Ready")?.message.contains("2 of 2 replicas must be seen") == true)

        var blind = Self.cluster()
        blind.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        Self.down(&blind, "orders-0")
        blind.reports = []
        blind.probeBlocked = "the superuser Secret cannot be read"
        #expect(promotions(ClusterPlanner.plan(blind)).isEmpty)
    }

    @Test("not lost: a primary Ready but unreachable from the operator, or reachable but not Ready")
    func partialEvidenceIsNotLoss() {
        var unreachable = Self.cluster()
        unreachable.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        unreachable.reports[0] = InstanceReport(podName: "orders-0", failure: "connectionFailed: timeout")
        #expect(promotions(ClusterPlanner.plan(unreachable)).isEmpty)

        var notReady = Self.cluster()
        notReady.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        notReady.pods[0].isReady = false
        #expect(promotions(ClusterPlanner.plan(notReady)).isEmpty)
    }

    @Test("once the promoted replica accepts writes it is labelled, the failover completes, and the others follow it")
    func thePromotedReplicaIsFollowed() {
        var observation = Self.cluster()
        observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        Self.down(&observation, "orders-0")
        let decided = ClusterPlanner.plan(observation)
        var next = Self.next(observation, after: decided)
        next.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(primary: true))
        let plan = ClusterPlanner.plan(next)
        #expect(plan.labels.contains(RoleLabelPlan.Change(pod: "orders-1", role: ClusterLabels.primaryRole)))
        #expect(plan.status.primaryChange == nil)
        #expect(plan.status.lastFailover?.outcome == "Completed")
        #expect(plan.actions.contains(.ensureSlots(pod: "orders-1", replicas: ["orders-0", "orders-2"], dropping: [])))
        #expect(plan.actions.contains(.streamFrom(pod: "orders-2", upstream: "orders-1", user: "streaming_replica")))
        #expect(plan.events.contains { $0.reason == .failoverComplete })
    }

    @Test("the lost primary back before the promotion finished: the failover is called off")
    func theOldPrimaryBackCallsItOff() {
        var observation = Self.cluster()
        observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
        Self.down(&observation, "orders-0")
        let decided = ClusterPlanner.plan(observation)
        #expect(decided.status.primaryChange?.to == "orders-1")
        var next = Self.next(observation, after: decided)
        next.pods[0].isReady = true
        next.reports[0] = InstanceReport(podName: "orders-0", database: Self.facts(primary: true))
        let plan = ClusterPlanner.plan(next)
        #expect(promotions(plan).isEmpty)
        #expect(plan.status.currentPrimary == "orders-0")
        #expect(plan.status.lastFailover?.outcome?.hasPrefix("called off") == true)
        #expect(plan.labels.contains(RoleLabelPlan.Change(pod: "orders-0", role: ClusterLabels.primaryRole)))
    }

    @Test("another server accepting writes while the held primary is confirmed is fenced: unlabelled and restarted once per pod")
    func anotherWriterIsFenced() {
        var observation = Self.cluster()
        observation.reports[2] = InstanceReport(podName: "orders-2", database: Self.facts(primary: true))
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.status.primary == "orders-0")
        #expect(plan.podsToDelete == ["orders-2"])
        #expect(plan.labels == [RoleLabelPlan.Change(pod: "orders-2", role: nil)])
        #expect(plan.status.fenced?.first?.token == "uid-2")
        #expect(plan.events.contains { $0.reason == .fenced })
        #expect(promotions(plan).isEmpty)

        let again = ClusterPlanner.plan(Self.next(observation, after: plan))
        #expect(again.podsToDelete.isEmpty, "the same pod is not deleted twice")
        var remade = Self.next(observation, after: plan)
        remade.pods[2].uid = "uid-2b"
        #expect(ClusterPlanner.plan(remade).podsToDelete == ["orders-2"], "a new pod that still takes writes is fenced again")
    }

    @Test("the way home: CHECKPOINT, fence and unlabel, promote pod 0 once it replayed everything, then fence the old primary")
    func theWayHome() {
        var observation = Self.cluster(primary: "orders-1")
        let start = ClusterPlanner.plan(observation)
        #expect(start.actions.first == .checkpoint(pod: "orders-1"))
        #expect(start.labels.isEmpty, "still labelled while the CHECKPOINT runs")
        #expect(start.status.primaryChange?.kind == .switchover)
        #expect(start.status.primaryChange?.to == "orders-0")

        let fencing = ClusterPlanner.plan(Self.next(observation, after: start))
        #expect(fencing.actions.contains(.fenceWrites(pod: "orders-1")))
        #expect(fencing.labels.contains(RoleLabelPlan.Change(pod: "orders-1", role: nil)))
        #expect(fencing.status.primaryChange?.phase == .fencing)
        #expect(promotions(fencing).isEmpty)

        observation = Self.next(observation, after: fencing)
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(primary: true, position: Self.head + 50, readOnly: true))
        #expect(promotions(ClusterPlanner.plan(observation)).isEmpty, "pod 0 has not replayed all of it yet")
        observation.reports[0] = InstanceReport(podName: "orders-0", database: Self.facts(primary: false, position: Self.head + 50))
        let promoting = ClusterPlanner.plan(observation)
        #expect(promotions(promoting) == ["orders-0"])
        #expect(promoting.status.currentPrimary == "orders-0")
        #expect(promoting.objects.allSatisfy { object in
            if case .configMap(let map) = object { map.data?[ConfigMapBuilder.primaryKey] == nil } else { true }
        })

        observation = Self.next(observation, after: promoting)
        observation.reports[0] = InstanceReport(podName: "orders-0", database: Self.facts(primary: true, position: Self.head + 60))
        let done = ClusterPlanner.plan(observation)
        #expect(done.status.lastSwitchover?.outcome == "Completed")
        #expect(done.labels.contains(RoleLabelPlan.Change(pod: "orders-0", role: ClusterLabels.primaryRole)))
        #expect(done.podsToDelete == ["orders-1"], "the old primary restarts as a standby")
    }

    @Test("a switchover whose target does not catch up in time is called off and the fence lifted")
    func aSwitchoverThatCannotFinishIsCalledOff() {
        var observation = Self.cluster(primary: "orders-1")
        let start = ClusterPlanner.plan(observation)
        let fencing = ClusterPlanner.plan(Self.next(observation, after: start))
        observation = Self.next(Self.next(observation, after: start), after: fencing, seconds: ClusterDefaults.switchoverTimeoutSeconds + 1)
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(primary: true, position: Self.head + 50, readOnly: true))
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.actions.contains(.unfenceWrites(pod: "orders-1")))
        #expect(plan.status.lastSwitchover?.outcome?.contains("did not replay") == true)
        #expect(plan.status.currentPrimary == "orders-1")
        #expect(plan.labels.contains(RoleLabelPlan.Change(pod: "orders-1", role: ClusterLabels.primaryRole)))
    }

    @Test("returnHome Manual or an upgrade hold: the primary stays away, reported as such")
    func manualReturnStaysAway() {
        for mutate in [{ (spec: inout PostgresClusterSpec) in spec.failover = FailoverSpec(returnHome: .manual) },
                       { (spec: inout PostgresClusterSpec) in spec.upgrade?.paused = true }] {
            var observation = Self.cluster(primary: "orders-1")
            mutate(&observation.cluster.spec)
            let plan = ClusterPlanner.plan(observation)
            #expect(plan.status.primaryChange == nil)
            #expect(plan.actions.allSatisfy { $0 != .checkpoint(pod: "orders-1") })
            #expect(condition(plan, "Ready")?.status == "True")
            #expect(condition(plan, "Ready")?.reason == "PrimaryAwayFromHome")
        }
    }

    @Test("the ordinal.dev/primary annotation asks for a switchover away from pod 0, and keeps the primary there; a pod outside the cluster is ignored")
    func theAnnotationMovesThePrimary() {
        var observation = Self.cluster()
        observation.cluster.metadata.annotations = [ClusterLabels.primaryAnnotation: "orders-2"]
        let start = ClusterPlanner.plan(observation)
        #expect(start.status.primaryChange?.to == "orders-2")
        #expect(start.status.primaryChange?.reason.contains("annotation") == true)

        var there = Self.cluster(primary: "orders-2")
        there.cluster.metadata.annotations = [ClusterLabels.primaryAnnotation: "orders-2"]
        let stays = ClusterPlanner.plan(there)
        #expect(stays.status.primaryChange == nil, "no way home while the annotation names the primary")
        #expect(condition(stays, "Ready")?.reason == "ClusterHealthy")

        var outside = Self.cluster()
        outside.cluster.metadata.annotations = [ClusterLabels.primaryAnnotation: "orders-7"]
        #expect(ClusterPlanner.plan(outside).status.primaryChange == nil)
    }

    @Test("synchronous replication: one standby seen of two is not enough for ANY 1, and is for ANY 2")
    func synchronousEvidence() {
        for (number, promoted) in [(1, [String]()), (2, ["orders-1"])] {
            var observation = Self.cluster()
            observation.cluster.spec.failover = FailoverSpec(delaySeconds: 0)
            observation.cluster.spec.replication = ReplicationSpec(synchronous: SynchronousReplicationSpec(number: number))
            Self.down(&observation, "orders-0")
            Self.down(&observation, "orders-2")
            let plan = ClusterPlanner.plan(observation)
            #expect(promotions(plan) == promoted, "ANY \(number)")
            if promoted.isEmpty {
                #expect(condition(plan, "Ready")?.message.contains("every acknowledged commit") == true)
            }
        }
    }
}
