import KubeTypes

/// The backup part of a plan: what `status.backup` and the `BackupHealthy` condition say.
///
/// Only a primary's archiver counts (a standby archives nothing with `archive_mode = on`). The
/// condition is False whenever archiving is not shown to work: off on the primary (a template
/// with archiving has not reached it yet), failing (the last attempt failed after the last
/// success: the WAL stays on the primary's volume until it succeeds), or not started (no
/// segment archived yet). With no primary to ask, the last word stays, said to be unconfirmed.
struct BackupPlan {
    static let condition = StatusComputer.backupHealthy

    var status: BackupStatus?
    /// `BackupHealthy`: status, reason, message; nil without `spec.backup`.
    var health: (Bool, Reason, String)?

    init(resolved: ResolvedCluster, previous: PostgresClusterStatus?, primary: String?, report: InstanceReport?) {
        guard resolved.backup != nil else { return }
        guard let primary, let archiver = report?.database?.archiver, report?.isPrimary == true else {
            status = previous?.backup
            let last = previous?.conditions?.first { $0.type == Self.condition }
            let known = last.map { ", last: \($0.message)" } ?? ""
            health = (false, .archiveUnknown, "no primary answered, so archiving cannot be confirmed\(known)")
            return
        }
        let time = { (seconds: Double?) in seconds.map { KubeTime.format($0) } }
        status = BackupStatus(archive: ArchiveStatus(
            primary: primary, lastArchivedWAL: archiver.lastArchivedWAL, lastArchivedTime: time(archiver.lastArchivedAt),
            lastFailedWAL: archiver.lastFailedWAL, lastFailedTime: time(archiver.lastFailedAt),
            failedCount: archiver.failedCount))
        let lastSuccess = archiver.lastArchivedWAL.map { wal in "the last archived was \(wal)\(time(archiver.lastArchivedAt).map { " at \($0)" } ?? "")" }
            ?? "no segment was ever archived"
        if archiver.mode == "off" {
            health = (false, .archivingOff, "archive_mode is off on the primary \(primary): the template that turns archiving on has not reached it yet")
        } else if archiver.isFailing {
            health = (false, .archivingFailed,
                      "archiving \(archiver.lastFailedWAL ?? "a WAL segment") failed on \(primary)\(time(archiver.lastFailedAt).map { " at \($0)" } ?? "") "
                      + "(\(archiver.failedCount) failed attempts); \(lastSuccess). WAL is kept on the primary's volume until archiving succeeds; "
                      + "pgBackRest's reason is in \(primary)'s PostgreSQL log (kubectl logs -n \(resolved.namespace) \(primary) -c postgres)")
        } else if archiver.lastArchivedWAL == nil {
            health = (false, .archivingNotStarted, "no WAL segment archived yet on \(primary)")
        } else {
            health = (true, .archiving, "WAL is archived from \(primary): \(lastSuccess)")
        }
    }
}
