import KubeTypes

/// Computes the status the operator writes, from what it observed this round. Pure.
public enum StatusComputer {
    public struct Input: Sendable {
        public var cluster: ResolvedCluster
        public var previous: PostgresClusterStatus?
        /// Observations of the pods that exist, any ordinal.
        public var instances: [InstanceObservation]
        public var roles: RoleDecision
        public var rollout: RolloutPlanner.Decision?
        public var partition: Int?
        /// Problems with the spec; when present nothing else is done.
        public var specErrors: [FieldError]
        /// Seconds since the epoch.
        public var now: Double
        /// The cluster's system identifier after this round (recorded before, or now).
        public var systemIdentifier: String?
        /// Why no identifier can be recorded (the instances disagree), when so.
        public var identityConflict: String?
        /// Since when (seconds since the epoch) each replica in recovery has not streamed.
        public var notStreamingSince: [String: Double] = [:]
        /// Why probing did not run at all, when it did not.
        public var probeBlocked: String?
        /// PostgreSQL refuses the superuser login, and what to do.
        public var passwordProblem: String?
        /// `BackupHealthy` (``BackupPlan``): nil without `spec.backup`.
        var backupHealth: (Bool, Reason, String)?
        /// What the last confirmed volume resize covered.
        public var volumes: VolumesStatus?
        /// Rebuilds pending after this round.
        public var rebuilds: [RebuildRequest] = []
        /// What the primary reported (its replication slots, for each replica's entry).
        public var primaryReport: InstanceReport?
        /// Why a volume resize is not done, when the API server refused it.
        public var volumeProblem: String?
        /// The primary Ordinal holds and how it is changing.
        var primary: PrimaryPlan?

        public init(cluster: ResolvedCluster, previous: PostgresClusterStatus?, instances: [InstanceObservation], roles: RoleDecision,
                    rollout: RolloutPlanner.Decision? = nil, partition: Int? = nil, specErrors: [FieldError] = [], now: Double) {
            self.cluster = cluster
            self.previous = previous
            self.instances = instances
            self.roles = roles
            self.rollout = rollout
            self.partition = partition
            self.specErrors = specErrors
            self.now = now
        }
    }

    public static let ready = "Ready"
    public static let progressing = "Progressing"
    public static let degraded = "Degraded"
    /// With `spec.backup`: WAL archiving (and, later, backups) shown to work (``BackupPlan``).
    public static let backupHealthy = "BackupHealthy"

    public static func compute(_ input: Input) -> PostgresClusterStatus {
        let cluster = input.cluster
        var status = PostgresClusterStatus()
        status.observedGeneration = cluster.generation
        status.instances = cluster.instances
        status.partition = input.partition ?? input.previous?.partition
        status.stepStartedAt = input.rollout?.stepStartedAt.map { KubeTime.format($0) }
        let wasCreated = input.previous?.phase.map { $0 != .creating } ?? false
        status.systemIdentifier = input.systemIdentifier ?? input.previous?.systemIdentifier
        status.volumes = input.volumes
        status.rebuilds = input.rebuilds.isEmpty ? nil : input.rebuilds
        status.currentPrimary = input.primary?.held ?? input.previous?.currentPrimary
        status.primaryLostSince = input.primary?.lostSince.map { KubeTime.format($0) }
        status.primaryChange = input.primary?.change
        status.lastFailover = input.primary?.lastFailover ?? input.previous?.lastFailover
        status.lastSwitchover = input.primary?.lastSwitchover ?? input.previous?.lastSwitchover
        status.fenced = (input.primary?.fenced ?? []).isEmpty ? nil : input.primary?.fenced
        status.passwords = input.previous?.passwords

        if !input.specErrors.isEmpty {
            let message = "spec is invalid: " + input.specErrors.map(\.description).joined(separator: "; ")
            status.phase = .failed
            status.readyInstances = input.previous?.readyInstances
            status.primary = input.previous?.primary
            status.systemIdentifier = input.previous?.systemIdentifier
            status.volumes = input.previous?.volumes
            status.rebuilds = input.previous?.rebuilds
            status.primaryLostSince = input.previous?.primaryLostSince
            status.primaryChange = input.previous?.primaryChange
            status.fenced = input.previous?.fenced
            status.currentVersion = input.previous?.currentVersion
            status.instanceStatus = input.previous?.instanceStatus
            status.conditions = conditions(input, [
                (ready, false, .invalidSpec, message),
                (progressing, false, .invalidSpec, "nothing is changed until the spec is fixed"),
                (degraded, true, .invalidSpec, message),
            ])
            return status
        }

        let byOrdinal = Dictionary(input.instances.map { ($0.ordinal, $0) }, uniquingKeysWith: { first, _ in first })
        let names = cluster.names
        let home = names.pod(0)
        let held = status.currentPrimary ?? home
        // Ready asks that replicas stream, not that they have caught up: lag under a write burst is
        // normal and is reported per instance; only a rollout step waits for it.
        let problems = (0..<cluster.instances).compactMap { ordinal in
            InstanceHealth.problem(byOrdinal[ordinal], ordinal: ordinal, podName: names.pod(ordinal), revision: nil,
                                   version: nil, maxLagBytes: .max, isPrimary: names.pod(ordinal) == held)
        }
        status.readyInstances = (0..<cluster.instances).filter { ordinal in
            byOrdinal[ordinal].map { $0.isPodReady && $0.database != nil } ?? false
        }.count
        status.primary = input.roles.primary
        let instances = input.instances.sorted { $0.ordinal < $1.ordinal }
        status.instanceStatus = instances.map { instance in
            let slot = instance.podName == input.roles.primary ? nil : input.primaryReport?.slot(forPod: instance.podName)
            var entry = InstanceStatus(
                name: instance.podName,
                role: instance.podName == input.roles.primary ? "primary" : instance.database?.isInRecovery == true ? "replica" : "unknown",
                ready: instance.isPodReady && instance.database != nil,
                version: instance.database.map { $0.version.description },
                lagBytes: instance.database?.isInRecovery == true ? instance.database?.lagBytes : nil,
                message: instance.database == nil ? instance.unreachableReason : instance.identityProblem,
                slotWALStatus: slot?.walStatus, retainedWALBytes: slot?.retainedBytes,
                systemIdentifier: instance.identityProblem == nil ? nil : instance.database?.systemIdentifier,
                notStreamingSince: input.notStreamingSince[instance.podName].map { KubeTime.format($0) },
                walPosition: instance.database?.walPosition.map(WALPosition.text)
                    ?? input.previous?.instanceStatus?.first { $0.name == instance.podName }?.walPosition)
            entry.pendingRestart = instance.database?.pendingRestart == true ? true : nil
            return entry
        }
        let versions = Set(input.instances.compactMap { $0.database?.version.description })
        status.currentVersion = versions.count == 1 ? versions.first : input.previous?.currentVersion
        let rollingOut = input.rollout?.isRollingOut ?? false
        if rollingOut, status.currentVersion != cluster.postgresVersion {
            status.targetVersion = cluster.postgresVersion
        }

        let isReady = problems.isEmpty && input.roles.primary == held
        let readyMessage: String
        let readyReason: Reason
        let foreign = instances.compactMap(\.identityProblem)
        // A pod script that stopped with a reason of its own (docs/pod-contract.md) says it best.
        let fromPod = instances.lazy.compactMap { instance -> (Reason, String)? in
            guard let message = instance.unreachableReason, let reason = Reason(terminationMessage: message) else { return nil }
            return (reason, message)
        }.first
        if let blocked = input.probeBlocked {
            readyReason = .probesBlocked
            readyMessage = "Ordinal cannot probe PostgreSQL (\(blocked)); role labels are left as they are until it can"
        } else if let refused = input.passwordProblem {
            readyReason = .superuserPasswordRefused
            readyMessage = refused + "; role labels are left as they are until Ordinal can log in"
        } else if let conflict = input.identityConflict {
            readyReason = .identityConflict
            readyMessage = conflict
        } else if let change = input.primary?.change {
            readyReason = .changingPrimary
            readyMessage = "\(change.kind.rawValue.lowercased()) from \(change.from) to \(change.to) under way (\(change.phase?.rawValue ?? "starting")): \(change.reason)"
                + (input.primary?.waiting.map { "; \($0)" } ?? "")
        } else if let (reason, message) = fromPod {
            readyReason = reason
            readyMessage = message + (input.primary?.waiting.map { " (\($0))" } ?? "")
        } else if let waiting = input.primary?.waiting {
            readyReason = .primaryLost
            readyMessage = waiting
        } else if input.roles.isSplitBrain {
            readyReason = .splitBrain
            readyMessage = input.roles.message
        } else if input.roles.primary == nil, let first = foreign.first {
            readyReason = .foreignInstance
            readyMessage = first + "; no instance with the cluster's data accepts writes"
        } else if input.roles.primary == nil {
            readyReason = .noPrimary
            readyMessage = input.roles.message
        } else if let problem = problems.first {
            readyReason = .instancesNotReady
            readyMessage = problem
        } else if input.roles.primary != held {
            readyReason = .unexpectedPrimary
            readyMessage = "\(input.roles.primary ?? "") reports as primary; Ordinal holds \(held)"
        } else if held != (input.primary?.wantedHome.pod ?? home) {
            readyReason = .primaryAwayFromHome
            let wanted: (pod: String, asked: Bool) = input.primary?.wantedHome ?? (home, false)
            readyMessage = "\(cluster.instances) of \(cluster.instances) instances ready; \(held) is primary (away from \(wanted.pod)"
                + (cluster.returnHome == .automatic || wanted.asked ? ", moving once it is a caught-up replica)" : ", returnHome is Manual)")
        } else {
            readyReason = .clusterHealthy
            readyMessage = "\(cluster.instances) of \(cluster.instances) instances ready; \(held) is primary and every replica streams"
        }

        var progressingState: (Bool, Reason, String) = (false, .stable, "no change under way")
        if let rollout = input.rollout, rollout.isRollingOut {
            switch rollout.action {
            case .hold: progressingState = (true, .rolloutHeld, rollout.message)
            case .stuck: progressingState = (false, .rolloutStuck, rollout.message)
            default: progressingState = (true, .rollingUpdate, rollout.message + " (partition \(rollout.partition))")
            }
        } else if let problem = input.volumeProblem {
            progressingState = (false, .volumeResizeFailed, problem)
        } else if !wasCreated && !isReady {
            progressingState = (true, .creating, readyMessage)
        } else if input.instances.count != cluster.instances {
            progressingState = (true, .scaling, "\(input.instances.count) pods exist, \(cluster.instances) wanted")
        }

        if input.primary?.change != nil, !rollingOut {
            progressingState = (true, .changingPrimary, readyMessage)
        }

        var degradedState: (Bool, Reason, String) = (false, .asExpected, "nothing needs attention")
        if input.identityConflict != nil || input.roles.isSplitBrain {
            degradedState = (true, readyReason, readyMessage)
        } else if !foreign.isEmpty {
            degradedState = (true, .foreignInstance, foreign.joined(separator: "; "))
        } else if input.rollout?.action == .stuck, let rollout = input.rollout {
            degradedState = (true, .rolloutStuck, "\(rollout.pod ?? "a pod"): \(rollout.message); the partition stays at \(rollout.partition), so pods below it keep the old version. Fix the cause, or set the previous version back to roll back")
        } else if wasCreated && !isReady && !rollingOut {
            degradedState = (true, readyReason, readyMessage)
        } else if let problem = input.volumeProblem {
            degradedState = (true, .volumeResizeFailed, problem)
        }

        if degradedState.0 {
            status.phase = .degraded
        } else if rollingOut {
            status.phase = .upgrading
        } else if isReady {
            status.phase = .healthy
        } else {
            status.phase = wasCreated ? .degraded : .creating
        }
        status.conditions = conditions(input, [
            (ready, isReady, readyReason, readyMessage),
            (progressing, progressingState.0, progressingState.1, progressingState.2),
            (degraded, degradedState.0, degradedState.1, degradedState.2),
        ] + (input.backupHealth.map { [(BackupPlan.condition, $0.0, $0.1, $0.2)] } ?? []))
        return status
    }

    /// The longest condition message written: the API server refuses more than 32768 bytes, and a
    /// status it refuses is a hot loop of failed writes.
    static let messageLimit = 4_096

    /// `message`, cut to ``messageLimit`` bytes at a character boundary.
    static func bounded(_ message: String) -> String {
        guard message.utf8.count > messageLimit else { return message }
        var cut = ""
        for character in message {
            if cut.utf8.count + character.utf8.count > messageLimit - 20 { break }
            cut.append(character)
        }
        return cut + " ... (cut)"
    }

    /// Conditions that keep their `lastTransitionTime` while their status does not change.
    static func conditions(_ input: Input, _ wanted: [(String, Bool, Reason, String)]) -> [Condition] {
        wanted.map { type, isTrue, reason, message in
            let statusText = isTrue ? "True" : "False"
            let previous = input.previous?.conditions?.first { $0.type == type }
            let since = previous?.status == statusText ? previous?.lastTransitionTime : nil
            return Condition(
                type: type, status: statusText, reason: reason.rawValue, message: bounded(message),
                observedGeneration: input.cluster.generation,
                lastTransitionTime: since ?? KubeTime.format(input.now))
        }
    }
}
