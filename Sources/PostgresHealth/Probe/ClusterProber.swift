import Logging

/// Probes the instances of a cluster: concurrently, through a shared ``ConnectionPool``,
/// within one total deadline.
///
/// ```swift
/// let prober = ClusterProber(pool: pool,
///     monitor: ConnectionSettings(host: "", user: "ordinal_monitor", password: PostgresPassword(monitorPassword)),
///     superuser: ConnectionSettings(host: "", user: "postgres", password: PostgresPassword(superuserPassword)))
/// let facts = await prober.probeCluster(addresses, within: .seconds(3))
/// let reports = facts.map(\.report)   // what ClusterPlanner decides from
/// ```
public struct ClusterProber: Sendable {
    /// The pool connections come from (and go back to).
    public let pool: ConnectionPool
    /// The monitoring role's user, password, database, sslmode, application name and connect
    /// timeout for every instance (the host and port are replaced by each ``InstanceAddress``),
    /// when its Secret is known.
    public let monitor: ConnectionSettings?
    /// The superuser's, for an instance where the monitoring role cannot probe (it does not
    /// exist yet, has another password, or lacks its access).
    public let superuser: ConnectionSettings?
    /// The parameters whose `pg_settings.context` every probe reads (the spec's).
    public let parameters: [String]

    /// Creates a prober; at least one of `monitor` and `superuser` is needed to reach anything.
    public init(pool: ConnectionPool, monitor: ConnectionSettings?, superuser: ConnectionSettings?, parameters: [String] = []) {
        self.pool = pool
        self.monitor = monitor
        self.superuser = superuser
        self.parameters = parameters
    }

    /// Probes one instance as the monitoring role, else (see ``monitorCannotProbe(_:)``) as the
    /// superuser. Never throws: a failure is reported in ``InstanceFacts/error``, the last
    /// login's.
    public func probe(_ address: InstanceAddress, deadline: ContinuousClock.Instant) async -> InstanceFacts {
        var monitorError: PostgresError?
        if let monitor {
            switch await probe(address, as: monitor, asSuperuser: false, deadline: deadline) {
            case .success(let facts): return facts
            case .failure(let error):
                guard superuser != nil, Self.monitorCannotProbe(error) else { return InstanceFacts(address: address, error: error) }
                monitorError = error
            }
        }
        guard let superuser else {
            return InstanceFacts(address: address, error: PostgresError(
                code: .invalidArgument, host: address.host, port: address.port, operation: "probe",
                serverMessage: "no credentials to probe with"))
        }
        switch await probe(address, as: superuser, asSuperuser: true, deadline: deadline) {
        case .success(var facts):
            facts.probedAsSuperuser = true
            facts.monitorError = monitorError
            return facts
        case .failure(let error):
            return InstanceFacts(address: address, error: error)
        }
    }

    private func probe(_ address: InstanceAddress, as credentials: ConnectionSettings, asSuperuser: Bool,
                       deadline: ContinuousClock.Instant) async -> Result<InstanceFacts, PostgresError> {
        let settings = address.settings(from: credentials)
        do {
            return .success(try await pool.withConnection(settings, deadline: deadline) { connection throws(PostgresError) in
                try await InstanceProber.probe(address, on: connection, deadline: deadline, parameters: parameters, asSuperuser: asSuperuser)
            })
        } catch {
            return .failure(error)
        }
    }

    /// True for a failure that says the monitoring role cannot probe yet, where the superuser
    /// may: its login refused (no such role yet, or a password PostgreSQL does not hold yet), or
    /// a query refused for want of its access (`42501`, `42883`, `3F000`: an instance that has
    /// not replayed the setup). Not a timeout or a lost connection: the superuser would not do
    /// better.
    public static func monitorCannotProbe(_ error: PostgresError) -> Bool {
        error.code == .authenticationFailed || ["42501", "42883", "3F000"].contains(error.sqlState ?? "")
    }

    /// Probes every instance at once and returns their facts in the order given, with the
    /// replicas' lag computed against the primary (see ``withLag(_:)``). An instance not done
    /// by the deadline is reported with a ``PostgresError/Code/connectTimeout`` or
    /// ``PostgresError/Code/queryTimeout`` error.
    public func probeCluster(_ addresses: [InstanceAddress], within timeout: Duration) async -> [InstanceFacts] {
        let deadline = ContinuousClock.now + timeout
        let facts = await withTaskGroup(of: (Int, InstanceFacts).self) { group in
            for (index, address) in addresses.enumerated() {
                group.addTask { (index, await probe(address, deadline: deadline)) }
            }
            var results = [InstanceFacts?](repeating: nil, count: addresses.count)
            for await (index, facts) in group { results[index] = facts }
            return results.enumerated().map { index, facts in facts ?? InstanceFacts(address: addresses[index]) }
        }
        return Self.withLag(facts)
    }

    /// Fills in ``InstanceFacts/lagBytes`` when exactly one
    /// instance is a reachable primary: a reachable replica lags by the primary's current LSN
    /// minus its replay LSN; a replica that cannot be reached lags by the primary's current
    /// LSN minus the restart LSN of its slot (so its lag keeps growing while it is down).
    /// Without a single primary, lag stays unknown. Pure.
    public static func withLag(_ facts: [InstanceFacts]) -> [InstanceFacts] {
        let primaries = facts.filter(\.isPrimary)
        guard primaries.count == 1, let primary = primaries.first, let head = primary.currentLSN else {
            return facts
        }
        return facts.map { instance in
            var instance = instance
            guard instance.podName != primary.podName else {
                instance.lagBytes = 0
                return instance
            }
            if instance.isReplica, let position = instance.replayLSN ?? instance.receiveLSN {
                instance.lagBytes = head.bytes(since: position)
            } else if !instance.isReachable {
                let slotName = ReplicationSlotInfo.slotName(forPod: instance.podName)
                if let restart = primary.replicationSlots.first(where: { $0.name == slotName })?.restartLSN {
                    instance.lagBytes = head.bytes(since: restart)
                }
            }
            return instance
        }
    }
}
