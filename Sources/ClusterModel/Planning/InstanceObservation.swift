/// What the operator knows about one instance: its pod, and what its PostgreSQL said.
public struct InstanceObservation: Sendable, Hashable {
    public var ordinal: Int
    public var podName: String
    /// The pod's `Ready` condition.
    public var isPodReady: Bool
    /// The StatefulSet revision the pod runs (`controller-revision-hash`).
    public var revision: String?
    /// What PostgreSQL reported; `nil` when it could not be reached.
    public var database: DatabaseFacts?
    /// Why PostgreSQL could not be reached, when it could not.
    public var unreachableReason: String?
    /// Why the instance's data may not be trusted (another cluster's system identifier), when so.
    public var identityProblem: String?

    public init(ordinal: Int, podName: String, isPodReady: Bool, revision: String? = nil,
                database: DatabaseFacts? = nil, unreachableReason: String? = nil, identityProblem: String? = nil) {
        self.ordinal = ordinal
        self.podName = podName
        self.isPodReady = isPodReady
        self.revision = revision
        self.database = database
        self.unreachableReason = unreachableReason
        self.identityProblem = identityProblem
    }
}

/// The StatefulSet's part in a rollout, as the API server reports it.
public struct StatefulSetObservation: Sendable, Hashable {
    public var replicas: Int
    public var partition: Int
    public var generation: Int64?
    public var observedGeneration: Int64?
    public var currentRevision: String?
    public var updateRevision: String?

    public init(replicas: Int, partition: Int, generation: Int64? = nil, observedGeneration: Int64? = nil,
                currentRevision: String? = nil, updateRevision: String? = nil) {
        self.replicas = replicas
        self.partition = partition
        self.generation = generation
        self.observedGeneration = observedGeneration
        self.currentRevision = currentRevision
        self.updateRevision = updateRevision
    }

    /// The StatefulSet controller has seen the latest spec.
    public var isObserved: Bool {
        guard let generation else { return true }
        return (observedGeneration ?? 0) >= generation
    }
}
