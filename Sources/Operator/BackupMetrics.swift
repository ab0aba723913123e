import ClusterModel
import KubeTypes

/// What `/metrics` shows of one cluster's backups, taken from the status the last round wrote
/// (nothing is asked of pgBackRest or PostgreSQL for it).
public struct BackupMetrics: Sendable, Hashable {
    /// `BackupHealthy` is True.
    public var healthy: Bool
    /// When the last backup that succeeded stopped (seconds since the epoch).
    public var lastSuccess: Double?
    public var lastSize: Int64?
    public var lastRepositorySize: Int64?
    /// A failed backup or a missed schedule no success has resolved.
    public var failing: Bool
    /// When the primary last archived a segment, and its failed attempts (since its statistics reset).
    public var lastArchived: Double?
    public var archiveFailures: Int64?
    public var archiveLagBytes: Int64?

    /// The metrics of a cluster's `status.backup` and its `BackupHealthy` condition.
    public init(_ backup: BackupStatus, healthy: Bool) {
        self.healthy = healthy
        lastSuccess = backup.lastBackup?.stopTime.flatMap(KubeTime.parse)
        lastSize = backup.lastBackup?.size
        lastRepositorySize = backup.lastBackup?.repositorySize
        failing = backup.unresolvedFailure != nil || backup.unresolvedMiss != nil
        lastArchived = backup.archive?.lastArchivedTime.flatMap(KubeTime.parse)
        archiveFailures = backup.archive?.failedCount
        archiveLagBytes = backup.archive?.lagBytes
    }
}

extension OperatorMetrics {
    /// The lines of every cluster's backup metrics, labelled by namespace and cluster.
    static func backupLines(_ backups: [ClusterKey: BackupMetrics]) -> [String] {
        let ordered = backups.sorted { $0.key < $1.key }
        var out: [String] = []
        func family(_ name: String, _ help: String, _ value: (BackupMetrics) -> String?) {
            out += Self.family(name, type: "gauge", help: help, rows: ordered, labels: { clusterLabels($0.key) }) { value($0.value) }
        }
        family("ordinal_backup_healthy", "1 while BackupHealthy is True: archiving works, the stanza exists, no failure or missed schedule is unresolved.") {
            $0.healthy ? "1" : "0"
        }
        family("ordinal_backup_failing", "1 while a failed backup or a missed schedule has not been followed by a successful backup.") {
            $0.failing ? "1" : "0"
        }
        family("ordinal_backup_last_success_timestamp_seconds", "When the last successful backup stopped.") { $0.lastSuccess.map { "\(Int64($0))" } }
        family("ordinal_backup_last_size_bytes", "Database bytes the last successful backup covers.") { $0.lastSize.map { "\($0)" } }
        family("ordinal_backup_last_repository_size_bytes", "Bytes the last successful backup added to the repository.") {
            $0.lastRepositorySize.map { "\($0)" }
        }
        family("ordinal_archive_last_archived_timestamp_seconds", "When the primary last archived a WAL segment.") {
            $0.lastArchived.map { "\(Int64($0))" }
        }
        family("ordinal_archive_lag_bytes", "WAL the primary wrote past the end of the last archived segment (the segment being written included).") {
            $0.archiveLagBytes.map { "\($0)" }
        }
        family("ordinal_archive_failed_count", "Failed archive attempts on the primary since its statistics were reset.") {
            $0.archiveFailures.map { "\($0)" }
        }
        return out
    }
}
