import KubeTypes

/// One backup Job of the cluster as the shell found it (the Job and its pod in the caches).
public struct BackupJobObservation: Sendable, Hashable {
    public var name: String
    public var action: BackupJobAction
    /// Seconds since the epoch (`metadata.creationTimestamp`).
    public var createdAt: Double
    public var state: State
    /// When it finished (`status.completionTime`, the `Failed` condition's time, or the pod's end).
    public var finishedAt: Double?
    /// The container's termination message (`backup-job.sh`'s outcome), when it ended.
    public var terminationMessage: String?
    /// The Job controller's word on a failure without a message (`DeadlineExceeded: ...`).
    public var failure: String?
    /// The repository it worked on (``BackupJobBuilder/repositoryLabel``).
    public var repository: String?

    public enum State: Sendable, Hashable {
        case running, succeeded, failed
    }

    /// Creates an observation.
    public init(name: String, action: BackupJobAction, createdAt: Double, state: State, finishedAt: Double? = nil,
                terminationMessage: String? = nil, failure: String? = nil, repository: String? = nil) {
        self.repository = repository
        self.name = name
        self.action = action
        self.createdAt = createdAt
        self.state = state
        self.finishedAt = finishedAt
        self.terminationMessage = terminationMessage
        self.failure = failure
    }

    /// Reads a Job and its pod, as Ordinal labelled them; `nil` for a Job that is not a backup Job.
    public init?(job: Job, pod: Pod?) {
        guard let name = job.metadata.name, let action = job.metadata.labels?[BackupJobBuilder.actionLabel].flatMap(BackupJobAction.init(label:))
        else { return nil }
        self.name = name
        self.action = action
        repository = job.metadata.labels?[BackupJobBuilder.repositoryLabel]
        createdAt = job.metadata.creationTimestamp.flatMap(KubeTime.parse) ?? 0
        let conditions = job.status?.conditions ?? []
        let holds = { (type: String) in conditions.first { $0.type == type && $0.status == "True" } }
        let ended = pod?.termination(ofContainer: BackupJobBuilder.containerName)
        terminationMessage = ended?.message
        if let complete = holds("Complete") {
            state = .succeeded
            finishedAt = job.status?.completionTime.flatMap(KubeTime.parse) ?? complete.lastTransitionTime.flatMap(KubeTime.parse)
        } else if let failed = holds("Failed") {
            state = .failed
            finishedAt = failed.lastTransitionTime.flatMap(KubeTime.parse) ?? ended?.finishedAt.flatMap(KubeTime.parse)
            failure = [failed.reason, failed.message].compactMap { $0 }.joined(separator: ": ")
        } else {
            state = .running
        }
    }
}

extension BackupJobAction {
    /// The value of ``BackupJobBuilder/actionLabel``: `stanza-create`, `full`, `diff` or `incr`.
    public var label: String {
        switch self {
        case .stanzaCreate: "stanza-create"
        case .backup(let type): type.rawValue
        }
    }

    /// Reads a ``label``.
    public init?(label: String) {
        if label == "stanza-create" {
            self = .stanzaCreate
        } else if let type = BackupType(rawValue: label) {
            self = .backup(type)
        } else {
            return nil
        }
    }
}

/// What `backup-job.sh` wrote as its termination message on success.
struct BackupOutcome: Decodable, Hashable {
    var action: String
    var label: String?
    var type: String?
    var start: Int64?
    var stop: Int64?
    var size: Int64?
    var repositorySize: Int64?

    /// The outcome in `message`, or `nil` when it is not one (a failure's error lines).
    static func parse(_ message: String?) -> BackupOutcome? {
        guard let message, message.hasPrefix("{") else { return nil }
        return try? JSONValue(parsing: Array(message.utf8)).decode(as: BackupOutcome.self)
    }

    /// The type pgBackRest took, from the label's last letter (`F`, `D`, `I`), else the one asked for.
    var takenType: String? {
        switch label?.last {
        case "F": BackupType.full.rawValue
        case "D": BackupType.diff.rawValue
        case "I": BackupType.incr.rawValue
        default: type
        }
    }
}
