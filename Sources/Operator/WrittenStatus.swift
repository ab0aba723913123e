import ClusterModel
import Synchronization

/// The status each cluster's last round wrote, until the cache shows it.
///
/// A watch delivers the operator's own status write a moment later; a round that starts before
/// it arrives would decide from the status before the write (a switchover's phase, a failover
/// under way, a step timer) and undo what the last round did: seen once as a switchover whose
/// promotion the next round did not know of, the promoted pod then fenced as a second writer.
/// So a round whose cached cluster is still the version the last write replaced uses the object
/// that write returned instead. An entry goes as soon as the cache holds anything else.
final class WrittenStatus: Sendable {
    private struct Entry {
        /// The resourceVersion the write replaced.
        var replaced: String?
        /// The cluster as the API server returned it after the write.
        var written: PostgresCluster
    }

    private let entries = Mutex<[ClusterKey: Entry]>([:])

    /// Records that the round which read `before` wrote status, and the server answered `after`.
    func record(_ key: ClusterKey, before: PostgresCluster, after: PostgresCluster) {
        entries.withLock { $0[key] = Entry(replaced: before.metadata.resourceVersion, written: after) }
    }

    /// The cluster a round should decide from: `cached`, or the last write's result while the
    /// cache still holds the version it replaced.
    func current(_ key: ClusterKey, cached: PostgresCluster) -> PostgresCluster {
        entries.withLock { entries in
            guard let entry = entries[key] else { return cached }
            if cached.metadata.resourceVersion == entry.replaced, entry.replaced != nil {
                return entry.written
            }
            entries[key] = nil  // the cache caught up (or moved on)
            return cached
        }
    }

    /// Forgets a cluster (deleted).
    func forget(_ key: ClusterKey) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
