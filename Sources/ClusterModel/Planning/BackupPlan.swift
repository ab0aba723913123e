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
    /// The backup Jobs' part (nil without `spec.backup`).
    var jobs: BackupJobPlan?

    init(resolved: ResolvedCluster, previous: PostgresClusterStatus?, primary: String?, report: InstanceReport?,
         jobs observed: [BackupJobObservation] = [], request: BackupRequest? = nil, secretProblems: [String] = [], now: Double = 0) {
        guard let backup = resolved.backup else { return }
        let archiver = report?.isPrimary == true ? report?.database?.archiver : nil
        let secrets = secretProblems.isEmpty ? nil : secretProblems.joined(separator: "; ")
        let blocked: String? = primary == nil || archiver == nil ? "no primary is confirmed"
            : archiver?.mode == "off" ? "archiving is not on at the primary \(primary ?? "") yet" : secrets
        let jobs = BackupJobPlan(
            backup: backup, names: resolved.names, previous: previous?.backup, jobs: observed, request: request, blocked: blocked, now: now)
        self.jobs = jobs
        var status = jobs.status
        var problems = jobs.problems
        // A Secret a Job needs is not as it must be: said first, whatever else waits on it.
        if let secrets { problems.insert((.backupSecretMissing, "backup Jobs cannot run: \(secrets)"), at: 0) }
        let archive = Self.archiveHealth(resolved: resolved, previous: previous, primary: primary, archiver: archiver,
                                         position: report?.isPrimary == true ? report?.database?.walPosition : nil)
        status.archive = archive.status
        if let problem = archive.problem {
            // Before the stanza exists archiving cannot succeed: the stanza is the first thing to say.
            problems.insert(problem, at: jobs.stanzaReady ? 0 : min(1, problems.count))
        }
        self.status = status
        if let first = problems.first {
            health = (false, first.reason, problems.map(\.message).joined(separator: "; "))
        } else {
            let last = status.lastBackup.map { "; the last backup: \(BackupJobPlan.describe($0)) at \($0.stopTime ?? "an unknown time")" } ?? "; no backup taken yet"
            health = (true, .archiving, archive.message + last)
        }
    }

    /// What the primary's archiver says: the archive status, a problem, or the message when it works.
    static func archiveHealth(resolved: ResolvedCluster, previous: PostgresClusterStatus?, primary: String?, archiver: ArchiverFacts?,
                              position: Int64? = nil)
        -> (status: ArchiveStatus?, problem: (reason: Reason, message: String)?, message: String)
    {
        guard let primary, let archiver else {
            // What status last recorded, not the last message (quoting it would grow every round).
            let archive = previous?.backup?.archive
            let known = archive?.lastArchivedWAL.map { wal in
                "; the last segment known archived is \(wal)\(archive?.lastArchivedTime.map { " at \($0)" } ?? "")"
                    + (archive?.primary.map { " (from \($0))" } ?? "")
            } ?? ""
            return (archive, (.archiveUnknown, "no primary answered, so archiving cannot be confirmed\(known)"), "")
        }
        let time = { (seconds: Double?) in seconds.map { KubeTime.format($0) } }
        let status = ArchiveStatus(
            primary: primary, lastArchivedWAL: archiver.lastArchivedWAL, lastArchivedTime: time(archiver.lastArchivedAt),
            lastFailedWAL: archiver.lastFailedWAL, lastFailedTime: time(archiver.lastFailedAt),
            failedCount: archiver.failedCount, lagBytes: archiver.lagBytes(at: position))
        let lastSuccess = archiver.lastArchivedWAL.map { wal in "the last archived was \(wal)\(time(archiver.lastArchivedAt).map { " at \($0)" } ?? "")" }
            ?? "no segment was ever archived"
        if archiver.mode == "off" {
            return (status, (.archivingOff, "archive_mode is off on the primary \(primary): the template that turns archiving on has not reached it yet"), "")
        } else if archiver.isFailing {
            return (status, (.archivingFailed,
                      "archiving \(archiver.lastFailedWAL ?? "a WAL segment") failed on \(primary)\(time(archiver.lastFailedAt).map { " at \($0)" } ?? "") "
                      + "(\(archiver.failedCount) failed attempts); \(lastSuccess). WAL is kept on the primary's volume until archiving succeeds; "
                      + "pgBackRest's reason is in \(primary)'s PostgreSQL log (kubectl logs -n \(resolved.namespace) \(primary) -c postgres)"), "")
        } else if archiver.lastArchivedWAL == nil {
            return (status, (.archivingNotStarted, "no WAL segment archived yet on \(primary)"), "")
        }
        return (status, nil, "WAL is archived from \(primary): \(lastSuccess)")
    }
}
