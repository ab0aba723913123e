/// `status.backup`: how archiving (and, later, backups) goes.
public struct BackupStatus: Codable, Sendable, Hashable {
    public var archive: ArchiveStatus?

    public init(archive: ArchiveStatus? = nil) {
        self.archive = archive
    }
}

/// WAL archiving as the primary's `pg_stat_archiver` last said it.
public struct ArchiveStatus: Codable, Sendable, Hashable {
    /// The primary that said it.
    public var primary: String?
    public var lastArchivedWAL: String?
    public var lastArchivedTime: String?
    public var lastFailedWAL: String?
    public var lastFailedTime: String?
    /// Failed attempts since the primary's statistics were last reset.
    public var failedCount: Int64?

    public init(primary: String? = nil, lastArchivedWAL: String? = nil, lastArchivedTime: String? = nil, lastFailedWAL: String? = nil,
                lastFailedTime: String? = nil, failedCount: Int64? = nil) {
        self.primary = primary
        self.lastArchivedWAL = lastArchivedWAL
        self.lastArchivedTime = lastArchivedTime
        self.lastFailedWAL = lastFailedWAL
        self.lastFailedTime = lastFailedTime
        self.failedCount = failedCount
    }
}
