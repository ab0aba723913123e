import ClusterModel
import KubeAPI
import KubeTypes
import PostgresHealth

extension ClusterReconciler {
    /// Creates the StatefulSet, or keeps it right: a new pod template is applied together with a
    /// partition at the instance count (so no pod moves), then the walk lowers the partition one
    /// step at a time as ``RolloutPlanner`` decides.
    func reconcileStatefulSet(_ round: inout Round) async throws {
        let resolved = round.resolved
        let names = resolved.names
        guard let live = caches.statefulSets.get(namespace: resolved.namespace, name: names.statefulSet) else {
            let desired = StatefulSetBuilder.build(resolved, partition: 0)
            _ = try await client.apply(desired, fieldManager: options.fieldManager, force: true)
            round.writes += 1
            round.partition = 0
            round.logger.info("created StatefulSet")
            return
        }
        var desired = StatefulSetBuilder.build(resolved, partition: 0)
        // volumeClaimTemplates are immutable: keep what the StatefulSet was made with.
        desired.spec?.volumeClaimTemplates = live.spec?.volumeClaimTemplates
        // Never scale below the pod PostgreSQL reports as primary.
        if let primary = round.roles.primary, let ordinal = names.ordinal(ofPod: primary), ordinal >= resolved.instances {
            desired.spec?.replicas = ordinal + 1
            round.logger.warning("not scaling below the primary", metadata: ["primary": "\(primary)"])
        }
        let replicas = desired.spec?.replicas ?? resolved.instances
        let livePartition = live.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
        let desiredHash = desired.metadata.annotations?[ClusterLabels.templateHashAnnotation]
        let liveHash = live.metadata.annotations?[ClusterLabels.templateHashAnnotation]
        let reference = ObjectReference(to: round.cluster)

        if desiredHash != liveHash {
            // A new template: hold every pod where it is, then walk.
            let hold = max(replicas, live.spec?.replicas ?? 0, livePartition)
            desired.spec?.updateStrategy?.rollingUpdate?.partition = hold
            _ = try await client.apply(desired, fieldManager: options.fieldManager, force: true)
            round.writes += 1
            round.partition = hold
            round.rollout = RolloutPlanner.Decision(
                action: .setPartition, partition: hold, message: "new pod template applied with the partition at \(hold); no pod moves yet",
                stepStartedAt: round.now)
            await events.record(reference, type: "Normal", reason: "RolloutStarted",
                                message: "pod template changed (version \(resolved.postgresVersion)); walking the partition from \(names.pod(replicas - 1)) down to the primary")
            return
        }

        let status = live.status
        let input = RolloutPlanner.Input(
            statefulSet: StatefulSetObservation(
                replicas: live.spec?.replicas ?? replicas, partition: livePartition, generation: live.metadata.generation,
                observedGeneration: status?.observedGeneration, currentRevision: status?.currentRevision,
                updateRevision: status?.updateRevision),
            instances: Dictionary(round.observations.map { ($0.ordinal, $0) }, uniquingKeysWith: { first, _ in first }),
            targetVersion: PostgresVersion(resolved.postgresVersion), paused: resolved.upgradePaused,
            holdBeforePrimary: resolved.holdBeforePrimary, maxLagBytes: resolved.maxLagBytes,
            stepTimeoutSeconds: resolved.stepTimeoutSeconds, now: round.now,
            stepStartedAt: round.cluster.status?.stepStartedAt.flatMap(KubeTime.parse),
            timerPartition: round.cluster.status?.partition)
        var decision = RolloutPlanner.decide(input, podName: names.pod)
        var partition = livePartition
        switch decision.action {
        case .setPartition:
            partition = decision.partition
            if decision.partition != livePartition {
                await events.record(reference, type: "Normal", reason: "RolloutStep", message: "\(decision.message) (partition \(decision.partition))")
            }
        case .checkpointThenRestartPrimary:
            if let primary = round.facts.first(where: { $0.podName == names.pod(0) }), let settings = settings(primary.address, round) {
                do {
                    try await ReplicationActions(pool: pool).checkpoint(on: settings)
                    partition = 0
                    await events.record(reference, type: "Normal", reason: "RolloutPrimary", message: "checkpoint done; restarting the primary \(names.pod(0)) (partition 0)")
                } catch {
                    decision = RolloutPlanner.Decision(
                        action: .wait, partition: livePartition, message: "CHECKPOINT on \(names.pod(0)) failed: \(error); retrying",
                        pod: names.pod(0), stepStartedAt: decision.stepStartedAt)
                }
            }
        case .stuck:
            await events.record(reference, type: "Warning", reason: "RolloutStuck", message: decision.message)
        case .none, .wait, .hold:
            break
        }
        round.rollout = decision
        round.partition = partition
        desired.spec?.updateStrategy?.rollingUpdate?.partition = partition
        try await applyIfChanged(desired, live: live, comparedAs: CacheForm.statefulSet, &round)
    }
}
