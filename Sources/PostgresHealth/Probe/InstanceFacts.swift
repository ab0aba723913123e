/// What one probe learnt about one instance.
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
    /// `server_version`, for example `15.18 (Debian 15.18-0+deb12u1)`.
    public var serverVersion: String?
    /// The timeline the instance writes (primary) or receives/replays (standby).
    public var timeline: Int?
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
    /// Replay lag in seconds as the primary measures it (`pg_stat_replication.replay_lag`);
    /// nil when not streaming or idle.
    public var lagSeconds: Double?
    /// The standby's WAL receiver; nil on a primary or when no receiver runs.
    public var walReceiver: WalReceiverInfo?
    /// Settings changed in the configuration that need a restart (`pg_settings.pending_restart`).
    public var pendingRestartSettings: [String]
    /// On a primary: the standbys streaming from it.
    public var standbys: [StandbyConnection]
    /// On a primary: its physical replication slots.
    public var replicationSlots: [ReplicationSlotInfo]
    /// How long the probe took.
    public var probeDuration: Duration

    /// Creates facts; everything but the address defaults to unknown.
    public init(
        address: InstanceAddress, error: PostgresError? = nil, isInRecovery: Bool? = nil,
        serverVersionNumber: Int? = nil, serverVersion: String? = nil, timeline: Int? = nil,
        currentLSN: LSN? = nil, receiveLSN: LSN? = nil, replayLSN: LSN? = nil,
        lagBytes: UInt64? = nil, lagSeconds: Double? = nil, walReceiver: WalReceiverInfo? = nil,
        pendingRestartSettings: [String] = [], standbys: [StandbyConnection] = [],
        replicationSlots: [ReplicationSlotInfo] = [], probeDuration: Duration = .zero
    ) {
        self.address = address
        self.error = error
        self.isInRecovery = isInRecovery
        self.serverVersionNumber = serverVersionNumber
        self.serverVersion = serverVersion
        self.timeline = timeline
        self.currentLSN = currentLSN
        self.receiveLSN = receiveLSN
        self.replayLSN = replayLSN
        self.lagBytes = lagBytes
        self.lagSeconds = lagSeconds
        self.walReceiver = walReceiver
        self.pendingRestartSettings = pendingRestartSettings
        self.standbys = standbys
        self.replicationSlots = replicationSlots
        self.probeDuration = probeDuration
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
    public var isStreaming: Bool { walReceiver?.isStreaming ?? false }
}
