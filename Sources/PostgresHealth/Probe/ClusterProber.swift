import Logging

/// Probes the instances of a cluster: concurrently, through a shared ``ConnectionPool``,
/// within one total deadline.
///
/// ```swift
/// let prober = ClusterProber(pool: pool, credentials: ConnectionSettings(
///     host: "", user: "postgres", password: PostgresPassword(superuserPassword)))
/// let facts = await prober.probeCluster(addresses, within: .seconds(3))
/// let reports = facts.map(\.report)   // what ClusterPlanner decides from
/// ```
public struct ClusterProber: Sendable {
    /// The pool connections come from (and go back to).
    public let pool: ConnectionPool
    /// User, password, database, sslmode, application name and connect timeout for every
    /// instance; the host and port are replaced by each ``InstanceAddress``.
    public let credentials: ConnectionSettings
    /// The parameters whose `pg_settings.context` every probe reads (the spec's).
    public let parameters: [String]

    /// Creates a prober.
    public init(pool: ConnectionPool, credentials: ConnectionSettings, parameters: [String] = []) {
        self.pool = pool
        self.credentials = credentials
        self.parameters = parameters
    }

    /// Probes one instance. Never throws: a failure is reported in ``InstanceFacts/error``.
    public func probe(_ address: InstanceAddress, deadline: ContinuousClock.Instant) async -> InstanceFacts {
        let settings = address.settings(from: credentials)
        do {
            return try await pool.withConnection(settings, deadline: deadline) { connection throws(PostgresError) in
                try await InstanceProber.probe(address, on: connection, deadline: deadline, parameters: parameters)
            }
        } catch {
            return InstanceFacts(address: address, error: error)
        }
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
