/// The passwords part of a plan: PostgreSQL follows the Secrets.
///
/// - A Secret whose `resourceVersion` is not the one recorded in `status.passwords` (edited,
///   made again, or never set by Ordinal), or whose password was set on another primary than
///   today's (a promoted replica may not have replayed the change), has its password set on the
///   confirmed primary (`ALTER ROLE ... PASSWORD` with a SCRAM verifier the operator computes).
/// - Every standby's replication passfile follows the replication Secret: the probe reports a
///   digest of the file, and a standby whose digest differs has it written again, after the
///   replication password itself is set (so a reconnecting standby never holds a password
///   PostgreSQL does not know yet, except for the moment between the two).
/// - The generated app Secret's derived keys (`uri`, `jdbc-uri`, `pgpass`) follow its password
///   (first; the app password is set in the round after, from the Secret's version that says both).
/// - When PostgreSQL refuses the superuser Secret's password, status says what to do.
/// - The monitoring role's password is Ordinal's own (its Secret is always generated): when
///   the primary refuses it, it is set again from the Secret.
///
/// Nothing is set while a change of primary is under way (a fenced primary is read-only), on
/// a server in recovery, or on one the planner does not hold as primary.
struct PasswordPlan {
    var actions: [InstanceAction] = []
    var passfileActions: [InstanceAction] = []
    /// `status.passwords` after this round.
    var status: PasswordsStatus?
    var events: [ClusterEvent] = []
    /// The generated app Secret whose derived keys must be written again.
    var appSecretToRefresh: String?
    /// Why probing cannot log in, with what to do, when the superuser password is refused.
    var problem: String?

    /// Roles in the order their passwords are set: the superuser last, so the connection that
    /// sets the others still logs in with the password PostgreSQL held at the round's start.
    static let order: [SecretRole] = [.replication, .app, .monitor, .superuser]

    init(resolved: ResolvedCluster, observation: ClusterObservation, instances: InstanceSet, roles: RoleDecision,
         changingPrimary: Bool) {
        let previous = observation.cluster.status?.passwords
        status = previous
        let secretName = { (role: SecretRole) in SecretBuilder.secretName(resolved, role: role) }
        if SecretBuilder.isGenerated(resolved, role: .app), observation.appSecretKeysStale, case .present(_, true)? = observation.secrets[.app] {
            appSecretToRefresh = secretName(.app)
        }

        problem = Self.refusal(resolved: resolved, observation: observation, instances: instances, previous: previous,
                               secret: secretName(.superuser))

        guard let primary = roles.primary, !changingPrimary,
              let report = instances.report(primary), report.isPrimary else { return }
        // A failure fed back may belong to an action that came before one of these; what ran is
        // not known for sure, so nothing new is recorded this round (setting a password again is harmless).
        let record = observation.failures.isEmpty
        var next = previous ?? PasswordsStatus()
        for role in Self.order {
            guard case .present(_, true)? = observation.secrets[role], let version = observation.secretVersions[role] else { continue }
            // Refreshing the derived keys makes a new version: the password is set from that one, next round.
            if role == .app && appSecretToRefresh != nil { continue }
            let applied = previous?[role]
            // The monitoring role is Ordinal's alone: a password PostgreSQL refuses is set again from its Secret.
            let refused = role == .monitor && report.monitorRefused && applied != nil
            guard applied?.secretVersion != version || applied?.primary != primary || refused else { continue }
            actions.append(.setPassword(pod: primary, role: role))
            if record { next[role] = AppliedPassword(secretVersion: version, primary: primary) }
            let why = applied == nil ? "set from" : applied?.secretVersion != version ? "changed to follow"
                : refused ? "refused by PostgreSQL, and set again from" : "set again on the new primary from"
            events.append(ClusterEvent(.normal, .passwordSet, "the \(role.rawValue) password was \(why) Secret \(secretName(role)) on \(primary)"))
        }
        if record, next != (previous ?? PasswordsStatus()) { status = next }

        // Standbys' passfiles, once the replication password they hold is the one PostgreSQL has
        // (set before this round, or by an action of this round that runs first).
        let replicationVersion = observation.secretVersions[.replication]
        let replicationSet = replicationVersion != nil
            && (previous?.replication?.secretVersion == replicationVersion || actions.contains(.setPassword(pod: primary, role: .replication)))
        guard replicationSet, let expected = observation.expectedPassfileDigest else { return }
        for replica in roles.replicas {
            guard let digest = instances.report(replica)?.database?.passfileDigest, digest != expected else { continue }
            passfileActions.append(.writePassfile(pod: replica))
        }
    }

    /// What to tell the user when PostgreSQL refuses the superuser password: an action (every
    /// one logs in as the superuser) was refused the login, or every instance reached refused
    /// both the monitoring role and the superuser, so Ordinal has no way in.
    static func refusal(resolved: ResolvedCluster, observation: ClusterObservation, instances: InstanceSet,
                        previous: PasswordsStatus?, secret: String) -> String? {
        let attempted = observation.reports.filter { $0.failure != nil || $0.database != nil }
        let probesRefused = !attempted.isEmpty && attempted.allSatisfy(\.authenticationRefused)
        guard probesRefused || observation.failures.contains(where: \.authenticationRefused) else { return nil }
        let namespace = resolved.namespace
        let pod = observation.cluster.status?.currentPrimary ?? resolved.names.pod(0)
        let changed = observation.secretVersions[.superuser] != previous?.superuser?.secretVersion && previous?.superuser != nil
        let why = changed
            ? "Secret \(secret) changed (or was made again) after Ordinal last set the superuser password, and Ordinal no longer knows the one PostgreSQL holds"
            : "the superuser password in Secret \(secret) is not the one PostgreSQL holds"
        return "PostgreSQL refuses the superuser login: \(why). Put the password PostgreSQL holds back into the Secret, "
            + "or set the Secret's password in PostgreSQL from inside the primary's pod: "
            + "kubectl exec -it -n \(namespace) \(pod) -c postgres -- psql -U \(ClusterDefaults.superuserName) -c '\\password \(ClusterDefaults.superuserName)' "
            + "(type the password that kubectl get secret -n \(namespace) \(secret) -o jsonpath='{.data.password}' | base64 -d prints)"
    }
}
