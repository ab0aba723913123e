/// A batch/v1 Job: pods run to completion.
public struct Job: KubernetesResource, Hashable {
    public static let group = "batch"
    public static let version = "v1"
    public static let kind = "Job"
    public static let plural = "jobs"

    public var apiVersion: String = Job.apiVersion
    public var kind: String = Job.kind
    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?

    public init(metadata: ObjectMeta, spec: JobSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The desired state of a ``Job``, the subset Ordinal uses.
public struct JobSpec: Codable, Sendable, Hashable {
    public var template: PodTemplateSpec
    /// Retries before the Job is failed (the default is 6).
    public var backoffLimit: Int?
    /// The Job's whole run time, retries included, before it is failed.
    public var activeDeadlineSeconds: Int64?
    /// How long a finished Job is kept before the API server's garbage collector deletes it.
    public var ttlSecondsAfterFinished: Int?

    public init(template: PodTemplateSpec) { self.template = template }
}

/// What a ``Job``'s controller reports.
public struct JobStatus: Codable, Sendable, Hashable {
    /// `Complete` and `Failed` (`True` once finished), with `reason` and `message`.
    public var conditions: [JobCondition]?
    public var startTime: String?
    public var completionTime: String?
    public var active: Int?
    public var succeeded: Int?
    public var failed: Int?

    public init() {}
}

/// One condition of a ``JobStatus`` (`Complete`, `Failed`, ...): the same shape as a pod's.
public typealias JobCondition = ObjectCondition
