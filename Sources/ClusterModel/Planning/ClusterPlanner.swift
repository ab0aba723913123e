import KubeTypes

/// The one place Ordinal decides anything about a cluster. Pure: the same observation always
/// gives the same plan, and nothing here does I/O, reads a clock or draws a random number.
///
/// ```swift
/// var plan = ClusterPlanner.plan(observation)
/// // the shell executes plan.secretsToCreate, .objects, .labels, .actions in order; on a failed
/// // action it plans again with the failure fed back, then executes .statefulSet, .volumeGrowth,
/// // .status and .events of that plan.
/// ```
///
/// Failover and switchover (later) are new cases of the role and replication parts here,
/// not a second planner.
public enum ClusterPlanner {
    /// Decides everything for one round.
    public static func plan(_ observation: ClusterObservation) -> ClusterPlan {
        let cluster = observation.cluster
        let resolved = ResolvedCluster(cluster)
        var plan = ClusterPlan()

        var errors = SpecValidator.errors(in: cluster) + liveStateErrors(observation)
        var waitsForSecret = false
        if errors.isEmpty {
            let secretCheck = SecretPlan(
                resolved: resolved, secrets: observation.secrets, knownPasswords: observation.knownPasswords,
                bootstrapped: cluster.status?.systemIdentifier != nil)
            errors += secretCheck.errors
            waitsForSecret = secretCheck.waitsForUserSecret
            plan.secretsToCreate = secretCheck.toCreate
            plan.events += secretCheck.events
        }
        guard errors.isEmpty else {
            plan.specErrors = errors
            plan.secretsToCreate = []
            plan.status = StatusComputer.compute(.init(
                cluster: resolved, previous: cluster.status, instances: [], roles: RoleDecision(deciding: []),
                specErrors: errors, now: observation.now))
            plan.events = [ClusterEvent(.warning, .invalidSpec, errors.map(\.description).joined(separator: "; "))]
            // A user-named Secret may appear later (it is not watched): look again, slowly.
            plan.requeue = waitsForSecret ? .healthInterval : .never
            return plan
        }

        let certificates = CertificatePlan(resolved: resolved, observation: observation)
        plan.certificatesToIssue = certificates.issues
        plan.events += certificates.events
        let instances = InstanceSet(observation: observation, names: resolved.names)
        let primary = PrimaryPlan(
            resolved: resolved, instances: instances, observation: observation,
            rebuildsPending: !(cluster.status?.rebuilds ?? []).isEmpty)
        let roles = primary.roles
        let streaming = ReplicaStreaming(instances: instances, previous: cluster.status, now: observation.now)
        let rebuild = RebuildPlan(
            instances: instances, roles: roles, streaming: streaming, previous: cluster.status?.rebuilds ?? [],
            wanted: resolved.instances, now: observation.now)
        // Pods bootstrap against the primary as it serves now (a pod being made has the CA while TLS is on).
        let primaryPod = instances.pods.first { $0.pod.name == (primary.held ?? resolved.names.pod(0)) }?.pod
        let primarySSL = SSLMode.between(client: resolved.tlsEnabled, server: primaryPod?.servesTLS ?? resolved.tlsEnabled)
        let desired = DesiredState(
            resolved, partition: 0, passwords: PasswordGenerator { "" }, systemIdentifier: instances.identity.identifier,
            rebuild: RebuildPlan.configText(rebuild.requests), primary: primary.configText, primarySSL: primarySSL,
            contexts: observation.parameterContexts, operatorNamespace: observation.operatorNamespace)
        plan.objects = [.configMap(desired.revisionConfigMap), .configMap(desired.configMap), .service(desired.headlessService),
                        .service(desired.readWriteService), .service(desired.readOnlyService)]
        if let budget = desired.podDisruptionBudget {
            plan.objects.append(.budget(budget))
        } else if observation.hasBudget {
            plan.budgetToDelete = resolved.names.podDisruptionBudget
        }
        if let policy = desired.networkPolicy {
            plan.objects.append(.networkPolicy(policy))
        } else if observation.hasNetworkPolicy {
            plan.networkPolicyToDelete = resolved.names.networkPolicy
        }

        let labels = LabelPlan(
            instances: instances, roles: roles, streaming: streaming, probeBlocked: observation.probeBlocked,
            changingPrimary: primary.change != nil, now: observation.now)
        plan.labels = labels.changes
        plan.events += primary.events
        plan.events += labels.events
        if instances.identity.isNewlyRecorded, let identifier = instances.identity.identifier {
            plan.events.append(ClusterEvent(.normal, .identityRecorded, "the cluster's system identifier is \(identifier) (reported by \(roles.primary ?? "the primary"))"))
        }

        let replication = ReplicationPlan(
            resolved: resolved, instances: instances, roles: roles,
            user: observation.secrets[.replication]?.username ?? ClusterDefaults.replicationUserName,
            failures: observation.failures)
        // The roles replicas and clients log in with, made again if a first start was cut short.
        let hasPassword: (SecretRole) -> Bool = { role in
            if case .present(_, true)? = observation.secrets[role] { return true }
            return false
        }
        plan.actions = primary.actions
        if let primary = roles.primary, hasPassword(.replication), hasPassword(.app) {
            plan.actions.append(.ensureRoles(pod: primary))
        }
        plan.configMapsToDelete = ConfigRevisionPlan.stale(resolved: resolved, observation: observation, desired: desired)
        let passwords = PasswordPlan(
            resolved: resolved, observation: observation, instances: instances, roles: roles, changingPrimary: primary.change != nil)
        plan.actions += passwords.actions
        plan.actions += passwords.passfileActions
        let reload = ReloadPlan(resolved: resolved, observation: observation, instances: instances, roles: roles)
        plan.actions += reload.actions
        plan.events += reload.events
        plan.appSecretToRefresh = passwords.appSecretToRefresh
        plan.events += passwords.events
        plan.actions += replication.actions
        plan.events += replication.events
        if let primary = roles.primary {
            plan.actions += rebuild.slotsToRecreate.map { .recreateSlot(pod: primary, replica: $0) }
        }
        plan.podsToDelete = rebuild.podsToDelete + primary.podsToFence.filter { !rebuild.podsToDelete.contains($0) }
        plan.events += rebuild.events

        var workload = WorkloadPlan(
            observation: observation, resolved: resolved, desired: desired.statefulSet, instances: instances, roles: roles,
            heldPrimary: primary.held)
        workload.homeHeldBack = primary.homeHeldBack
        workload.decide()
        plan.actions += workload.actions
        if let primary = workload.primaryToRestart { plan.podsToDelete.append(primary) }
        plan.statefulSet = workload.statefulSet
        plan.events += workload.events

        let volumes = VolumePlan(resolved: resolved, observation: observation)
        plan.volumeGrowth = volumes.growth
        plan.events += volumes.events

        var input = StatusComputer.Input(
            cluster: resolved, previous: cluster.status, instances: instances.observations, roles: roles,
            rollout: workload.rollout, partition: workload.partition, now: observation.now)
        input.systemIdentifier = instances.identity.identifier
        input.identityConflict = instances.identity.conflict
        input.notStreamingSince = streaming.notStreamingSince
        input.probeBlocked = observation.probeBlocked
        input.volumes = volumes.confirmed
        input.rebuilds = rebuild.requests
        input.primaryReport = roles.primary.flatMap(instances.report)
        input.volumeProblem = volumes.problem
        input.primary = primary
        input.passwordProblem = passwords.problem
        let backup = BackupPlan(
            resolved: resolved, previous: cluster.status, primary: roles.primary, report: input.primaryReport,
            jobs: observation.backupJobs, request: BackupRequest(annotations: cluster.metadata.annotations),
            secretProblems: observation.backupSecretProblems, now: observation.now)
        input.backupHealth = backup.health
        plan.backupJob = backup.jobs?.creation
        plan.backupJobsToDelete = backup.jobs?.toDelete ?? []
        plan.events += backup.jobs?.events ?? []
        var status = StatusComputer.compute(input)
        status.backup = backup.status
        status.passwords = passwords.status
        status.primaryFirst = workload.primaryFirst
        status.certificates = certificates.status
        plan.status = status
        plan.events += phaseEvents(from: cluster.status, to: status)
        // Soon while PostgreSQL state may move on its own; at the health interval when nothing
        // could be probed (pods with no address yet): what changes then arrives as a pod event.
        // Almost at once while the primary changes: every round of it is write downtime.
        // Soon, too, while a reload file has not reached every pod yet (the kubelet's delay).
        plan.requeue = primary.isChanging ? .promptly
            : !reload.waiting.isEmpty ? .busyInterval
            : status.phase == .healthy || observation.reports.isEmpty ? .healthInterval : .busyInterval
        return plan
    }

    /// True when the data volume claims must be read this round: the spec asks for more storage
    /// than the StatefulSet's claim template holds, and status does not already record that
    /// every claim of these `pods` was grown to it.
    public static func needsClaims(_ cluster: PostgresCluster, statefulSet: StatefulSet?, pods: [PodObservation]) -> Bool {
        guard let wanted = VolumePlan.wantedGrowth(ResolvedCluster(cluster), statefulSet: statefulSet) else { return false }
        let recorded = cluster.status?.volumes
        return !(recorded?.size == wanted.text && recorded?.podsHash == VolumePlan.podsHash(pods))
    }

    /// Events for a phase change: a Warning with the Degraded condition's reason, or Normal on
    /// becoming healthy.
    static func phaseEvents(from old: PostgresClusterStatus?, to new: PostgresClusterStatus) -> [ClusterEvent] {
        guard old?.phase != new.phase, let phase = new.phase else { return [] }
        switch phase {
        case .degraded:
            let degraded = new.conditions?.first { $0.type == StatusComputer.degraded }
            let reason = degraded.flatMap { Reason(rawValue: $0.reason) } ?? .instancesNotReady
            return [ClusterEvent(.warning, reason, degraded?.message ?? "degraded")]
        case .healthy:
            let reason: Reason = old?.phase == .degraded ? .recovered : old?.phase == .upgrading ? .rolloutComplete : .clusterReady
            return [ClusterEvent(.normal, reason, "\(new.readyInstances ?? 0) instances ready; primary \(new.primary ?? "none")")]
        default:
            return []
        }
    }
}
