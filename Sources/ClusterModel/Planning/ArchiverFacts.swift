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

    /// The WAL segment size of every Ordinal cluster (initdb's default; Ordinal never sets another).
    public static let segmentBytes: Int64 = 16 * 1024 * 1024

    /// The position just after segment `name` (`TTTTTTTTXXXXXXXXYYYYYYYY`, perhaps followed by
    /// `.partial` or `.NNNNNNNN.backup`), or `nil` for another file (a timeline history).
    public static func endPosition(ofSegment name: String) -> Int64? {
        let characters = Array(name.utf8.prefix(24))
        guard characters.count == 24, let log = Int64(String(decoding: characters[8..<16], as: UTF8.self), radix: 16),
            let segment = Int64(String(decoding: characters[16..<24], as: UTF8.self), radix: 16),
            Int64(String(decoding: characters[0..<8], as: UTF8.self), radix: 16) != nil
        else { return nil }
        return log << 32 + (segment + 1) * segmentBytes
    }

    /// Bytes written at `position` past the end of the last archived segment (0 at most one
    /// segment behind is still shown as its bytes), or `nil` when either is unknown.
    public func lagBytes(at position: Int64?) -> Int64? {
        guard let position, let end = lastArchivedWAL.flatMap(Self.endPosition(ofSegment:)) else { return nil }
        return max(0, position - end)
    }

    /// The last attempt failed: a failure after the last success, or failures and no success.
    public var isFailing: Bool {
        guard failedCount > 0, let failed = lastFailedAt else { return false }
        return lastArchivedAt.map { failed > $0 } ?? true
    }
}
