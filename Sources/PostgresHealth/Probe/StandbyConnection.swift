/// One row of a primary's `pg_stat_replication`: a standby streaming from it.
public struct StandbyConnection: Sendable, Hashable {
    /// The standby's `application_name` (Ordinal's replicas use their pod name).
    public var applicationName: String
    /// The standby's address as the primary sees it.
    public var clientAddress: String?
    /// `startup`, `catchup`, `streaming`, `backup` or `stopping`.
    public var state: String
    /// WAL sent to the standby.
    public var sentLSN: LSN?
    /// WAL the standby has replayed.
    public var replayLSN: LSN?
    /// The standby's replay lag in seconds as the primary measures it (nil when idle or unknown).
    public var replayLagSeconds: Double?
    /// `async`, `sync`, `potential` or `quorum`.
    public var syncState: String?

    /// Creates a row.
    public init(
        applicationName: String, clientAddress: String? = nil, state: String, sentLSN: LSN? = nil,
        replayLSN: LSN? = nil, replayLagSeconds: Double? = nil, syncState: String? = nil
    ) {
        self.applicationName = applicationName
        self.clientAddress = clientAddress
        self.state = state
        self.sentLSN = sentLSN
        self.replayLSN = replayLSN
        self.replayLagSeconds = replayLagSeconds
        self.syncState = syncState
    }
}
