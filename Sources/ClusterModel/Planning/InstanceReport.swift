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
    /// The server refused the superuser's login (wrong password): it runs, but Ordinal has no way in.
    public var authenticationRefused: Bool
    /// The server refused the monitoring role's login, so the superuser probed it: the role
    /// does not exist yet, or PostgreSQL holds another password for it.
    public var monitorRefused: Bool

    /// Creates a report.
    public init(podName: String, database: DatabaseFacts? = nil, slots: [SlotFacts] = [], failure: String? = nil,
                authenticationRefused: Bool = false, monitorRefused: Bool = false) {
        self.monitorRefused = monitorRefused
        self.podName = podName
        self.database = database
        self.slots = slots
        self.failure = failure
        self.authenticationRefused = authenticationRefused
    }

    /// Reachable and not in recovery: it accepts writes.
    public var isPrimary: Bool { database?.isInRecovery == false }

    /// Reachable and in recovery.
    public var isReplica: Bool { database?.isInRecovery == true }

    /// On a primary: the slot replica `pod` streams through, if this instance holds it.
    public func slot(forPod pod: String) -> SlotFacts? {
        let name = ClusterNames.replicationSlot(forPod: pod)
        return slots.first { $0.name == name }
    }
}

/// One physical replication slot on a primary.
public struct SlotFacts: Sendable, Hashable {
    public var name: String
    /// A WAL sender uses it now.
    public var isActive: Bool
    /// `wal_status`: `reserved`, `extended`, `unreserved`, or `lost` (invalidated: it fell
    /// more than `max_slot_wal_keep_size` behind, and can never be streamed from again).
    public var walStatus: String?
    /// Bytes of WAL the slot holds back on the primary (current LSN minus its restart LSN).
    public var retainedBytes: Int64?

    /// Creates slot facts.
    public init(name: String, isActive: Bool, walStatus: String? = nil, retainedBytes: Int64? = nil) {
        self.name = name
        self.isActive = isActive
        self.walStatus = walStatus
        self.retainedBytes = retainedBytes
    }

    /// The slot was invalidated.
    public var isLost: Bool { walStatus == "lost" }
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
    /// The timeline (a primary's current one; a standby's at its last restartpoint).
    public var timeline: Int?
    /// On a standby: the WAL position it has replayed (or received) up to, as a number.
    public var replayPosition: Int64?
    /// On a primary: where the oldest WAL it still keeps begins, as a number. A standby that
    /// needs WAL from before it can never catch up by streaming.
    public var oldestWALPosition: Int64?
    /// On a primary: its WAL insert position. On a standby: the WAL it has received (written
    /// to disk), which a promotion replays in full; `nil` when it has received none since start.
    public var walPosition: Int64?
    /// New transactions are read-only by default (`default_transaction_read_only`): how a
    /// switchover fences the old primary.
    public var isReadOnlyByDefault: Bool
    /// On a standby: the SHA-256 (hex) of its replication passfile, `absent` when there is no
    /// such file, `nil` when it was not read. Compared with the digest of what the replication
    /// Secret says; the file's content never leaves the server.
    public var passfileDigest: String?

    /// A changed setting waits for a restart (`pg_settings.pending_restart` of any setting).
    public var pendingRestart: Bool
    /// On a standby: seconds since the last transaction it replayed, 0 when it has replayed
    /// everything it received; `nil` on a primary or when unknown.
    public var replayLagSeconds: Double?

    /// The parameters the instance's reload file says (lowercase name → value, as PostgreSQL
    /// parsed it: `pg_file_settings`), `nil` when there is no such file or it was not read.
    public var reloadFile: [String: String]?
    /// The reload file changed since the server last read its configuration.
    public var reloadPending: Bool
    /// `pg_settings.context` of the spec's parameters this server knows (lowercase name → context).
    public var parameterContexts: [String: String] = [:]
    /// The settings a standby must keep at least as high as its primary (``StandbyLimits``),
    /// as this server runs them; empty when they were not read.
    public var limits: [String: LimitSetting] = [:]
    /// `pg_stat_archiver` and `archive_mode`, read on a primary.
    public var archiver: ArchiverFacts?

    /// ``passfileDigest`` of a standby with no passfile.
    public static let absentPassfile = "absent"

    /// Creates facts.
    public init(isInRecovery: Bool, serverVersionNumber: Int, isStreaming: Bool = false, lagBytes: Int64? = nil,
                systemIdentifier: String? = nil, timeline: Int? = nil, replayPosition: Int64? = nil, oldestWALPosition: Int64? = nil,
                walPosition: Int64? = nil, isReadOnlyByDefault: Bool = false, passfileDigest: String? = nil,
                pendingRestart: Bool = false, replayLagSeconds: Double? = nil, reloadFile: [String: String]? = nil,
                reloadPending: Bool = false) {
        self.passfileDigest = passfileDigest
        self.reloadFile = reloadFile
        self.reloadPending = reloadPending
        self.pendingRestart = pendingRestart
        self.replayLagSeconds = replayLagSeconds
        self.isInRecovery = isInRecovery
        self.serverVersionNumber = serverVersionNumber
        self.isStreaming = isStreaming
        self.lagBytes = lagBytes
        self.systemIdentifier = systemIdentifier
        self.timeline = timeline
        self.replayPosition = replayPosition
        self.oldestWALPosition = oldestWALPosition
        self.walPosition = walPosition
        self.isReadOnlyByDefault = isReadOnlyByDefault
    }

    /// How far this instance's WAL goes: on a standby the further of received and replayed
    /// (a standby restarted without a primary reports the start of a segment as received), the
    /// insert position on a primary.
    public var reach: Int64? {
        switch (walPosition, replayPosition) {
        case (let received?, let replayed?): max(received, replayed)
        case (let one?, nil), (nil, let one?): one
        case (nil, nil): nil
        }
    }

    /// The version as `MAJOR.MINOR`.
    public var version: PostgresVersion { PostgresVersion(serverVersionNumber: serverVersionNumber) }
}
