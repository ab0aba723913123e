/// What the operator knows about one instance: its pod, and what its PostgreSQL said.
public struct InstanceObservation: Sendable, Hashable {
    public var ordinal: Int
    public var podName: String
    /// The pod's `Ready` condition.
    public var isPodReady: Bool
    /// The StatefulSet revision the pod runs (`controller-revision-hash`).
    public var revision: String?
    /// The pod's current `ordinal.dev/role` label.
    public var roleLabel: String?
    /// What PostgreSQL reported; `nil` when it could not be reached.
    public var database: DatabaseFacts?
    /// Why PostgreSQL could not be reached, when it could not.
    public var unreachableReason: String?

    public init(ordinal: Int, podName: String, isPodReady: Bool, revision: String? = nil, roleLabel: String? = nil,
                database: DatabaseFacts? = nil, unreachableReason: String? = nil) {
        self.ordinal = ordinal
        self.podName = podName
        self.isPodReady = isPodReady
        self.revision = revision
        self.roleLabel = roleLabel
        self.database = database
        self.unreachableReason = unreachableReason
    }
}

/// The facts of one reachable PostgreSQL instance that decisions use.
public struct DatabaseFacts: Sendable, Hashable {
    public var isInRecovery: Bool
    /// `server_version_num`, for example 160004.
    public var serverVersionNumber: Int
    /// The WAL receiver is streaming (replicas).
    public var isStreaming: Bool
    /// The host the WAL receiver streams from (replicas).
    public var upstreamHost: String?
    /// Bytes of WAL the replica has not replayed yet, measured against the primary.
    public var lagBytes: Int64?

    public init(isInRecovery: Bool, serverVersionNumber: Int, isStreaming: Bool = false, upstreamHost: String? = nil, lagBytes: Int64? = nil) {
        self.isInRecovery = isInRecovery
        self.serverVersionNumber = serverVersionNumber
        self.isStreaming = isStreaming
        self.upstreamHost = upstreamHost
        self.lagBytes = lagBytes
    }

    /// The version as `MAJOR.MINOR`.
    public var version: PostgresVersion { PostgresVersion(serverVersionNumber: serverVersionNumber) }
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
