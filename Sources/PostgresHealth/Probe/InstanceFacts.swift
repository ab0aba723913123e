import ClusterModel

/// What one probe learnt about one instance: exactly what `InstanceReport` (and so the
/// planner) needs, nothing more.
///
/// When the instance could not be reached (or the probe failed part-way) ``error`` says
/// why and the facts below it are nil/empty. Lag is filled in by ``ClusterProber``, which
/// compares a replica with the primary: an instance alone cannot know how far behind it is.
public struct InstanceFacts: Sendable, Hashable {
    /// Which instance.
    public var address: InstanceAddress
    /// Why the probe failed; nil when every fact below was read.
    public var error: PostgresError?
    /// `pg_is_in_recovery()`: true on a standby.
    public var isInRecovery: Bool?
    /// `server_version_num`, for example `150018`.
    public var serverVersionNumber: Int?
    /// `pg_current_wal_lsn()` on a primary.
    public var currentLSN: LSN?
    /// `pg_last_wal_receive_lsn()` on a standby.
    public var receiveLSN: LSN?
    /// `pg_last_wal_replay_lsn()` on a standby.
    public var replayLSN: LSN?
    /// Bytes of WAL the instance is behind the primary: the primary's current LSN minus this
    /// replica's replay LSN, or, for a replica that is down, minus its slot's restart LSN.
    /// 0 on the primary; nil when unknown (no single primary).
    public var lagBytes: UInt64?
    /// The standby's WAL receiver state (`pg_stat_wal_receiver.status`: `streaming`,
    /// `starting`, `waiting`, ...); nil on a primary or when no receiver runs.
    public var walReceiverStatus: String?
    /// On a primary: its physical replication slots.
    public var replicationSlots: [ReplicationSlotInfo]
    /// `pg_control_system().system_identifier`, in decimal.
    public var systemIdentifier: String?
    /// The timeline: a primary's current one, a standby's at its last restartpoint.
    public var timeline: Int?
    /// On a primary: where the oldest WAL segment it still keeps in `pg_wal` begins.
    public var oldestWAL: LSN?
    /// `default_transaction_read_only` as the server's default (a switchover's fence).
    public var isReadOnlyByDefault = false
    /// On a standby whose address names a passfile: the file's SHA-256 (hex), or `absent`.
    public var passfileDigest: String?
    /// Any setting waits for a restart.
    public var pendingRestart = false
    /// On a standby: seconds since the last replayed transaction (0 when all received is replayed).
    public var replayLagSeconds: Double?
    /// What the reload file beside `config_file` says (lowercase name → value), `nil` without one.
    public var reloadFile: [String: String]?
    /// A reload would change something.
    public var reloadPending = false
    /// True when these facts were read as the superuser, because the monitoring role could not
    /// probe (``monitorError`` says why).
    public var probedAsSuperuser = false
    /// Why the monitoring role could not probe, when the superuser did.
    public var monitorError: PostgresError?
    /// `pg_settings.context` of the parameters asked about (lowercase name → context).
    public var parameterContexts: [String: String] = [:]
    /// ``StandbyLimits`` as the server runs them.
    public var limits: [String: LimitSetting] = [:]
    /// On a primary: how WAL archiving goes (`pg_stat_archiver`).
    public var archiver: ArchiverFacts?

    /// Creates facts; everything but the address defaults to unknown.
    public init(
        address: InstanceAddress, error: PostgresError? = nil, isInRecovery: Bool? = nil,
        serverVersionNumber: Int? = nil, currentLSN: LSN? = nil, receiveLSN: LSN? = nil, replayLSN: LSN? = nil,
        lagBytes: UInt64? = nil, walReceiverStatus: String? = nil, replicationSlots: [ReplicationSlotInfo] = [],
        systemIdentifier: String? = nil
    ) {
        self.address = address
        self.error = error
        self.isInRecovery = isInRecovery
        self.serverVersionNumber = serverVersionNumber
        self.currentLSN = currentLSN
        self.receiveLSN = receiveLSN
        self.replayLSN = replayLSN
        self.lagBytes = lagBytes
        self.walReceiverStatus = walReceiverStatus
        self.replicationSlots = replicationSlots
        self.systemIdentifier = systemIdentifier
    }

    /// The pod this instance runs in.
    public var podName: String { address.podName }

    /// True when the probe connected and read the instance's role.
    public var isReachable: Bool { error == nil && isInRecovery != nil }

    /// True when the instance is reachable and not in recovery (it accepts writes).
    public var isPrimary: Bool { isReachable && isInRecovery == false }

    /// True when the instance is reachable and in recovery.
    public var isReplica: Bool { isReachable && isInRecovery == true }

    /// True on a standby whose WAL receiver is streaming.
    public var isStreaming: Bool { walReceiverStatus == "streaming" }
}
