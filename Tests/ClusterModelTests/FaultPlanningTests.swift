import ClusterModel
import KubeTypes
import Testing

/// The planner under faults, one row per fault: what the operator sees, and what it must (and
/// must not) do about labels and status. The same rows run against real PostgreSQL in
/// `LiveFaultTests`; these pin the decisions themselves.
@Suite("Planning under faults")
struct FaultPlanningTests {
    static let identifier = "7312000000000000001"
    static let names = ClusterNames(cluster: "orders", namespace: "shop")

    /// A three-instance cluster that was healthy: pod 0 primary, pods 1 and 2 streaming replicas.
    static func healthy(now: Double = 1_000_000) -> ClusterObservation {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15.18", storage: StorageSpec(size: "1Gi"))
        spec.upgrade = UpgradeSpec()
        var status = PostgresClusterStatus()
        status.phase = .healthy
        status.systemIdentifier = identifier
        status.primary = "orders-0"
        let cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1", generation: 1), spec: spec, status: status)
        var observation = ClusterObservation(cluster: cluster, now: now)
        for role in SecretRole.allCases {
            observation.secrets[role] = .present(username: role == .superuser ? "postgres" : role == .replication ? "streaming_replica" : "app", hasPassword: true)
        }
        observation.pods = (0..<3).map { ordinal in
            PodObservation(name: "orders-\(ordinal)", isReady: true, revision: "r1", roleLabel: ordinal == 0 ? "primary" : "replica")
        }
        observation.reports = (0..<3).map { ordinal in
            InstanceReport(podName: "orders-\(ordinal)", database: facts(inRecovery: ordinal > 0))
        }
        return observation
    }

    static func facts(inRecovery: Bool, streaming: Bool = true, identifier: String = identifier) -> DatabaseFacts {
        DatabaseFacts(isInRecovery: inRecovery, serverVersionNumber: 150018, isStreaming: inRecovery && streaming,
                      lagBytes: 0, systemIdentifier: identifier)
    }

    func condition(_ plan: ClusterPlan, _ type: String) -> Condition? {
        plan.status.conditions?.first { $0.type == type }
    }

    @Test func aSteadyClusterChangesNoLabel() {
        let plan = ClusterPlanner.plan(Self.healthy())
        #expect(plan.labels.isEmpty)
        #expect(plan.status.phase == .healthy)
        #expect(plan.status.systemIdentifier == Self.identifier)
    }

    @Test("pod 0 emptied and re-initialised: never labelled; the replicas keep their data and labels")
    func reinitialisedPodZeroIsForeign() {
        var observation = Self.healthy()
        observation.reports[0] = InstanceReport(podName: "orders-0", database: Self.facts(inRecovery: false, identifier: "7400000000000000009"))
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels == [RoleLabelPlan.Change(pod: "orders-0", role: nil)])
        #expect(plan.status.primary == nil)
        #expect(plan.status.systemIdentifier == Self.identifier)
        #expect(plan.status.instanceStatus?.first?.systemIdentifier == "7400000000000000009")
        #expect(condition(plan, "Degraded")?.reason == "ForeignInstance")
        #expect(condition(plan, "Degraded")?.message.contains("another cluster's data") == true)
        #expect(plan.events.contains { $0.reason == .primaryUnlabelled })
        // Nothing is done to the replicas' data or replication in its favour.
        #expect(!plan.actions.contains { if case .streamFrom = $0 { true } else { false } })
    }

    @Test("pod 0 whose bootstrap stopped on an empty data directory: status names the cause")
    func emptiedPodZeroThatWaits() {
        var observation = Self.healthy()
        observation.pods[0] = PodObservation(
            name: "orders-0", isReady: false, revision: "r1", roleLabel: nil,
            bootstrapFailure: "DataDirectoryLost: orders-0's data directory is empty, but the cluster was bootstrapped")
        observation.reports.removeFirst()
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels.isEmpty)
        #expect(condition(plan, "Ready")?.reason == "DataDirectoryLost")
        #expect(condition(plan, "Degraded")?.reason == "DataDirectoryLost")
        #expect(plan.status.instanceStatus?.first?.message?.hasPrefix("DataDirectoryLost:") == true)
        #expect(plan.events.contains { $0.kind == .warning && $0.reason == .dataDirectoryLost })
    }

    @Test("a replica whose container cannot start (a missing Secret): status says so in the kubelet's words, and it is not a lost primary's evidence")
    func containerThatCannotStart() {
        var observation = Self.healthy()
        observation.pods[2] = PodObservation(
            name: "orders-2", isReady: false, revision: "r1", roleLabel: "replica",
            startFailure: "container pgbackrest: CreateContainerConfigError: secret \"orders-s3\" not found")
        observation.reports.removeLast()
        let plan = ClusterPlanner.plan(observation)
        #expect(condition(plan, "Degraded")?.reason == "ContainerCannotStart", "\(String(describing: condition(plan, "Degraded")))")
        #expect(condition(plan, "Degraded")?.message.contains("secret \"orders-s3\" not found") == true)
        #expect(plan.status.instanceStatus?.last?.message?.hasPrefix("ContainerCannotStart: container pgbackrest") == true)
        #expect(plan.status.primary == "orders-0" && plan.status.primaryChange == nil, "a replica's trouble moves no primary")
    }

    @Test("the operator blind (no probe ran): labels unchanged, status says why")
    func blindOperatorChangesNoLabel() {
        var observation = Self.healthy()
        observation.reports = []
        observation.probeBlocked = "the superuser Secret cannot be read"
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels.isEmpty)
        #expect(condition(plan, "Ready")?.reason == "ProbesBlocked")
        #expect(plan.status.systemIdentifier == Self.identifier)
    }

    @Test("probes time out or fail to log in: the labels stay")
    func unreachableInstancesKeepTheirLabels() {
        var observation = Self.healthy()
        observation.reports = (0..<3).map { InstanceReport(podName: "orders-\($0)", failure: "authenticationFailed: password authentication failed") }
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels.isEmpty)
        #expect(plan.status.primary == nil)
    }

    @Test("a replica promoted by hand while the old primary cannot be reached: nothing moves while its pod is Ready; once it is lost past the delay the promoted one is adopted, the old label going first")
    func confirmedPrimaryElsewhereMovesTheLabel() {
        var observation = Self.healthy()
        observation.reports[0] = InstanceReport(podName: "orders-0", failure: "connectionFailed: timeout")
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(inRecovery: false))
        let waiting = ClusterPlanner.plan(observation)
        #expect(!waiting.labels.contains { $0.role == "primary" })
        #expect(waiting.status.currentPrimary == "orders-0")

        observation.pods[0].isReady = false
        observation.cluster.status?.primaryLostSince = KubeTime.format(observation.now - 10)
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels == [RoleLabelPlan.Change(pod: "orders-0", role: nil), RoleLabelPlan.Change(pod: "orders-1", role: "primary")])
        #expect(plan.status.currentPrimary == "orders-1")
        #expect(plan.status.lastFailover?.reason.contains("already accepts writes") == true)
    }

    @Test("a replica that stops streaming keeps its label for the grace period, then loses it")
    func replicaThatCannotStream() {
        var observation = Self.healthy()
        observation.reports[2] = InstanceReport(podName: "orders-2", database: Self.facts(inRecovery: true, streaming: false))
        let first = ClusterPlanner.plan(observation)
        #expect(first.labels.isEmpty)
        #expect(first.status.instanceStatus?[2].notStreamingSince == KubeTime.format(1_000_000))

        observation.cluster.status = first.status
        observation.now += 10
        #expect(ClusterPlanner.plan(observation).labels.isEmpty)

        observation.now += 25
        let late = ClusterPlanner.plan(observation)
        #expect(late.labels == [RoleLabelPlan.Change(pod: "orders-2", role: nil)])
        #expect(late.events.contains { $0.reason == .replicaUnlabelled && $0.message.contains("has not streamed") })

        // Streaming again: labelled again, and the timer is gone.
        observation.cluster.status = late.status
        observation.pods[2].roleLabel = nil
        observation.reports[2] = InstanceReport(podName: "orders-2", database: Self.facts(inRecovery: true))
        let back = ClusterPlanner.plan(observation)
        #expect(back.labels == [RoleLabelPlan.Change(pod: "orders-2", role: "replica")])
        #expect(back.status.instanceStatus?[2].notStreamingSince == nil)
    }

    @Test("replicas that cannot stream because no primary is confirmed keep their labels")
    func replicasWithoutAPrimaryKeepLabels() {
        var observation = Self.healthy()
        observation.reports[0] = InstanceReport(podName: "orders-0", failure: "connectionFailed: refused")
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(inRecovery: true, streaming: false))
        var status = ClusterPlanner.plan(observation).status
        status.instanceStatus?[1].notStreamingSince = KubeTime.format(observation.now - 600)
        observation.cluster.status = status
        #expect(ClusterPlanner.plan(observation).labels.isEmpty)
    }

    @Test("the identifier is recorded from the first primary, and put where pod 0's bootstrap reads it")
    func identifierRecordedOnce() {
        var observation = Self.healthy()
        observation.cluster.status = nil
        observation.pods = observation.pods.map { PodObservation(name: $0.name, isReady: true, revision: "r1") }
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.status.systemIdentifier == Self.identifier)
        #expect(plan.events.contains { $0.reason == .identityRecorded })
        let configMap = plan.objects.compactMap { if case .configMap(let map) = $0 { map } else { nil } }.first { $0.metadata.name == "orders-config" }
        #expect(configMap?.data?[ConfigMapBuilder.systemIdentifierKey] == Self.identifier)

        // Before any primary is seen, nothing is recorded and the ConfigMap has no identifier.
        observation.reports = [InstanceReport(podName: "orders-1", database: Self.facts(inRecovery: true))]
        let early = ClusterPlanner.plan(observation)
        #expect(early.status.systemIdentifier == nil)
        let earlyMap = early.objects.compactMap { if case .configMap(let map) = $0 { map } else { nil } }.first { $0.metadata.name == "orders-config" }
        #expect(earlyMap?.data?[ConfigMapBuilder.systemIdentifierKey] == nil)
    }

    @Test("nothing recorded and the instances disagree: no identifier, no labels, status explains")
    func disagreeingInstancesAreNotChosenBetween() {
        var observation = Self.healthy()
        observation.cluster.status = nil
        observation.pods = observation.pods.map { PodObservation(name: $0.name, isReady: true, revision: "r1") }
        observation.reports[0] = InstanceReport(podName: "orders-0", database: Self.facts(inRecovery: false, identifier: "7400000000000000009"))
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.status.systemIdentifier == nil)
        #expect(plan.labels.isEmpty)
        #expect(condition(plan, "Ready")?.reason == "IdentityConflict")
    }

    @Test("two servers accept writes: the one Ordinal holds keeps the primary label, the other loses its label and is fenced")
    func splitBrainKeepsTheHeldPrimary() {
        var observation = Self.healthy()
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(inRecovery: false))
        let plan = ClusterPlanner.plan(observation)
        #expect(plan.labels == [RoleLabelPlan.Change(pod: "orders-1", role: nil)])
        #expect(plan.status.primary == "orders-0")
        #expect(plan.podsToDelete == ["orders-1"])
    }

    @Test("two servers accept writes and none is held yet (a first start): neither is labelled")
    func splitBrainWithNothingHeld() {
        var observation = Self.healthy()
        observation.cluster.status?.primary = nil
        observation.pods = observation.pods.map { PodObservation(name: $0.name, isReady: true, revision: "r1") }
        observation.reports[1] = InstanceReport(podName: "orders-1", database: Self.facts(inRecovery: false))
        let plan = ClusterPlanner.plan(observation)
        #expect(!plan.labels.contains { $0.role == "primary" })
        #expect(plan.status.currentPrimary == nil)
        #expect(plan.podsToDelete.isEmpty)
    }

    /// Pod 2 has not streamed for a minute; its slot on the primary was invalidated.
    static func lostReplica() -> ClusterObservation {
        var observation = healthy()
        observation.pods = observation.pods.map { pod in
            var pod = pod
            pod.uid = "uid-\(pod.name)"
            return pod
        }
        observation.reports[0].slots = [
            SlotFacts(name: "orders_1", isActive: true, walStatus: "reserved", retainedBytes: 0),
            SlotFacts(name: "orders_2", isActive: false, walStatus: "lost"),
        ]
        observation.reports[2] = InstanceReport(podName: "orders-2", database: facts(inRecovery: true, streaming: false))
        var status = ClusterPlanner.plan(observation).status
        status.instanceStatus?[2].notStreamingSince = KubeTime.format(observation.now - 60)
        observation.cluster.status = status
        return observation
    }

    @Test("a replica whose slot was invalidated: the slot is made again, the pod restarted to be rebuilt, the request recorded")
    func lostSlotRebuildsTheReplica() throws {
        let plan = ClusterPlanner.plan(Self.lostReplica())
        #expect(plan.actions.contains(.recreateSlot(pod: "orders-0", replica: "orders-2")))
        #expect(plan.podsToDelete == ["orders-2"])
        let request = try #require(plan.status.rebuilds?.first)
        #expect(request.pod == "orders-2" && request.token == "uid-orders-2")
        #expect(request.reason.contains("invalidated"))
        let configMap = plan.objects.compactMap { if case .configMap(let map) = $0 { map } else { nil } }.first { $0.metadata.name == "orders-config" }
        #expect(configMap?.data?[ConfigMapBuilder.rebuildKey] == "orders-2 uid-orders-2\n")
        #expect(plan.events.contains { $0.reason == .replicaRebuild && $0.kind == .warning })
        #expect(plan.status.instanceStatus?[2].slotWALStatus == "lost")
        #expect(plan.labels == [RoleLabelPlan.Change(pod: "orders-2", role: nil)])
    }

    @Test("no rebuild while the primary is not Ready, nor within the grace period, nor without evidence")
    func noRebuildWithoutAHealthyPrimaryOrEvidence() {
        var observation = Self.lostReplica()
        observation.pods[0].isReady = false
        #expect(ClusterPlanner.plan(observation).podsToDelete.isEmpty)

        observation = Self.lostReplica()
        observation.cluster.status?.instanceStatus?[2].notStreamingSince = KubeTime.format(observation.now - 5)
        #expect(ClusterPlanner.plan(observation).podsToDelete.isEmpty)

        observation = Self.lostReplica()
        observation.reports[0].slots[1].walStatus = "reserved"
        #expect(ClusterPlanner.plan(observation).podsToDelete.isEmpty, "merely not streaming (a wrong password, a network policy) is no evidence")
    }

    @Test("a pending rebuild: the old pod is deleted once; the new one streaming ends the request")
    func pendingRebuildEndsWhenTheNewPodStreams() throws {
        var observation = Self.lostReplica()
        let first = ClusterPlanner.plan(observation)
        observation.cluster.status = first.status
        // The pod was not deleted yet (the delete failed): asked again, nothing new requested.
        let retry = ClusterPlanner.plan(observation)
        #expect(retry.podsToDelete == ["orders-2"])
        #expect(retry.status.rebuilds == first.status.rebuilds)
        // The new pod (a new uid) is still cloning: kept, not deleted.
        observation.pods[2].uid = "uid-orders-2-new"
        observation.reports[2] = InstanceReport(podName: "orders-2", failure: "connectionFailed: refused")
        let cloning = ClusterPlanner.plan(observation)
        #expect(cloning.podsToDelete.isEmpty)
        #expect(cloning.status.rebuilds?.count == 1)
        // It streams: done.
        observation.reports[2] = InstanceReport(podName: "orders-2", database: Self.facts(inRecovery: true))
        let done = ClusterPlanner.plan(observation)
        #expect(done.status.rebuilds == nil)
        #expect(done.events.contains { $0.reason == .replicaRebuilt })
        let configMap = done.objects.compactMap { if case .configMap(let map) = $0 { map } else { nil } }.first { $0.metadata.name == "orders-config" }
        #expect(configMap?.data?[ConfigMapBuilder.rebuildKey] == nil)
    }

    @Test("a pending rebuild whose pod is gone and not made again yet keeps its request (its bootstrap reads it); scaled away, it is dropped")
    func pendingRebuildSurvivesThePodsAbsence() throws {
        var observation = Self.lostReplica()
        observation.cluster.status = ClusterPlanner.plan(observation).status
        observation.pods.removeAll { $0.name == "orders-2" }
        observation.reports.removeAll { $0.podName == "orders-2" }
        let absent = ClusterPlanner.plan(observation)
        #expect(absent.status.rebuilds?.map(\.pod) == ["orders-2"])
        #expect(absent.podsToDelete.isEmpty)
        let configMap = absent.objects.compactMap { if case .configMap(let map) = $0 { map } else { nil } }.first { $0.metadata.name == "orders-config" }
        #expect(configMap?.data?[ConfigMapBuilder.rebuildKey] == "orders-2 uid-orders-2\n")

        observation.cluster.spec.instances = 2
        #expect(ClusterPlanner.plan(observation).status.rebuilds == nil)
    }

    @Test("nothing to probe (pods with no address yet): looked at again at the health interval, not busily")
    func noBusyPollingWithoutProbes() {
        var observation = Self.healthy()
        observation.cluster.status = nil
        observation.reports = []
        #expect(ClusterPlanner.plan(observation).status.phase == .creating)
        #expect(ClusterPlanner.plan(observation).requeue == .healthInterval)
        observation.reports = [InstanceReport(podName: "orders-0", failure: "connectionFailed: refused")]
        #expect(ClusterPlanner.plan(observation).requeue == .busyInterval)
    }
}
