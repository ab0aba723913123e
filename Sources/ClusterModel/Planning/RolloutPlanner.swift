/// The walk of a template change down the StatefulSet partition: replicas one at a time from the
/// highest ordinal, each proven healthy before the next, then a CHECKPOINT and the primary last.
/// A change that lowers a setting standbys must keep at least as high as the primary's
/// (``StandbyLimits``) first restarts the primary alone, with the lower values, at its old revision.
///
/// Pure: every input comes from the cluster (StatefulSet partition and revisions, pods, what
/// PostgreSQL reports, the step timer kept in status), so a new operator resumes where the old
/// one stopped, without repeating or skipping a step.
public enum RolloutPlanner {
    public struct Input: Sendable, Hashable {
        public var statefulSet: StatefulSetObservation
        /// Observations by ordinal; a missing entry is a pod that does not exist.
        public var instances: [Int: InstanceObservation]
        public var targetVersion: PostgresVersion?
        public var paused: Bool
        public var holdBeforePrimary: Bool
        public var maxLagBytes: Int64
        public var stepTimeoutSeconds: Int
        /// Seconds since the epoch.
        public var now: Double
        /// When the step at `timerPartition` began (from status).
        public var stepStartedAt: Double?
        public var timerPartition: Int?
        /// The settings the change lowers below what the primary (pod 0) runs: name → new value.
        public var lowering: [String: Int64] = [:]
        /// Where the primary's restart ahead of the replicas is, for this revision.
        public var primaryFirst: PrimaryFirstState = .notAsked
        /// PostgreSQL confirms pod 0 as the primary (its settings are the primary's).
        public var primaryConfirmed = true
        /// After the primary's restart ahead of the replicas: the WAL position each replica must
        /// have replayed before it restarts with the lowered values.
        public var replayedBeforeRestart: Int64?

        public init(statefulSet: StatefulSetObservation, instances: [Int: InstanceObservation], targetVersion: PostgresVersion?,
                    paused: Bool = false, holdBeforePrimary: Bool = false, maxLagBytes: Int64 = ClusterDefaults.maxLagBytes,
                    stepTimeoutSeconds: Int = ClusterDefaults.stepTimeoutSeconds, now: Double,
                    stepStartedAt: Double? = nil, timerPartition: Int? = nil) {
            self.statefulSet = statefulSet
            self.instances = instances
            self.targetVersion = targetVersion
            self.paused = paused
            self.holdBeforePrimary = holdBeforePrimary
            self.maxLagBytes = maxLagBytes
            self.stepTimeoutSeconds = stepTimeoutSeconds
            self.now = now
            self.stepStartedAt = stepStartedAt
            self.timerPartition = timerPartition
        }
    }

    /// The primary's restart ahead of the replicas (a walk that lowers ``StandbyLimits``).
    public enum PrimaryFirstState: Sendable, Hashable {
        /// Not asked for this revision.
        case notAsked
        /// Asked: the pod it was asked for still exists (or is being made again).
        case asked
        /// Asked, and the pod was made again since.
        case restarted
    }

    /// What to do now.
    public enum Action: Sendable, Hashable {
        /// No rollout: every pod runs the current revision.
        case none
        /// Keep the partition; a pod is not there yet.
        case wait
        /// Lower (or reset) the partition to the decision's `partition`.
        case setPartition
        /// Run CHECKPOINT on the primary, then set the partition to 0.
        case checkpointThenRestartPrimary
        /// Before the first replica: write the lowered settings on the primary (`ALTER
        /// SYSTEM`), CHECKPOINT, and restart it alone at its old revision (partition unchanged).
        case restartPrimaryFirst
        /// Held by the user (`paused` or `holdBeforePrimary`).
        case hold
        /// A step did not become healthy in time: stop, keep the partition, report Degraded.
        case stuck
    }

    public struct Decision: Sendable, Hashable {
        public var action: Action
        /// The partition the StatefulSet should have after this decision.
        public var partition: Int
        /// What is happening, for status and events: which pod and what it waits for.
        public var message: String
        /// The pod the walk is about, if any.
        public var pod: String?
        /// The step timer to keep in status: when the step at `partition` began.
        public var stepStartedAt: Double?

        public init(action: Action, partition: Int, message: String, pod: String? = nil, stepStartedAt: Double? = nil) {
            self.action = action
            self.partition = partition
            self.message = message
            self.pod = pod
            self.stepStartedAt = stepStartedAt
        }

        /// A rollout is under way (status phase `Upgrading`).
        public var isRollingOut: Bool { action != .none }
    }

    public static func decide(_ input: Input, podName: @escaping (Int) -> String) -> Decision {
        Walk(input: input, podName: podName).decide()
    }

    /// When the step at `partition` began: the timer in status when it is that step's, else now.
    static func timerStart(_ input: Input, for partition: Int) -> Double {
        timerStart(now: input.now, stepStartedAt: input.stepStartedAt, timerPartition: input.timerPartition, for: partition)
    }

    /// When the step at `partition` started: the recorded time if the timer is that step's, else `now`.
    static func timerStart(now: Double, stepStartedAt: Double?, timerPartition: Int?, for partition: Int) -> Double {
        timerPartition == partition ? (stepStartedAt ?? now) : now
    }

    /// Waits at `partition` on `problem` with `pod`, or stops as stuck once the step has taken
    /// longer than the step timeout.
    static func waitOrStuck(_ input: Input, partition: Int, pod: String, _ problem: String) -> Decision {
        waitOrStuck(now: input.now, started: timerStart(input, for: partition), stepTimeoutSeconds: input.stepTimeoutSeconds,
                    partition: partition, pod: pod, problem)
    }

    /// The same, for a step whose timer started at `started`.
    static func waitOrStuck(now: Double, started: Double, stepTimeoutSeconds: Int, partition: Int, pod: String?, _ problem: String) -> Decision {
        if now - started > Double(stepTimeoutSeconds) {
            return Decision(action: .stuck, partition: partition, message: "step timed out after \(stepTimeoutSeconds)s: \(problem)",
                            pod: pod, stepStartedAt: started)
        }
        return Decision(action: .wait, partition: partition, message: problem, pod: pod, stepStartedAt: started)
    }
}

/// One decision's worth of context.
private struct Walk {
    typealias Action = RolloutPlanner.Action
    typealias Decision = RolloutPlanner.Decision

    let input: RolloutPlanner.Input
    let podName: (Int) -> String

    var partition: Int { input.statefulSet.partition }
    var replicas: Int { input.statefulSet.replicas }

    func make(_ action: Action, _ partition: Int, _ message: String, pod: String? = nil) -> Decision {
        let started: Double?
        switch action {
        case .setPartition, .checkpointThenRestartPrimary, .restartPrimaryFirst: started = input.now
        case .none: started = nil
        default: started = timerStart(for: partition)
        }
        return Decision(action: action, partition: partition, message: message, pod: pod, stepStartedAt: started)
    }

    func timerStart(for partition: Int) -> Double {
        RolloutPlanner.timerStart(input, for: partition)
    }

    func decide() -> Decision {
        let set = input.statefulSet
        // A walk is under way while status carries its step timer (cleared once nothing rolls out).
        let isWalking = input.stepStartedAt != nil
        guard set.isObserved, let update = set.updateRevision else {
            // With the partition at 0 nothing is held back: there is no walk to steer, unless the
            // primary's step has just begun and the StatefulSet controller has not seen it yet.
            if partition == 0 && !isWalking { return make(.none, 0, "no rollout") }
            return waitOrStuck(pod: podName(0), "waiting for the StatefulSet controller to observe partition \(partition)")
        }
        let rolling = set.currentRevision != update
        if !rolling && partition == 0 {
            // The StatefulSet calls the rollout done once every pod is updated and Ready; the walk is
            // done only when the primary is back and every replica streams again.
            if isWalking, let (ordinal, problem) = firstProblem(in: 0..<replicas, revision: update) {
                return waitOrStuck(pod: podName(ordinal), problem)
            }
            return make(.none, 0, isWalking ? "rollout complete" : "every pod runs the current revision")
        }
        let stale = (0..<replicas).filter { input.instances[$0]?.revision != update }

        if stale.isEmpty {
            guard rolling else {
                return partition == 0
                    ? make(.none, 0, "every pod runs the current revision")
                    : make(.setPartition, 0, "every pod runs the current revision; resetting the partition")
            }
            if let (ordinal, problem) = firstProblem(in: 0..<replicas, revision: update) {
                return waitOrStuck(pod: podName(ordinal), problem)
            }
            return partition == 0 ? make(.none, 0, "rollout complete") : make(.setPartition, 0, "rollout complete")
        }

        if partition >= replicas {
            if input.paused { return make(.hold, partition, "rollout paused before its first step (spec.upgrade.paused)") }
            if replicas == 1 { return primaryStep() }
            let next = replicas - 1
            if let first = primaryFirstStep(before: next) { return first }
            return make(.setPartition, next, "updating \(podName(next))", pod: podName(next))
        }
        if let (ordinal, problem) = firstProblem(in: partition..<replicas, revision: update) {
            return waitOrStuck(pod: podName(ordinal), problem)
        }
        if partition == 0 {
            // Every pod from 0 up is healthy at the new revision, yet one below `replicas` is stale:
            // it can only be missing; wait for the StatefulSet to recreate it.
            return make(.wait, 0, "waiting for \(stale.map(podName).joined(separator: ", "))")
        }
        if input.paused {
            return make(.hold, partition, "rollout paused after \(podName(partition)) (spec.upgrade.paused)", pod: podName(partition))
        }
        let next = partition - 1
        if next == 0 { return primaryStep() }
        if let first = primaryFirstStep(before: next) { return first }
        return make(.setPartition, next, "\(podName(partition)) is healthy; updating \(podName(next))", pod: podName(next))
    }

    func firstProblem(in range: Range<Int>, revision: String) -> (Int, String)? {
        for ordinal in range.reversed() {
            if let problem = InstanceHealth.problem(
                input.instances[ordinal], ordinal: ordinal, podName: podName(ordinal), revision: revision,
                version: input.targetVersion, maxLagBytes: input.maxLagBytes)
            {
                return (ordinal, problem)
            }
        }
        return nil
    }

    /// Before the first replica: the primary goes first when the change lowers a setting the
    /// standbys need at least as high as the primary's; `nil` when the replicas may go.
    /// Unknown counts as lowering: pod 0 must answer before any replica restarts. After the
    /// primary went first, the replica `ordinal` about to restart must have replayed the
    /// primary's restart (its record of the new values) first.
    func primaryFirstStep(before ordinal: Int) -> Decision? {
        let primary = podName(0)
        guard input.instances[0]?.database != nil, input.primaryConfirmed else {
            return waitOrStuck(pod: primary, "waiting for \(primary) to answer as the primary before the first step: the change may lower a setting standbys must keep at least as high as the primary's")
        }
        guard !input.lowering.isEmpty else {
            guard let position = input.replayedBeforeRestart else { return nil }
            let replayed = input.instances[ordinal]?.database?.replayPosition
            if let replayed, replayed >= position { return nil }
            return waitOrStuck(pod: podName(ordinal), "waiting for \(podName(ordinal)) to replay the primary's restart with the lowered settings (to \(WALPosition.text(position))) before restarting it with them")
        }
        let settings = StandbyLimits.describe(input.lowering).joined(separator: ", ")
        switch input.primaryFirst {
        case .asked:
            return waitOrStuck(pod: primary, "waiting for the primary \(primary) to restart first with \(settings)")
        case .restarted:
            return waitOrStuck(pod: primary, "the primary \(primary) was restarted first but does not run \(settings); no replica restarts with lower values than its primary's")
        case .notAsked:
            break
        }
        if input.holdBeforePrimary {
            return make(.hold, partition, "holding before restarting the primary \(primary) first with \(settings) (spec.upgrade.holdBeforePrimary)", pod: primary)
        }
        if let problem = InstanceHealth.problem(
            input.instances[0], ordinal: 0, podName: primary, revision: nil, version: nil, maxLagBytes: input.maxLagBytes)
        {
            return waitOrStuck(pod: primary, "before restarting the primary first: \(problem)")
        }
        return make(.restartPrimaryFirst, partition, "the change lowers \(settings): checkpoint, then restart the primary \(primary) first with them", pod: primary)
    }

    /// The last step: only when every replica is updated and the primary itself is healthy.
    func primaryStep() -> Decision {
        let primary = podName(0)
        if input.holdBeforePrimary {
            return make(.hold, partition, "replicas updated; holding before restarting the primary \(primary) (spec.upgrade.holdBeforePrimary)", pod: primary)
        }
        if let problem = InstanceHealth.problem(
            input.instances[0], ordinal: 0, podName: primary, revision: nil, version: nil, maxLagBytes: input.maxLagBytes)
        {
            return waitOrStuck(pod: primary, "before restarting the primary: \(problem)")
        }
        return make(.checkpointThenRestartPrimary, 0, "checkpoint, then restart the primary \(primary)", pod: primary)
    }

    func waitOrStuck(pod: String, _ problem: String) -> Decision {
        RolloutPlanner.waitOrStuck(input, partition: partition, pod: pod, problem)
    }
}
