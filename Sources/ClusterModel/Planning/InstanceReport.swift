/// What one instance's PostgreSQL told the operator this round, as plain values.
///
/// `PostgresHealth` gathers it (see `InstanceFacts.report`); the planner decides from it.
/// A pod with no report was not probed at all (no address yet, or probing did not run).
public struct InstanceReport: Sendable, Hashable {
    /// The pod the instance runs in.
    public var podName: String
    /// What PostgreSQL reported; `nil` when it could not be reached.
    public var database: DatabaseFacts?
    /// On a primary: the physical replication slots it holds.
    public var slots: [SlotFacts]
    /// Why PostgreSQL could not be reached (error code and the server's words), when it could not.
    public var failure: String?

    /// Creates a report.
    public init(podName: String, database: DatabaseFacts? = nil, slots: [SlotFacts] = [], failure: String? = nil) {
        self.podName = podName
        self.database = database
        self.slots = slots
        self.failure = failure
    }

    /// Reachable and not in recovery: it accepts writes.
    public var isPrimary: Bool { database?.isInRecovery == false }

    /// Reachable and in recovery.
    public var isReplica: Bool { database?.isInRecovery == true }
}

/// One physical replication slot on a primary.
public struct SlotFacts: Sendable, Hashable {
    public var name: String
    /// A WAL sender uses it now.
    public var isActive: Bool

    /// Creates slot facts.
    public init(name: String, isActive: Bool) {
        self.name = name
        self.isActive = isActive
    }
}

/// The facts of one reachable PostgreSQL instance that decisions use.
public struct DatabaseFacts: Sendable, Hashable {
    public var isInRecovery: Bool
    /// `server_version_num`, for example 160004.
    public var serverVersionNumber: Int
    /// The WAL receiver is streaming (replicas).
    public var isStreaming: Bool
    /// Bytes of WAL the replica has not replayed yet, measured against the single primary;
    /// 0 on the primary, `nil` when unknown.
    public var lagBytes: Int64?
    /// `pg_control_system().system_identifier` in decimal: which cluster's data this server
    /// holds (every instance made from one `initdb` shares it). `nil` when it was not read.
    public var systemIdentifier: String?

    /// Creates facts.
    public init(isInRecovery: Bool, serverVersionNumber: Int, isStreaming: Bool = false, lagBytes: Int64? = nil,
                systemIdentifier: String? = nil) {
        self.isInRecovery = isInRecovery
        self.serverVersionNumber = serverVersionNumber
        self.isStreaming = isStreaming
        self.lagBytes = lagBytes
        self.systemIdentifier = systemIdentifier
    }

    /// The version as `MAJOR.MINOR`.
    public var version: PostgresVersion { PostgresVersion(serverVersionNumber: serverVersionNumber) }
}
