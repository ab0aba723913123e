/// `status.backup`: how archiving and backups go. Everything Ordinal learnt from a backup Job
/// is kept here, so pruning old Jobs loses nothing.
public struct BackupStatus: Codable, Sendable, Hashable {
    public var archive: ArchiveStatus?
    /// The repository's stanza, once a Job made it.
    public var stanza: StanzaStatus?
    /// The newest backup that succeeded.
    public var lastBackup: BackupRecord?
    /// The newest Job (stanza or backup) that failed.
    public var lastFailure: BackupFailure?
    /// The backup Job running now (one at a time).
    public var running: BackupJobRecord?
    /// Finished Jobs, still present, whose outcome is recorded here (each is read once).
    public var recordedJobs: [String]?
    /// Each schedule's last run (started or missed) and the next one.
    public var schedules: [BackupScheduleStatus]?
    /// The newest scheduled backup that did not run, and why.
    public var missed: MissedBackup?
    /// The `ordinal.dev/backup-request` value last acted on.
    public var lastRequest: String?

    public init(archive: ArchiveStatus? = nil) {
        self.archive = archive
    }

    /// The last backup failure, while no backup has succeeded after it (a failed stanza-create is
    /// the stanza's concern, not a backup's).
    public var unresolvedFailure: BackupFailure? {
        lastFailure.flatMap { $0.resolvedBy == nil && $0.action != BackupJobAction.stanzaCreate.label ? $0 : nil }
    }

    /// The last missed schedule, while no backup has succeeded after it.
    public var unresolvedMiss: MissedBackup? {
        missed.flatMap { $0.resolvedBy == nil ? $0 : nil }
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
    /// WAL bytes the primary wrote after the end of the last archived segment (the segment being
    /// written included): what a restore to "the latest" could not get back if the primary's
    /// volume were lost now. A figure that keeps growing past a few segments means archiving is behind.
    public var lagBytes: Int64?

    public init(primary: String? = nil, lastArchivedWAL: String? = nil, lastArchivedTime: String? = nil, lastFailedWAL: String? = nil,
                lastFailedTime: String? = nil, failedCount: Int64? = nil, lagBytes: Int64? = nil) {
        self.lagBytes = lagBytes
        self.primary = primary
        self.lastArchivedWAL = lastArchivedWAL
        self.lastArchivedTime = lastArchivedTime
        self.lastFailedWAL = lastFailedWAL
        self.lastFailedTime = lastFailedTime
        self.failedCount = failedCount
    }
}

/// The stanza a Job created, and in which repository.
public struct StanzaStatus: Codable, Sendable, Hashable {
    /// The repository's fingerprint (``ResolvedBackup/repositoryFingerprint``): a stanza is made
    /// again when the repository changes.
    public var repository: String
    public var createdTime: String?
    public var job: String?

    public init(repository: String, createdTime: String? = nil, job: String? = nil) {
        self.repository = repository
        self.createdTime = createdTime
        self.job = job
    }
}

/// A backup that succeeded, as its Job's termination message told it.
public struct BackupRecord: Codable, Sendable, Hashable {
    public var job: String
    /// pgBackRest's label (`20261207-230512F`, `..._20261208-010000D`).
    public var label: String?
    /// `full`, `diff` or `incr`: what pgBackRest took (a differential with no full before it is a full).
    public var type: String?
    public var startTime: String?
    public var stopTime: String?
    /// Bytes of the database the backup covers.
    public var size: Int64?
    /// Bytes it added to the repository (compressed, deduplicated against its prior backup).
    public var repositorySize: Int64?

    public init(job: String, label: String? = nil, type: String? = nil, startTime: String? = nil, stopTime: String? = nil,
                size: Int64? = nil, repositorySize: Int64? = nil) {
        self.job = job
        self.label = label
        self.type = type
        self.startTime = startTime
        self.stopTime = stopTime
        self.size = size
        self.repositorySize = repositorySize
    }
}

/// A Job that failed, and what pgBackRest (or the Job controller) said.
public struct BackupFailure: Codable, Sendable, Hashable {
    public var job: String
    /// `stanza-create`, `full`, `diff` or `incr`.
    public var action: String
    public var time: String?
    public var message: String
    /// The backup Job that succeeded after it: the failure no longer counts.
    public var resolvedBy: String?

    public init(job: String, action: String, time: String?, message: String) {
        self.job = job
        self.action = action
        self.time = time
        self.message = message
    }
}

/// One Job Ordinal made.
public struct BackupJobRecord: Codable, Sendable, Hashable {
    public var job: String
    /// `stanza-create`, `full`, `diff` or `incr`.
    public var action: String
    public var createdTime: String?

    public init(job: String, action: String, createdTime: String?) {
        self.job = job
        self.action = action
        self.createdTime = createdTime
    }
}

/// One schedule of `spec.backup.schedule`.
public struct BackupScheduleStatus: Codable, Sendable, Hashable {
    /// `full` or `diff`.
    public var type: String
    /// The cron expression these times belong to (a changed expression starts afresh).
    public var schedule: String
    /// The last run handled (started or missed), or when the schedule was first seen.
    public var lastScheduleTime: String
    public var nextScheduleTime: String?

    public init(type: String, schedule: String, lastScheduleTime: String, nextScheduleTime: String? = nil) {
        self.type = type
        self.schedule = schedule
        self.lastScheduleTime = lastScheduleTime
        self.nextScheduleTime = nextScheduleTime
    }
}

/// A scheduled backup that could not start in time.
public struct MissedBackup: Codable, Sendable, Hashable {
    public var type: String
    public var scheduledTime: String
    public var reason: String
    /// The backup Job that succeeded after it: the miss no longer counts.
    public var resolvedBy: String?

    public init(type: String, scheduledTime: String, reason: String) {
        self.type = type
        self.scheduledTime = scheduledTime
        self.reason = reason
    }
}
