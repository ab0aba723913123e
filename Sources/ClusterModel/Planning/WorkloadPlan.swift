import KubeTypes

/// The StatefulSet for a round: its template, replica count and partition, and the walk step.
///
/// - No StatefulSet yet: create it with the partition at 0.
/// - A new pod template: apply it together with a partition that holds every pod where it is
///   (one write, so the StatefulSet controller never sees the template without the hold).
/// - Otherwise: the partition ``RolloutPlanner`` decides; its primary step needs a CHECKPOINT
///   on pod 0 first, and waits (partition unchanged) when that failed.
/// - The replica count never drops below the pod PostgreSQL reports as primary.
struct WorkloadPlan {
    let observation: ClusterObservation
    let resolved: ResolvedCluster
    var desired: StatefulSet
    let instances: InstanceSet
    let roles: RoleDecision
    /// The pod Ordinal holds as primary (it may be away from pod 0 after a failover).
    let heldPrimary: String?

    var statefulSet: StatefulSet?
    var actions: [InstanceAction] = []
    var events: [ClusterEvent] = []
    var rollout: RolloutPlanner.Decision?
    var partition: Int?

    init(observation: ClusterObservation, resolved: ResolvedCluster, desired: StatefulSet, instances: InstanceSet, roles: RoleDecision,
         heldPrimary: String? = nil) {
        self.observation = observation
        self.resolved = resolved
        self.desired = desired
        self.instances = instances
        self.roles = roles
        self.heldPrimary = heldPrimary
    }

    mutating func decide() {
        let names = resolved.names
        guard let live = observation.statefulSet else {
            desired.spec?.updateStrategy?.rollingUpdate?.partition = 0
            statefulSet = desired
            partition = 0
            return
        }
        // volumeClaimTemplates are immutable: keep what the StatefulSet was made with.
        desired.spec?.volumeClaimTemplates = live.spec?.volumeClaimTemplates
        let primaries = Set([roles.primary, heldPrimary].compactMap { $0 })
        if let primary = primaries.max(by: { (names.ordinal(ofPod: $0) ?? -1) < (names.ordinal(ofPod: $1) ?? -1) }),
            let ordinal = names.ordinal(ofPod: primary), ordinal >= resolved.instances
        {
            desired.spec?.replicas = ordinal + 1
            events.append(ClusterEvent(.warning, .scaleDownHeld, "not scaling below \(primary): it is the primary"))
        }
        let replicas = desired.spec?.replicas ?? resolved.instances
        let livePartition = live.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
        let desiredHash = desired.metadata.annotations?[ClusterLabels.templateHashAnnotation]
        let liveHash = live.metadata.annotations?[ClusterLabels.templateHashAnnotation]

        if desiredHash != liveHash {
            let hold = max(replicas, live.spec?.replicas ?? 0, livePartition)
            setPartition(hold)
            rollout = RolloutPlanner.Decision(
                action: .setPartition, partition: hold, message: "new pod template applied with the partition at \(hold); no pod moves yet",
                stepStartedAt: observation.now)
            events.append(ClusterEvent(.normal, .rolloutStarted, "pod template changed (version \(resolved.postgresVersion)); walking the partition from \(names.pod(replicas - 1)) down to the primary"))
            return
        }

        let status = live.status
        let input = RolloutPlanner.Input(
            statefulSet: StatefulSetObservation(
                replicas: live.spec?.replicas ?? replicas, partition: livePartition, generation: live.metadata.generation,
                observedGeneration: status?.observedGeneration, currentRevision: status?.currentRevision,
                updateRevision: status?.updateRevision),
            instances: Dictionary(instances.observations.map { ($0.ordinal, $0) }, uniquingKeysWith: { first, _ in first }),
            targetVersion: PostgresVersion(resolved.postgresVersion), paused: resolved.upgradePaused,
            holdBeforePrimary: resolved.holdBeforePrimary, maxLagBytes: resolved.maxLagBytes,
            stepTimeoutSeconds: resolved.stepTimeoutSeconds, now: observation.now,
            stepStartedAt: observation.cluster.status?.stepStartedAt.flatMap(KubeTime.parse),
            timerPartition: observation.cluster.status?.partition)
        var decision = RolloutPlanner.decide(input, podName: names.pod)
        var next = livePartition
        if decision.isRollingOut, let held = heldPrimary, held != names.pod(0) {
            // The partition only takes the highest ordinals: a walk with the primary away from
            // pod 0 would restart it as if it were a replica. It waits for the way home.
            decision = RolloutPlanner.Decision(
                action: .wait, partition: livePartition,
                message: "waiting for the primary to move to \(names.pod(0)) (it is \(held)) before walking on",
                pod: held, stepStartedAt: decision.stepStartedAt)
        }
        switch decision.action {
        case .setPartition:
            next = decision.partition
            if decision.partition != livePartition {
                events.append(ClusterEvent(.normal, .rolloutStep, "\(decision.message) (partition \(decision.partition))"))
            }
        case .checkpointThenRestartPrimary:
            let checkpoint = InstanceAction.checkpoint(pod: names.pod(0))
            if let failure = observation.failures.first(where: { $0.action == checkpoint }) {
                decision = RolloutPlanner.Decision(
                    action: .wait, partition: livePartition, message: "CHECKPOINT on \(names.pod(0)) failed: \(failure.message); retrying",
                    pod: names.pod(0), stepStartedAt: decision.stepStartedAt)
            } else {
                actions.append(checkpoint)
                next = 0
                events.append(ClusterEvent(.normal, .rolloutPrimary, "checkpoint done; restarting the primary \(names.pod(0)) (partition 0)"))
            }
        case .stuck:
            events.append(ClusterEvent(.warning, .rolloutStuck, decision.message))
        case .none, .wait, .hold:
            break
        }
        rollout = decision
        setPartition(next)
    }

    private mutating func setPartition(_ value: Int) {
        desired.spec?.updateStrategy?.rollingUpdate?.partition = value
        statefulSet = desired
        partition = value
    }
}
