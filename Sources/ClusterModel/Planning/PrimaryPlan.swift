import KubeTypes

/// Which pod is the primary, and how it changes: failover when it is lost, the switchover home
/// to pod 0, fencing of any other server that accepts writes. Pure.
///
/// Ordinal *holds* one pod as primary (`status.currentPrimary`): the first primary it saw, then
/// only a pod it promoted. Only the held pod is labelled primary, and only while PostgreSQL
/// confirms it accepts writes. Any other server that accepts writes is fenced: unlabelled and
/// restarted, so its bootstrap makes it a standby of the held primary (the ConfigMap says which).
///
/// - **Failover.** The held primary is lost when its pod is gone, cannot start (its bootstrap
///   failed), or is not Ready while its PostgreSQL cannot be reached; or when it is in recovery
///   and nothing accepts writes. Once lost for `spec.failover.delaySeconds`, and while a majority
///   of the other instances can be probed, the replica that has received the most WAL is
///   promoted (ties: the lowest ordinal). The decision and its evidence go into status.
/// - **Switchover** (the way home): while the held primary is not pod 0 and pod 0 is a
///   streaming, caught-up replica, with `returnHome: Automatic` and no upgrade hold:
///   CHECKPOINT; then fence the old primary's writes (unlabel it, new transactions read-only,
///   client sessions ended); once pod 0 has replayed everything the old primary wrote, promote
///   it; the old primary is then fenced by a restart and rejoins as a standby.
struct PrimaryPlan {
    /// The pod held as primary after this round (`status.currentPrimary`).
    var held: String?
    /// The roles labels and replication follow: the held pod when it is confirmed, else none.
    var roles: RoleDecision
    /// A change under way after this round.
    var change: PrimaryChange?
    var lastFailover: PrimaryChange?
    var lastSwitchover: PrimaryChange?
    /// Since when the held primary has been lost.
    var lostSince: Double?
    /// What a failover waits for, when it waits.
    var waiting: String?
    var actions: [InstanceAction] = []
    /// Pods to restart so their bootstrap demotes them (fenced writers).
    var podsToFence: [String] = []
    /// Pods fenced, and the pod uid each was fenced for.
    var fenced: [FenceRequest] = []
    var events: [ClusterEvent] = []
    /// Look again almost at once (a change of primary is under way).
    var isChanging = false
    /// Why the switchover home (or to the annotated pod) does not start although its target is
    /// a healthy, caught-up replica.
    var homeHeldBack: String?

    private let resolved: ResolvedCluster
    private let instances: InstanceSet
    private let previous: PostgresClusterStatus?
    private let now: Double
    private let failures: [ActionFailure]
    private let probeBlocked: String?
    private let writers: [String]
    private let pods: [String: PodObservation]
    /// The `ordinal.dev/primary` annotation.
    private let annotation: String?
    /// A rollout is walking the partition (the StatefulSet's revisions differ).
    private let rollingOut: Bool

    init(resolved: ResolvedCluster, instances: InstanceSet, observation: ClusterObservation, rebuildsPending: Bool) {
        annotation = observation.cluster.metadata.annotations?[ClusterLabels.primaryAnnotation]
        let revisions = observation.statefulSet?.status
        rollingOut = revisions?.updateRevision != nil && revisions?.currentRevision != revisions?.updateRevision
        self.resolved = resolved
        self.instances = instances
        previous = observation.cluster.status
        now = observation.now
        failures = observation.failures
        probeBlocked = observation.probeBlocked
        pods = Dictionary(instances.pods.map { ($0.pod.name, $0.pod) }, uniquingKeysWith: { first, _ in first })
        let raw = RoleDecision(deciding: instances.trustedReports)
        writers = instances.trustedReports.filter(\.isPrimary).map(\.podName)
        roles = raw
        lastFailover = previous?.lastFailover
        lastSwitchover = previous?.lastSwitchover
        change = previous?.primaryChange
        // Recorded; else the primary an older status named; else the one primary PostgreSQL reports.
        held = previous?.currentPrimary ?? previous?.primary ?? (raw.outcome == .onePrimary ? raw.primary : nil)
        guard let start = held else { return }  // nothing has been primary yet
        decide(from: start, rebuildsPending: rebuildsPending)
    }

    // MARK: - The round

    private mutating func decide(from start: String, rebuildsPending: Bool) {
        var current = start
        if let change, change.kind == .failover || change.phase == .promoting {
            current = change.to
            let others = writableOthers(than: change.to)
            if writers.contains(change.to) {
                finish(change, outcome: "Completed")
            } else if instances.report(change.to)?.database?.isInRecovery != true {
                // Not reachable as a standby: handled below (lost in turn, or wait).
            } else if others.isEmpty {
                promote(change.to, because: change.reason)
            } else if change.kind == .failover, others == [change.from] {
                // The lost primary is back before the promotion: it holds the most data.
                finish(change, outcome: "called off: \(change.from) accepts writes again")
                current = change.from
            } else {
                roles = RoleDecision(primary: nil, replicas: roles.replicas, outcome: .splitBrain,
                                     message: "\(others.joined(separator: ", ")) accept(s) writes: \(change.to) is not promoted meanwhile")
                waiting = roles.message
                isChanging = true
            }
        }
        if let change, change.kind == .switchover, change.phase != .promoting {
            guard writers.contains(current) else {
                finish(change, outcome: "called off: \(current) stopped accepting writes before \(change.to) took over")
                decideWithout(current)
                return
            }
            progressSwitchover(change, from: current)
            held = self.change?.phase == .promoting ? self.change?.to : current
            if self.change == nil {
                fenceOthers(than: current)
            } else {
                fenced = (previous?.fenced ?? []).filter { writers.contains($0.pod) }
            }
            return
        }
        held = current
        if writers.contains(current) {
            confirmed(current, rebuildsPending: rebuildsPending)
        } else if change == nil {
            decideWithout(current)
        } else if let change, let lost = lostEvidence(current), instances.report(current)?.database == nil {
            // The pod being promoted was lost in turn: choose again.
            finish(change, outcome: "called off: \(lost)")
            decideWithout(current)
        } else {
            roles = RoleDecision(primary: nil, replicas: roles.replicas, outcome: .noPrimary,
                                 message: "\(current) is being promoted; no pod is labelled primary until it accepts writes")
        }
    }

    /// The held primary accepts writes: label it, fence any other writer, lift a fence left on
    /// it, and maybe start the way home.
    private mutating func confirmed(_ primary: String, rebuildsPending: Bool) {
        roles = RoleDecision(
            primary: primary, replicas: roles.replicas, outcome: .onePrimary,
            message: "\(primary) is the primary with \(roles.replicas.count) replica(s)")
        lostSince = nil
        fenceOthers(than: primary)
        guard change == nil, !failures.contains(where: { $0.action == .checkpoint(pod: primary) }) else { return }
        if instances.report(primary)?.database?.isReadOnlyByDefault == true,
            resolved.parameters["default_transaction_read_only"] == nil
        {
            actions.append(.unfenceWrites(pod: primary))
        }
        if let target = homeTarget(from: primary, rebuildsPending: rebuildsPending) {
            if let above = limitsAboveOthers(target) {
                // Promoted, it would run a setting higher than a standby that then follows it,
                // and that standby would stop replaying (a walk lowering it is half-way).
                homeHeldBack = "not switching over to \(target): it runs \(above), and a standby must run at least its primary's values"
                return
            }
            let why = rollingOut ? "a rollout needs the primary at \(target)"
                : wantedHome.asked ? "the \(ClusterLabels.primaryAnnotation) annotation asks for \(target)"
                : "the primary returns home"
            let started = PrimaryChange(
                kind: .switchover, from: primary, to: target,
                reason: "\(target) is a healthy, caught-up replica and \(why)", startedAt: KubeTime.format(now))
            change = started
            actions.append(.checkpoint(pod: primary))
            events.append(ClusterEvent(.normal, .switchoverStarted, "switching over from \(primary) to \(target): \(started.reason)"))
            isChanging = true
        }
    }

    /// The pod the primary belongs on: pod 0 while a rollout walks (the partition takes the
    /// highest ordinals first), else the pod the `ordinal.dev/primary` annotation names (when it
    /// is one of the cluster's instances), else pod 0.
    var wantedHome: (pod: String, asked: Bool) {
        let names = resolved.names
        if !rollingOut, let asked = annotation, names.isInstance(asked, of: resolved.instances) {
            return (asked, true)
        }
        return (names.pod(0), rollingOut)
    }

    /// The pod to switch over to, when the primary should go there now: asked for (the
    /// annotation, or a rollout that needs the primary at pod 0), or coming home with
    /// `returnHome: Automatic` and no upgrade hold.
    private func homeTarget(from primary: String, rebuildsPending: Bool) -> String? {
        let (home, asked) = wantedHome
        let automatic = resolved.returnHome == .automatic && !resolved.upgradePaused && !resolved.holdBeforePrimary
        guard primary != home, asked || automatic,
            !rebuildsPending, pods[primary]?.isReady == true, pods[home]?.isReady == true,
            let report = instances.report(home), instances.identity.problem(report) == nil, let database = report.database,
            database.isInRecovery, database.isStreaming, let lag = database.lagBytes, lag <= resolved.maxLagBytes
        else { return nil }
        return home
    }

    /// The first of ``StandbyLimits`` `target` runs higher than another reachable instance
    /// (each of which would follow it as a standby), described; `nil` when none.
    private func limitsAboveOthers(_ target: String) -> String? {
        guard let own = instances.report(target)?.database?.limits else { return nil }
        for name in StandbyLimits.names {
            // What it may run as the primary (now or after a restart) against what each
            // other instance may run as its standby.
            guard let value = own[name]?.highest else { continue }
            for report in instances.trustedReports where report.podName != target {
                if let other = report.database?.limits[name]?.lowest, other < value {
                    return "\(name)=\(value), above \(report.podName)'s \(other)"
                }
            }
        }
        return nil
    }

    /// A switchover that has begun: CHECKPOINT done → fence; fenced → wait for the target to
    /// replay everything → promote; too long → call it off and lift the fence.
    private mutating func progressSwitchover(_ started: PrimaryChange, from primary: String) {
        var change = started
        isChanging = true
        roles = RoleDecision(primary: nil, replicas: roles.replicas, outcome: .noPrimary,
                             message: "switching over from \(primary) to \(change.to); no pod is labelled primary meanwhile")
        let elapsed = now - (KubeTime.parse(change.startedAt) ?? now)
        if change.phase == nil {
            // The CHECKPOINT ran last round: from here on the primary takes no new writes.
            change.phase = .fencing
            self.change = change
            actions.append(.fenceWrites(pod: primary))
            return
        }
        let fenceFailed = failures.contains { $0.action == .fenceWrites(pod: primary) }
        let target = instances.report(change.to)?.database
        let source = instances.report(primary)?.database
        if fenceFailed || elapsed > ClusterDefaults.switchoverTimeoutSeconds || target?.isInRecovery != true {
            let why = fenceFailed ? "fencing \(primary) failed"
                : target?.isInRecovery != true ? "\(change.to) is no longer a replica that can be reached"
                : "\(change.to) did not replay all of \(primary)'s WAL within \(Int(ClusterDefaults.switchoverTimeoutSeconds)) s"
            finish(change, outcome: "called off: \(why)")
            actions.append(.unfenceWrites(pod: primary))
            confirmedAfterCalloff(primary)
            return
        }
        actions.append(.fenceWrites(pod: primary))  // idempotent: sessions opened meanwhile end too
        guard source?.isReadOnlyByDefault == true, let written = source?.walPosition, let replayed = target?.replayPosition,
            replayed >= written, writableOthers(than: change.to).isEmpty
        else { return }
        change.phase = .promoting
        self.change = change
        held = change.to
        events.append(ClusterEvent(
            .normal, .switchoverPromoting,
            "\(change.to) replayed all \(primary) wrote (\(WALPosition.text(written))); promoting it"))
        actions.append(.promote(pod: change.to))
    }

    private mutating func confirmedAfterCalloff(_ primary: String) {
        change = nil
        isChanging = false
        roles = RoleDecision(primary: primary, replicas: roles.replicas, outcome: .onePrimary, message: "\(primary) is the primary")
    }

    /// The held primary does not accept writes: wait, or fail over when it is lost for long enough.
    private mutating func decideWithout(_ primary: String) {
        roles = RoleDecision(primary: nil, replicas: roles.replicas, outcome: roles.outcome == .onePrimary ? .noPrimary : roles.outcome,
                             message: "\(primary), the primary Ordinal holds, does not accept writes")
        guard probeBlocked == nil, let lost = lostEvidence(primary) else {
            let others = writers.filter { $0 != primary }
            if !others.isEmpty {
                roles.message = "\(others.joined(separator: ", ")) accept(s) writes but Ordinal holds \(primary) as primary, which is not lost; nothing is labelled primary"
                roles.outcome = .splitBrain
            }
            return
        }
        let since = min(previous?.primaryLostSince.flatMap(KubeTime.parse) ?? now, now)
        lostSince = since
        isChanging = true
        let waited = now - since
        let delay = Double(resolved.failoverDelaySeconds)
        guard waited >= delay else {
            waiting = "\(lost); failing over in \(Int((delay - waited).rounded(.up))) s unless it returns"
            return
        }
        let others = writers.filter { $0 != primary }
        if others.count == 1, let adopted = others.first {
            // Promoted outside Ordinal (or by an operator that stopped before recording it).
            var record = PrimaryChange(
                kind: .failover, from: primary, to: adopted,
                reason: "\(lost); \(adopted) already accepts writes: Ordinal holds it as primary", startedAt: KubeTime.format(now))
            record.completedAt = record.startedAt
            record.outcome = "Completed"
            lastFailover = record
            held = adopted
            lostSince = nil
            events.append(ClusterEvent(.warning, .failoverComplete, record.reason))
            confirmed(adopted, rebuildsPending: true)
            return
        }
        guard others.isEmpty else {
            waiting = "\(lost); \(others.joined(separator: ", ")) accept writes: no replica is promoted while more than one server does"
            return
        }
        failover(from: primary, because: lost)
    }

    /// Why the pod `primary` counts as lost, or `nil` while it may come back by itself.
    private func lostEvidence(_ primary: String) -> String? {
        guard let pod = pods[primary] else { return "\(primary) does not exist" }
        if let failure = pod.bootstrapFailure { return "\(primary) cannot start (\(failure))" }
        if let report = instances.report(primary), let problem = instances.identity.problem(report) {
            return problem
        }
        if let database = instances.report(primary)?.database {
            // Reachable: lost only when it is in recovery and nothing accepts writes.
            return database.isInRecovery && writers.isEmpty ? "\(primary) is in recovery and no instance accepts writes" : nil
        }
        guard !pod.isReady else { return nil }
        let why = instances.report(primary)?.failure ?? "not probed"
        return "\(primary) is not Ready and its PostgreSQL cannot be reached (\(why))"
    }

    /// Chooses and promotes the replica that received the most WAL, when enough is seen.
    private mutating func failover(from primary: String, because lost: String) {
        let candidates = instances.trustedReports.filter { report in
            guard let database = report.database, database.isInRecovery, database.reach != nil else { return false }
            return pods[report.podName]?.isReady == true || report.podName == primary
        }
        let others = Set(instances.podNames).subtracting([primary]).count
        let expected = max(resolved.instances - 1, others)
        // Synchronous (ANY n): every acknowledged commit is on n standbys, so among any
        // expected - n + 1 of them one has it all, and the most advanced of them is that one.
        // Asynchronous: a majority, so the most advanced is rarely one Ordinal cannot see.
        let needed = resolved.synchronousStandbys.map { max(1, expected - $0 + 1) } ?? (expected / 2 + 1)
        guard expected > 0 else {
            waiting = "\(lost); there is no replica to promote"
            return
        }
        guard candidates.count >= needed else {
            let seen = candidates.map(\.podName).joined(separator: ", ")
            let why = resolved.synchronousStandbys == nil ? "to choose the most advanced" : "for one of them to hold every acknowledged commit"
            waiting = "\(lost); \(needed) of \(expected) replicas must be seen \(why), \(candidates.count) are (\(seen.isEmpty ? "none" : seen)): waiting"
            return
        }
        let names = instances.names
        let ordinal = { (pod: String) in names.ordinal(ofPod: pod) ?? Int.max }
        guard let chosen = candidates.max(by: { left, right in
            let (a, b) = (left.database?.reach ?? 0, right.database?.reach ?? 0)
            return a != b ? a < b : ordinal(left.podName) > ordinal(right.podName)
        }) else { return }
        var record = PrimaryChange(kind: .failover, from: primary, to: chosen.podName, reason: lost, startedAt: KubeTime.format(now))
        record.candidates = candidates.map { report in
            CandidatePosition(
                pod: report.podName, receivedPosition: report.database?.walPosition.map(WALPosition.text),
                replayedPosition: report.database?.replayPosition.map(WALPosition.text))
        }
        let last = previous?.instanceStatus?.first { $0.name == primary }?.walPosition
        record.oldPrimaryPosition = last
        // A lower bound, recorded only when it says something: at or below the replica's reach it
        // would read as "nothing lost", yet the old primary may have written more after that probe.
        if let last = last.flatMap(WALPosition.parse), let reach = chosen.database?.reach, last > reach {
            record.bytesMayBeLost = last - reach
        }
        change = record
        held = chosen.podName
        lostSince = nil
        waiting = nil
        let loss = record.bytesMayBeLost.map { "at least \($0) bytes written on \(primary) may be lost" } ?? "what \(primary) wrote after its last probe may be lost"
        events.append(ClusterEvent(
            .warning, .failoverStarted,
            "\(lost): promoting \(chosen.podName), which received the most WAL (\(chosen.database?.reach.map(WALPosition.text) ?? "?")) of \(candidates.count) candidate(s); \(loss)"))
        promote(chosen.podName, because: lost)
    }

    private mutating func promote(_ pod: String, because reason: String) {
        isChanging = true
        roles = RoleDecision(primary: nil, replicas: roles.replicas.filter { $0 != pod }, outcome: .noPrimary,
                             message: "promoting \(pod) (\(reason)); no pod is labelled primary until it accepts writes")
        if let failure = failures.first(where: { $0.action == .promote(pod: pod) }) {
            waiting = "promoting \(pod) failed: \(failure.message); retrying"
            return
        }
        if !actions.contains(.promote(pod: pod)) { actions.append(.promote(pod: pod)) }
    }

    /// Servers other than `pod` that accept writes and are not fenced read-only.
    private func writableOthers(than pod: String) -> [String] {
        writers.filter { $0 != pod && instances.report($0)?.database?.isReadOnlyByDefault != true }
    }

    /// Records a change as ended.
    private mutating func finish(_ ended: PrimaryChange, outcome: String) {
        var record = ended
        record.completedAt = KubeTime.format(now)
        record.outcome = outcome
        switch ended.kind {
        case .failover:
            lastFailover = record
            events.append(ClusterEvent(.normal, .failoverComplete, "\(ended.to) accepts writes and is the primary (was \(ended.from))"))
        case .switchover:
            lastSwitchover = record
            let completed = outcome == "Completed"
            events.append(ClusterEvent(
                completed ? .normal : .warning, completed ? .switchoverComplete : .switchoverCalledOff,
                completed ? "\(ended.to) accepts writes and is the primary (was \(ended.from))" : "switchover to \(ended.to) \(outcome)"))
        }
        change = nil
    }

    /// Every server other than `primary` that accepts writes loses its label (the label plan)
    /// and is restarted once per pod, so its bootstrap makes it a standby of `primary`.
    private mutating func fenceOthers(than primary: String) {
        let before = Dictionary((previous?.fenced ?? []).map { ($0.pod, $0) }, uniquingKeysWith: { first, _ in first })
        for writer in writers where writer != primary {
            guard let pod = pods[writer] else { continue }
            let token = pod.uid ?? "pod-\(writer)"
            if let done = before[writer], done.token == token {
                fenced.append(done)  // restarted for this already: wait for it
                continue
            }
            fenced.append(FenceRequest(
                pod: writer, token: token, reason: "accepts writes while \(primary) is the primary", requestedAt: KubeTime.format(now)))
            podsToFence.append(writer)
            events.append(ClusterEvent(
                .warning, .fenced,
                "\(writer) accepts writes but \(primary) is the primary: restarted to rejoin as its standby (writes it took that \(primary) lacks are rewound away)"))
        }
        // Kept only while the pod it was made for still accepts writes.
        fenced = fenced.filter { request in writers.contains(request.pod) }
    }

    /// The ConfigMap's `primary` value: `<pod> <host> <port>` of the held primary when it is not
    /// pod 0 (pods start as its standbys); `nil` at home.
    var configText: String? {
        guard let held, let ordinal = resolved.names.ordinal(ofPod: held), ordinal != 0 else { return nil }
        return "\(held) \(resolved.names.podHost(ordinal)) \(ClusterDefaults.port)\n"
    }
}

/// A WAL position as PostgreSQL writes it (`16/B374D848`: the high and low 32 bits in hex).
public enum WALPosition {
    /// `X/X` text of a position.
    public static func text(_ position: Int64) -> String {
        let value = UInt64(bitPattern: position)
        return String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// The position of `X/X` text, or `nil` when it is not one.
    public static func parse(_ text: String) -> Int64? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16),
            high <= 0xFFFF_FFFF, low <= 0xFFFF_FFFF
        else { return nil }
        return Int64(bitPattern: high << 32 | low)
    }
}
