/// What a primary's `pg_stat_archiver` says: how WAL archiving goes.
public struct ArchiverFacts: Sendable, Hashable {
    /// `archive_mode` (`off`, `on`, `always`).
    public var mode: String
    public var archivedCount: Int64
    public var lastArchivedWAL: String?
    /// Seconds since the epoch.
    public var lastArchivedAt: Double?
    public var failedCount: Int64
    public var lastFailedWAL: String?
    public var lastFailedAt: Double?

    public init(mode: String, archivedCount: Int64 = 0, lastArchivedWAL: String? = nil, lastArchivedAt: Double? = nil,
                failedCount: Int64 = 0, lastFailedWAL: String? = nil, lastFailedAt: Double? = nil) {
        self.mode = mode
        self.archivedCount = archivedCount
        self.lastArchivedWAL = lastArchivedWAL
        self.lastArchivedAt = lastArchivedAt
        self.failedCount = failedCount
        self.lastFailedWAL = lastFailedWAL
        self.lastFailedAt = lastFailedAt
    }

    /// The last attempt failed: a failure after the last success, or failures and no success.
    public var isFailing: Bool {
        guard failedCount > 0, let failed = lastFailedAt else { return false }
        return lastArchivedAt.map { failed > $0 } ?? true
    }
}
