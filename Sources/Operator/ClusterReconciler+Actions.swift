import ClusterModel
import KubeTypes
import PostgresHealth

extension ClusterReconciler {
    /// Runs the plan's SQL actions in order until one fails, and returns that failure (logged,
    /// and fed back to the planner). Nothing after a failed action runs: a later action may
    /// depend on it (a switchover promotes only after the old primary's writes are fenced), and
    /// the plan made with the failure must never contradict an action that already ran. An
    /// action on a pod the operator cannot reach fails with that reason.
    func run(_ actions: [InstanceAction], _ round: inout Round) async -> [ActionFailure] {
        let replication = ReplicationActions(pool: pool)
        for action in actions {
            do {
                try await run(action, replication, &round)
            } catch {
                round.logger.warning("action failed; the rest of the round's actions wait for the next round", metadata: [
                    "action": "\(action)", "error": "\(error)",
                ])
                let refused = (error as? PostgresError)?.code == .authenticationFailed
                return [ActionFailure(action: action, message: "\(error)", authenticationRefused: refused)]
            }
        }
        return []
    }

    private func run(_ action: InstanceAction, _ replication: ReplicationActions, _ round: inout Round) async throws {
        guard let settings = settings(for: action.pod, round) else {
            throw ActionError(message: "\(action.pod) has no address or the superuser Secret cannot be read")
        }
        switch action {
        case .ensureSlots(_, let replicas, let dropping):
            let changes = try await replication.ensureReplicationSlots(on: settings, replicaPods: replicas, gonePods: Set(dropping))
            if !changes.isEmpty {
                round.logger.info("replication slots", metadata: ["created": "\(changes.created)", "dropped": "\(changes.dropped)"])
            }
        case .streamFrom(let pod, let upstream, let user, let ssl):
            guard let host = upstreamAddress(upstream, round) else { throw ActionError(message: "\(upstream) has no address") }
            let desired = PrimaryConnInfo(
                host: host.host, port: host.port, user: user, podName: pod,
                passfile: options.replicationPassfile(round.resolved.namespace, pod), sslMode: ssl.rawValue,
                sslRootCertificate: ssl == .verifyFull ? options.replicaCertificateAuthority(round.resolved.namespace, pod) : nil)
            if try await replication.ensurePrimaryConnInfo(on: settings, desired) {
                round.logger.info("corrected primary_conninfo", metadata: ["pod": "\(pod)"])
            }
        case .checkpoint(let pod):
            _ = try await asMonitorElseSuperuser(pod, round, superuser: settings) { login in
                try await replication.checkpoint(on: login)
            }
        case .recreateSlot(_, let replica):
            try await replication.recreateSlot(on: settings, forPod: replica)
            round.logger.notice("recreated an invalidated replication slot", metadata: ["replica": "\(replica)"])
        case .promote(let pod):
            if try await PrimaryActions(pool: pool).promote(settings) {
                round.logger.notice("promoted", metadata: ["pod": "\(pod)"])
            }
        case .fenceWrites(let pod):
            let ended = try await PrimaryActions(pool: pool).fenceWrites(settings)
            round.logger.notice("fenced writes for a switchover", metadata: ["pod": "\(pod)", "sessionsEnded": "\(ended)"])
        case .unfenceWrites(let pod):
            try await PrimaryActions(pool: pool).unfenceWrites(settings)
            round.logger.notice("lifted a write fence", metadata: ["pod": "\(pod)"])
        case .setPassword(let pod, let role):
            guard let credentials = round.credentials[role] else { throw ActionError(message: "the \(role.rawValue) Secret cannot be read") }
            let user = round.user(role)
            try await PasswordActions(pool: pool).setPassword(user: user, password: PostgresPassword(credentials.password), on: settings)
            passwords.remember(credentials.password, role: role, cluster: round.key, uid: round.uid)
            if role == .superuser { round.superuserLogin = credentials.password }
            round.logger.notice("set a password from its Secret", metadata: ["pod": "\(pod)", "role": "\(role.rawValue)", "user": "\(user)"])
        case .writePassfile(let pod):
            guard let credentials = round.credentials[.replication] else { throw ActionError(message: "the replication Secret cannot be read") }
            guard let path = options.replicationPassfile(round.resolved.namespace, pod) else {
                throw ActionError(message: "no replication passfile is known for \(pod)")
            }
            try await PasswordActions(pool: pool).writePassfile(
                path, user: round.user(.replication), password: PostgresPassword(credentials.password), on: settings)
            round.logger.notice("wrote a standby's replication passfile from the replication Secret", metadata: ["pod": "\(pod)"])
        case .reloadConfiguration(let pod):
            let user = try await asMonitorElseSuperuser(pod, round, superuser: settings) { login in
                try await replication.reloadConfiguration(on: login)
            }
            round.logger.info("reloaded the configuration", metadata: ["pod": "\(pod)", "as": "\(user)"])
        case .setLimits(let pod, let values):
            try await replication.setLimits(values, on: settings)
            round.logger.notice("wrote standby limits with ALTER SYSTEM on the primary", metadata: [
                "pod": "\(pod)", "settings": "\(values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })",
            ])
        case .resetLimits(let pod, let names):
            try await replication.resetLimits(names, on: settings)
            round.logger.notice("reset ALTER SYSTEM settings", metadata: ["pod": "\(pod)", "settings": "\(names)"])
        case .ensureRoles(let pod):
            guard let replication = round.credentials[.replication], let app = round.credentials[.app] else {
                throw ActionError(message: "the replication or app Secret cannot be read")
            }
            let wanted = ClusterRoles(
                replicationUser: round.user(.replication),
                replicationPassword: PostgresPassword(replication.password),
                appOwner: round.user(.app), appPassword: PostgresPassword(app.password),
                database: round.resolved.database,
                monitorPassword: round.credentials[.monitor].map { PostgresPassword($0.password) })
            let changes = try await RoleActions(pool: pool).ensure(wanted, on: settings)
            if !changes.isEmpty {
                round.logger.notice("made missing roles or database", metadata: [
                    "pod": "\(pod)", "roles": "\(changes.createdRoles)", "database": "\(changes.createdDatabase ?? "-")",
                    "monitoringAccess": "\(changes.monitorSetUp ? "set up" : "in place")",
                ])
            }
        }
    }

    /// Runs an action the monitoring role is granted (``MonitoringAccess``: `pg_reload_conf()`,
    /// and `CHECKPOINT` from PostgreSQL 15 on) as that role; as the superuser where the role
    /// cannot (not set up yet, a server older than the grant) or its Secret is not known.
    /// Returns the user that ran it.
    @discardableResult
    func asMonitorElseSuperuser(_ pod: String, _ round: Round, superuser: ConnectionSettings,
                                _ body: (ConnectionSettings) async throws -> Void) async throws -> String {
        if let password = round.monitorLogin {
            var monitor = superuser
            monitor.user = ClusterDefaults.monitorUserName
            monitor.password = PostgresPassword(password)
            do {
                try await body(monitor)
                return monitor.user
            } catch let error as PostgresError where ClusterProber.monitorCannotProbe(error) {
                round.logger.debug("the monitoring role cannot run this action here; the superuser does", metadata: [
                    "pod": "\(pod)", "reason": "\(error)",
                ])
            }
        }
        try await body(superuser)
        return superuser.user
    }

    /// The superuser's connection settings for the instance in `pod`.
    func settings(for pod: String, _ round: Round) -> ConnectionSettings? {
        guard let password = round.superuserPassword, let address = round.addresses[pod] else { return nil }
        return address.settings(from: ConnectionSettings(
            host: address.host, port: address.port, user: ClusterDefaults.superuserName,
            password: PostgresPassword(password), applicationName: "ordinal", connectTimeout: options.probeTimeout))
    }

    /// Where replicas reach `pod` when they stream from it: its stable DNS name (or, with a fixed
    /// address table, its entry).
    func upstreamAddress(_ pod: String, _ round: Round) -> (host: String, port: Int)? {
        let names = round.resolved.names
        guard let ordinal = names.ordinal(ofPod: pod) else { return nil }
        if case .table(let lookup) = options.addressing { return lookup(round.resolved.namespace, pod) }
        return (names.podHost(ordinal), ClusterDefaults.port)
    }
}

/// Why the shell could not run an action at all.
struct ActionError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
