import KubeTypes

/// The StatefulSet for a round: its template, replica count and partition, and the walk step.
///
/// - No StatefulSet yet: create it with the partition at 0.
/// - A new pod template: apply it together with a partition that holds every pod where it is
///   (one write, so the StatefulSet controller never sees the template without the hold).
/// - Otherwise: the partition ``RolloutPlanner`` decides; its primary step needs a CHECKPOINT
///   on pod 0 first, and waits (partition unchanged) when that failed.
/// - A walk that lowers a setting standbys need at least as high as the primary's restarts the
///   primary first (``StandbyLimits``): `ALTER SYSTEM` of the lowered values and a CHECKPOINT
///   on pod 0, then its pod is deleted (the StatefulSet makes it again at the old revision);
///   once per revision, recorded in status by pod uid. At the primary's own step the `ALTER
///   SYSTEM` entries are set to the new revision's values before the CHECKPOINT (reset once the walk is over).
/// - A step that depends on actions waits when any action of the round failed: the actions
///   after the failed one did not run.
/// - The replica count never drops below the pod PostgreSQL reports as primary.
struct WorkloadPlan {
    let observation: ClusterObservation
    let resolved: ResolvedCluster
    var desired: StatefulSet
    let instances: InstanceSet
    let roles: RoleDecision
    /// The pod Ordinal holds as primary (it may be away from pod 0 after a failover).
    let heldPrimary: String?
    /// Why the primary does not come home now (``PrimaryPlan/homeHeldBack``).
    var homeHeldBack: String?

    var statefulSet: StatefulSet?
    var actions: [InstanceAction] = []
    var events: [ClusterEvent] = []
    var rollout: RolloutPlanner.Decision?
    var partition: Int?
    /// The primary to delete after the actions (its restart ahead of the replicas).
    var primaryToRestart: String?
    /// `status.primaryFirst` after this round.
    var primaryFirst: PrimaryFirstRestart?

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
            if let wait = controllerBehind(live, partition: livePartition) {
                // No write this round: the new template waits (its ConfigMap is made already).
                rollout = wait
                partition = livePartition
                primaryFirst = observation.cluster.status?.primaryFirst
                if wait.action == .stuck { events.append(ClusterEvent(.warning, .rolloutStuck, wait.message)) }
                return
            }
            let hold = max(replicas, live.spec?.replicas ?? 0, livePartition)
            setPartition(hold)
            rollout = RolloutPlanner.Decision(
                action: .setPartition, partition: hold, message: "new pod template applied with the partition at \(hold); no pod moves yet",
                stepStartedAt: observation.now)
            primaryFirst = observation.cluster.status?.primaryFirst
            events.append(ClusterEvent(.normal, .rolloutStarted, "pod template changed (version \(resolved.postgresVersion)); walking the partition from \(names.pod(replicas - 1)) down to the primary"))
            return
        }

        let status = live.status
        var input = RolloutPlanner.Input(
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
        let home = names.pod(0)
        let homeFacts = instances.report(home)?.database
        let homeUID = instances.pods.first { $0.ordinal == 0 }?.pod.uid
        let recorded = observation.cluster.status?.primaryFirst.flatMap { $0.revision == liveHash ? $0 : nil }
        input.primaryConfirmed = roles.primary == home
        if let homeFacts, roles.primary == home { input.lowering = StandbyLimits.lowered(resolved: resolved, primary: homeFacts) }
        if var record = recorded {
            input.primaryFirst = homeUID == nil || homeUID == record.token ? .asked : .restarted
            if input.primaryFirst == .restarted, input.lowering.isEmpty, input.primaryConfirmed, record.primaryPosition == nil,
                let position = homeFacts?.walPosition
            {
                // Back with the lowered values: the replicas replay this far before they restart.
                record.primaryPosition = WALPosition.text(position)
                primaryFirst = record
            }
            input.replayedBeforeRestart = record.primaryPosition.flatMap(WALPosition.parse)
            // Asked but never seen back with its position: its replicas wait (it is waited for above).
            if input.primaryFirst == .restarted, record.primaryPosition == nil { input.replayedBeforeRestart = Int64.max }
        }
        var decision = RolloutPlanner.decide(input, podName: names.pod)
        let failed = observation.failures.first
        var next = livePartition
        if decision.isRollingOut, let held = heldPrimary, held != names.pod(0) {
            // The partition only takes the highest ordinals: a walk with the primary away from
            // pod 0 would restart it as if it were a replica. It waits for the way home, unless
            // the primary already runs the new revision: then every pod below the partition is
            // a replica, and they walk on down to pod 0 (so pod 0 comes home at the revision,
            // and the settings, its standbys run).
            decision = awayStep(held: held, input: input)
                ?? RolloutPlanner.Decision(
                    action: .wait, partition: livePartition,
                    message: "waiting for the primary to move to \(names.pod(0)) (it is \(held)) before walking on"
                        + (homeHeldBack.map { "; \($0)" } ?? ""),
                    pod: held, stepStartedAt: decision.stepStartedAt)
        }
        switch decision.action {
        case .setPartition:
            next = decision.partition
            if decision.partition != livePartition {
                events.append(ClusterEvent(.normal, .rolloutStep, "\(decision.message) (partition \(decision.partition))"))
            }
        case .checkpointThenRestartPrimary:
            if let failed {
                decision = retry(decision, after: failed, partition: livePartition)
            } else {
                // ALTER SYSTEM entries of a restart ahead of the replicas (or made by hand) would
                // override the revision's postgresql.conf: they say what the spec says from now
                // on, whichever revision the primary restarts at (they go after the walk).
                let pinned = StandbyLimits.pinned(resolved: resolved, primary: homeFacts)
                if !pinned.set.isEmpty { actions.append(.setLimits(pod: home, values: pinned.set)) }
                if !pinned.reset.isEmpty { actions.append(.resetLimits(pod: home, names: pinned.reset)) }
                actions.append(.checkpoint(pod: home))
                next = 0
                events.append(ClusterEvent(.normal, .rolloutPrimary, "checkpoint done; restarting the primary \(home) (partition 0)"))
            }
        case .restartPrimaryFirst:
            if let failed {
                decision = retry(decision, after: failed, partition: livePartition)
            } else if let uid = homeUID, let liveHash {
                actions += [.setLimits(pod: home, values: input.lowering), .checkpoint(pod: home)]
                primaryToRestart = home
                let settings = StandbyLimits.describe(input.lowering)
                primaryFirst = PrimaryFirstRestart(
                    pod: home, token: uid, revision: liveHash, settings: settings, requestedAt: KubeTime.format(observation.now))
                events.append(ClusterEvent(.normal, .primaryRestartedFirst, "the change lowers \(settings.joined(separator: ", ")), which standbys must keep at least as high as the primary: restarting the primary \(home) first with them, then the replicas"))
            } else {
                decision.action = .wait
                decision.message = "waiting for \(home)'s pod uid and the StatefulSet's revision before restarting it first"
            }
        case .stuck:
            events.append(ClusterEvent(.warning, .rolloutStuck, decision.message))
        case .none, .wait, .hold:
            break
        }
        let liveReplicas = live.spec?.replicas ?? replicas
        let mayLower = !input.primaryConfirmed || homeFacts == nil || !input.lowering.isEmpty
        if decision.isRollingOut, livePartition >= liveReplicas, mayLower {
            // Before the first replica moves, and while the primary may run higher values than
            // the new revision's, a pod added meanwhile is made at the old revision too (the
            // StatefulSet makes pods at or above the partition new).
            next = max(next, replicas)
        }
        rollout = decision
        setPartition(next)
        var cleared: Set<String> = []
        if primaryFirst == nil, let previous = observation.cluster.status?.primaryFirst {
            let lingering = previous.names.filter { homeFacts?.limits[$0]?.autoConf != nil }
            if decision.isRollingOut || homeFacts == nil {
                primaryFirst = previous
            } else if !lingering.isEmpty {
                // The walk ended without the primary's step (the change was undone), or with
                // the entries set to the revision's values: they go, and the revision's values
                // apply at its next restart.
                if failed == nil { actions.append(.resetLimits(pod: previous.pod, names: lingering)) }
                cleared = Set(lingering)
                primaryFirst = previous
            }
        }
        if !decision.isRollingOut, failed == nil, input.primaryConfirmed, let homeFacts {
            // Entries that say what postgresql.conf says (pinned at the primary's step) go too.
            let redundant = StandbyLimits.redundant(resolved: resolved, primary: homeFacts).filter { !cleared.contains($0) }
            if !redundant.isEmpty { actions.append(.resetLimits(pod: home, names: redundant)) }
        }
    }

    /// A step of the walk while the primary Ordinal holds is `held`, away from pod 0 and at
    /// the update revision: the next pod below the partition (a replica) restarts once every pod
    /// at or above the partition is healthy (the primary as the primary, the others streaming
    /// and caught up), the pod itself streams caught up, and the primary runs no higher
    /// ``StandbyLimits`` than the revision gives. `nil` when
    /// the held primary is not at the update revision yet (the walk waits for the way home).
    private func awayStep(held: String, input: RolloutPlanner.Input) -> RolloutPlanner.Decision? {
        let names = resolved.names
        let set = input.statefulSet
        guard let heldOrdinal = names.ordinal(ofPod: held), set.isObserved, let update = set.updateRevision,
            set.partition > 0, set.partition <= heldOrdinal, set.partition < set.replicas, roles.primary == held,
            input.instances[heldOrdinal]?.revision == update
        else { return nil }
        func wait(_ problem: String, _ pod: String) -> RolloutPlanner.Decision {
            RolloutPlanner.waitOrStuck(input, partition: set.partition, pod: pod, problem)
        }
        for ordinal in (set.partition..<set.replicas).reversed() {
            if let problem = InstanceHealth.problem(
                input.instances[ordinal], ordinal: ordinal, podName: names.pod(ordinal), revision: update,
                version: input.targetVersion, maxLagBytes: input.maxLagBytes, isPrimary: ordinal == heldOrdinal)
            {
                return wait(problem, names.pod(ordinal))
            }
        }
        let next = set.partition - 1
        if input.paused {
            return RolloutPlanner.Decision(
                action: .hold, partition: set.partition, message: "rollout paused after \(names.pod(set.partition)) (spec.upgrade.paused)",
                pod: names.pod(set.partition), stepStartedAt: RolloutPlanner.timerStart(input, for: set.partition))
        }
        // The replica restarts with the new revision's settings: the primary must not run
        // higher ones, and the replica must have replayed the primary's (it streams, caught up).
        if let facts = instances.report(held)?.database {
            let above = StandbyLimits.lowered(resolved: resolved, primary: facts)
            if !above.isEmpty {
                return wait("the primary \(held) runs higher \(above.keys.sorted().joined(separator: ", ")) than the new revision's (\(StandbyLimits.describe(above).joined(separator: ", "))); \(names.pod(next)) does not restart below its primary", held)
            }
        }
        if let problem = InstanceHealth.problem(
            input.instances[next], ordinal: next, podName: names.pod(next), revision: nil, version: nil,
            maxLagBytes: input.maxLagBytes, isPrimary: false)
        {
            return wait(problem, names.pod(next))
        }
        return RolloutPlanner.Decision(
            action: .setPartition, partition: next,
            message: "the primary \(held) runs the new revision; updating the replica \(names.pod(next)) before the primary comes home",
            pod: names.pod(next), stepStartedAt: observation.now)
    }

    /// A wait before a new template while every pod already runs the StatefulSet's update
    /// revision but its controller has not recorded it as the current one (it does once every pod
    /// is Ready): with the new template held at a partition, a pod it made again below the
    /// partition would get that stale current revision, whose settings no pod runs (for example
    /// a `max_connections` below the primary's, which stops a standby). `nil` when the template may go.
    private func controllerBehind(_ live: StatefulSet, partition: Int) -> RolloutPlanner.Decision? {
        guard let status = live.status, status.observedGeneration == live.metadata.generation,
            let update = status.updateRevision, let current = status.currentRevision, current != update,
            instances.pods.count >= (live.spec?.replicas ?? 0), !instances.pods.isEmpty,
            instances.pods.allSatisfy({ $0.pod.revision == update })
        else { return nil }
        let notReady = instances.pods.filter { !$0.pod.isReady }.map(\.pod.name)
        let pod = notReady.first ?? instances.pods.first?.pod.name
        let problem = "every pod runs \(update), which the StatefulSet controller has not recorded as current yet (it does once every pod is Ready"
            + (notReady.isEmpty ? "" : "; not Ready: \(notReady.joined(separator: ", "))")
            + "): the new pod template waits, or a pod made again meanwhile would run \(current)"
        let previous = observation.cluster.status
        let started = RolloutPlanner.timerStart(
            now: observation.now, stepStartedAt: previous?.stepStartedAt.flatMap(KubeTime.parse), timerPartition: previous?.partition,
            for: partition)
        return RolloutPlanner.waitOrStuck(
            now: observation.now, started: started, stepTimeoutSeconds: resolved.stepTimeoutSeconds, partition: partition, pod: pod, problem)
    }

    /// The decision made again after an action of this round failed: the actions after it did not run.
    private func retry(_ decision: RolloutPlanner.Decision, after failure: ActionFailure, partition: Int) -> RolloutPlanner.Decision {
        RolloutPlanner.Decision(
            action: .wait, partition: partition, message: "\(failure.action.name) on \(failure.action.pod) failed: \(failure.message); retrying",
            pod: decision.pod, stepStartedAt: decision.stepStartedAt)
    }

    private mutating func setPartition(_ value: Int) {
        desired.spec?.updateStrategy?.rollingUpdate?.partition = value
        statefulSet = desired
        partition = value
    }
}
