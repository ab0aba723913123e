import KubeTypes

/// A backup Job to make this round.
public struct BackupJobCreation: Sendable, Hashable {
    public var name: String
    public var action: BackupJobAction
    /// Why: ``BackupJobPlan/Trigger``.
    public var trigger: BackupJobPlan.Trigger
    /// The repository it works on (``ResolvedBackup/repositoryFingerprint``).
    public var repository: String

    /// Creates a creation step.
    public init(name: String, action: BackupJobAction, trigger: BackupJobPlan.Trigger, repository: String) {
        self.name = name
        self.action = action
        self.trigger = trigger
        self.repository = repository
    }
}

/// A backup asked for with ``ClusterLabels/backupRequestAnnotation`` (what `ordinal backup` sets).
public struct BackupRequest: Sendable, Hashable {
    /// The annotation's value: a new value is a new request.
    public var id: String
    /// ``ClusterLabels/backupTypeAnnotation`` (`full` when absent).
    public var type: String?

    /// Creates a request.
    public init(id: String, type: String? = nil) {
        self.id = id
        self.type = type
    }

    /// The request the cluster's annotations carry, if any.
    public init?(annotations: [String: String]?) {
        guard let id = annotations?[ClusterLabels.backupRequestAnnotation], !id.isEmpty else { return nil }
        self.init(id: id, type: annotations?[ClusterLabels.backupTypeAnnotation])
    }
}

/// Backup Jobs: which to make, which to remove, and what their outcomes put in status.
///
/// One Job at a time per cluster. The stanza comes first (again when the repository changes),
/// then asked-for backups, then scheduled ones. A Job's outcome is read once, into status,
/// before the Job may be pruned. Nothing is started on a guess: without a confirmed primary that
/// archives (the template with the pgBackRest sidecar has reached it), Jobs wait, and a scheduled
/// backup that waited past ``ClusterDefaults/backupStartingDeadlineSeconds`` is recorded as missed.
public struct BackupJobPlan {
    /// Why a Job is made (the value of ``BackupJobBuilder/triggerLabel``).
    public enum Trigger: String, Sendable, Hashable {
        case repository, schedule, request
    }

    /// The Job to make, if any.
    var creation: BackupJobCreation?
    /// Finished Jobs to remove (recorded in the status already stored).
    var toDelete: [String] = []
    /// `status.backup` without ``BackupStatus/archive``.
    var status: BackupStatus
    /// Problems for `BackupHealthy`, in the order they matter.
    var problems: [(reason: Reason, message: String)] = []
    var events: [ClusterEvent] = []
    /// The stanza exists in the repository `spec.backup` names.
    var stanzaReady: Bool

    /// - Parameter blocked: why no Job can run now (no primary, archiving not on at it yet), or nil.
    init(backup: ResolvedBackup, names: ClusterNames, previous: BackupStatus?, jobs: [BackupJobObservation],
         request: BackupRequest?, blocked: String?, now: Double) {
        var status = previous ?? BackupStatus()
        status.archive = nil
        let fingerprint = backup.repositoryFingerprint
        let time = { (seconds: Double) in KubeTime.format(seconds) }

        // Outcomes: each finished Job once, in the order they were made.
        var recorded = (status.recordedJobs ?? []).filter { name in jobs.contains { $0.name == name } }
        let finished = jobs.filter { $0.state != .running && !recorded.contains($0.name) }
            .sorted { ($0.createdAt, $0.name) < ($1.createdAt, $1.name) }
        for job in finished {
            recorded.append(job.name)
            if status.running?.job == job.name { status.running = nil }
            let end = time(job.finishedAt ?? now)
            switch (job.action, job.state) {
            case (.stanzaCreate, .succeeded):
                status.stanza = StanzaStatus(repository: job.repository ?? fingerprint, createdTime: end, job: job.name)
                events.append(ClusterEvent(.normal, .stanzaCreated, "Job \(job.name) created the stanza \(backup.stanza) in the repository"))
            case (.backup(let asked), .succeeded):
                let outcome = BackupOutcome.parse(job.terminationMessage)
                let record = BackupRecord(
                    job: job.name, label: outcome?.label, type: outcome?.takenType ?? asked.rawValue,
                    startTime: outcome?.start.map { time(Double($0)) }, stopTime: outcome?.stop.map { time(Double($0)) } ?? end,
                    size: outcome?.size, repositorySize: outcome?.repositorySize)
                status.lastBackup = record
                // Made after what failed or was missed (outcomes are read in the order Jobs were made).
                if status.unresolvedFailure != nil { status.lastFailure?.resolvedBy = job.name }
                if status.unresolvedMiss != nil { status.missed?.resolvedBy = job.name }
                events.append(ClusterEvent(.normal, .backupSucceeded, "Job \(job.name) took \(Self.describe(record))"))
            default:
                let said = [job.terminationMessage, job.failure].compactMap { $0 }.first { !$0.isEmpty }
                let message = String((said ?? "the Job failed and its container left no message").prefix(Self.messageLimit))
                status.lastFailure = BackupFailure(job: job.name, action: job.action.label, time: end, message: message)
                let reason: Reason = job.action == .stanzaCreate ? .stanzaCreationFailed : .backupFailed
                events.append(ClusterEvent(.warning, reason, "\(job.action.label) by Job \(job.name) failed: \(message)"))
            }
        }
        status.recordedJobs = recorded.isEmpty ? nil : recorded

        // The Job running now; one made earlier but gone from the cache for long counts as deleted.
        if let running = jobs.first(where: { $0.state == .running }) {
            status.running = BackupJobRecord(job: running.name, action: running.action.label, createdTime: time(running.createdAt))
        } else if let running = status.running, !jobs.contains(where: { $0.name == running.job }),
            now - (running.createdTime.flatMap(KubeTime.parse) ?? now) > ClusterDefaults.backupJobCacheGraceSeconds
        {
            let message = "the Job was deleted before it finished"
            status.lastFailure = BackupFailure(job: running.job, action: running.action, time: time(now), message: message)
            events.append(ClusterEvent(.warning, .backupFailed, "\(running.action) by Job \(running.job): \(message)"))
            status.running = nil
        }
        var waitsFor = status.running.map { "Job \($0.job) (\($0.action)) is still running" } ?? blocked
        var creation: BackupJobCreation?
        let make = { (name: String, action: BackupJobAction, trigger: Trigger) -> BackupJobCreation in
            status.running = BackupJobRecord(job: name, action: action.label, createdTime: time(now))
            return BackupJobCreation(name: name, action: action, trigger: trigger, repository: fingerprint)
        }

        // The stanza, before anything is archived or backed up.
        stanzaReady = status.stanza?.repository == fingerprint
        if !stanzaReady {
            let lastAttempt = status.lastFailure.flatMap { $0.action == BackupJobAction.stanzaCreate.label ? $0 : nil }
            let retryAt = lastAttempt.flatMap { $0.time.flatMap(KubeTime.parse) }.map { $0 + ClusterDefaults.stanzaRetrySeconds }
            let failed = lastAttempt.map { " (the last attempt, Job \($0.job), failed: \($0.message))" } ?? ""
            if let waitsFor {
                problems.append((.stanzaNotCreated, "the stanza is not created in the repository yet: waiting, \(waitsFor)\(failed)"))
            } else if let retryAt, now < retryAt, let lastAttempt {
                problems.append((.stanzaCreationFailed,
                                 "stanza-create by Job \(lastAttempt.job) failed: \(lastAttempt.message); trying again at \(time(retryAt))"))
            } else {
                let name = names.backupJob(kind: "init", id: ClusterNames.minuteID(now))
                creation = make(name, .stanzaCreate, .repository)
                problems.append((.stanzaNotCreated, "Job \(name) creates the stanza in the repository\(failed)"))
            }
            waitsFor = waitsFor ?? "the stanza is not created yet"
        }

        // An asked-for backup, once, when a Job can run.
        if let request, request.id != status.lastRequest, waitsFor == nil, creation == nil {
            status.lastRequest = request.id
            if let type = BackupType(rawValue: request.type ?? BackupType.full.rawValue) {
                let name = names.requestedBackupJob(request.id)
                creation = make(name, .backup(type), .request)
                events.append(ClusterEvent(.normal, .backupStarted, "\(type.rawValue) backup asked for (\(ClusterLabels.backupRequestAnnotation)=\(request.id)): Job \(name)"))
            } else {
                events.append(ClusterEvent(.warning, .backupRequestRefused,
                                           "backup request \(request.id) asks for type \"\(request.type ?? "")\": expected full, diff or incr; nothing was run"))
            }
        }

        // Schedules: the latest run due, started when a Job can run, else missed after a while.
        var schedules: [BackupScheduleStatus] = []
        var fullStarted = false
        for (type, expression) in [(BackupType.full, backup.fullSchedule), (.diff, backup.differentialSchedule)] {
            guard let expression, let cron = try? CronSchedule(expression) else { continue }
            var record = previous?.schedules?.first { $0.type == type.rawValue && $0.schedule == expression }
                ?? BackupScheduleStatus(type: type.rawValue, schedule: expression, lastScheduleTime: time(now))
            if let due = Self.latestRun(of: cron, after: KubeTime.parse(record.lastScheduleTime) ?? now, upTo: now) {
                if waitsFor == nil, creation == nil {
                    let name = names.backupJob(kind: type.rawValue, id: ClusterNames.minuteID(due))
                    creation = make(name, .backup(type), .schedule)
                    record.lastScheduleTime = time(due)
                    fullStarted = type == .full
                    events.append(ClusterEvent(.normal, .backupStarted, "scheduled \(type.rawValue) backup of \(time(due)): Job \(name)"))
                } else if type == .diff, fullStarted {
                    record.lastScheduleTime = time(due)  // the full backup started now covers it
                } else if now - due > ClusterDefaults.backupStartingDeadlineSeconds {
                    let why = waitsFor ?? "another backup started first"
                    record.lastScheduleTime = time(due)
                    status.missed = MissedBackup(type: type.rawValue, scheduledTime: time(due), reason: why)
                    events.append(ClusterEvent(.warning, .backupMissed, "the scheduled \(type.rawValue) backup of \(time(due)) did not run: \(why)"))
                }
            }
            record.nextScheduleTime = (KubeTime.parse(record.lastScheduleTime)).flatMap(cron.next(after:)).map(time)
            schedules.append(record)
        }
        status.schedules = schedules.isEmpty ? nil : schedules

        // What the last Jobs say, until a backup succeeds after it.
        if stanzaReady, let failure = status.unresolvedFailure {
            problems.append((.backupFailed, "the \(failure.action) backup by Job \(failure.job) failed at \(failure.time ?? "an unknown time"): \(failure.message)"))
        }
        if let missed = status.unresolvedMiss {
            problems.append((.backupMissed, "the scheduled \(missed.type) backup of \(missed.scheduledTime) did not run: \(missed.reason)"))
        }

        // Prune finished Jobs whose outcome the stored status holds: keep the newest few.
        let stored = Set(previous?.recordedJobs ?? [])
        let old = jobs.filter { stored.contains($0.name) }.sorted { ($0.createdAt, $0.name) > ($1.createdAt, $1.name) }
        toDelete = old.filter { $0.state == .succeeded }.dropFirst(ClusterDefaults.succeededBackupJobsKept).map(\.name)
            + old.filter { $0.state == .failed }.dropFirst(ClusterDefaults.failedBackupJobsKept).map(\.name)
        self.creation = creation
        self.status = status
    }

    /// The longest failure message kept in status and Events.
    static let messageLimit = 1_000

    /// The latest run of `cron` after `start` and no later than `now`, if any (at most a year of
    /// minutes is walked: a longer gap starts from its last year).
    static func latestRun(of cron: CronSchedule, after start: Double, upTo now: Double) -> Double? {
        var due: Double?
        var next = cron.next(after: max(start, now - 366 * 86_400))
        while let run = next, run <= now {
            due = run
            next = cron.next(after: run)
        }
        return due
    }

    /// "a full backup 20261207-230512F (1.2 GiB, 310 MiB stored)".
    public static func describe(_ record: BackupRecord) -> String {
        let sizes = [record.size.map(Self.bytes), record.repositorySize.map { "\(Self.bytes($0)) stored" }].compactMap { $0 }
        return "a \(record.type ?? "") backup\(record.label.map { " \($0)" } ?? "")\(sizes.isEmpty ? "" : " (\(sizes.joined(separator: ", ")))")"
    }

    /// Bytes in binary units, one decimal.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
