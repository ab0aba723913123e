import KubeTypes

/// What the user asks for. Unset fields take the defaults in ``ClusterDefaults``.
public struct PostgresClusterSpec: Codable, Sendable, Hashable {
    /// Number of PostgreSQL instances: pod 0 is the primary, the others stream from it.
    public var instances: Int
    /// PostgreSQL version, `MAJOR.MINOR` (for example `16.4`); selects `postgres:<version>`.
    public var postgresVersion: String
    /// A full image reference that replaces `postgres:<postgresVersion>`; it must run that version.
    public var image: String?
    /// `Always`, `IfNotPresent` or `Never`.
    public var imagePullPolicy: String?
    public var storage: StorageSpec
    /// Compute resources of the PostgreSQL container.
    public var resources: ResourceRequirements?
    public var postgresql: PostgreSQLSpec?
    public var bootstrap: BootstrapSpec?
    public var secrets: SecretsSpec?
    public var scheduling: SchedulingSpec?
    public var podDisruptionBudget: PodDisruptionBudgetSettings?
    public var pvcRetention: PVCRetentionSpec?
    public var upgrade: UpgradeSpec?
    /// What happens when the primary is lost, and how it comes home to pod 0.
    public var failover: FailoverSpec?
    /// How replicas confirm commits.
    public var replication: ReplicationSpec?
    /// TLS for clients and replication: on by default, with certificates Ordinal issues.
    public var tls: TLSSpec?
    /// A NetworkPolicy that lets only the cluster's own pods, the operator and the peers named
    /// here reach PostgreSQL (off by default).
    public var networkPolicy: NetworkPolicySettings?
    /// WAL archiving and base backups with pgBackRest.
    public var backup: BackupSpec?

    public init(instances: Int, postgresVersion: String, storage: StorageSpec) {
        self.instances = instances
        self.postgresVersion = postgresVersion
        self.storage = storage
    }
}

/// The volume each instance gets.
public struct StorageSpec: Codable, Sendable, Hashable {
    /// A Kubernetes quantity, for example `10Gi`. It may grow, never shrink.
    public var size: String
    /// The StorageClass; the cluster default when unset. Fixed once set.
    public var storageClassName: String?

    public init(size: String, storageClassName: String? = nil) {
        self.size = size
        self.storageClassName = storageClassName
    }
}

/// PostgreSQL server settings.
public struct PostgreSQLSpec: Codable, Sendable, Hashable {
    /// `postgresql.conf` parameters, name to value, both strings.
    public var parameters: [String: String]?

    public init(parameters: [String: String]? = nil) { self.parameters = parameters }
}

/// What the first start of the primary creates.
public struct BootstrapSpec: Codable, Sendable, Hashable {
    /// The application database (default `app`).
    public var database: String?
    /// The owner role of the application database (default `app`).
    public var owner: String?

    public init(database: String? = nil, owner: String? = nil) {
        self.database = database
        self.owner = owner
    }
}

/// Existing Secrets to use instead of generated ones. They are read, never changed.
public struct SecretsSpec: Codable, Sendable, Hashable {
    /// A Secret with `username` (must be `postgres`) and `password`.
    public var superuser: String?
    /// A Secret with `username` and `password` of the application owner.
    public var app: String?
    /// A Secret with `username` and `password` of the replication role.
    public var replication: String?

    public init(superuser: String? = nil, app: String? = nil, replication: String? = nil) {
        self.superuser = superuser
        self.app = app
        self.replication = replication
    }
}

/// Where the pods may run.
public struct SchedulingSpec: Codable, Sendable, Hashable {
    /// `soft` (prefer different nodes, default), `hard` (require them) or `none`.
    public var antiAffinity: AntiAffinityPreset?
    /// The topology domain the anti-affinity spreads across (default `kubernetes.io/hostname`).
    public var topologyKey: String?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var priorityClassName: String?

    public init() {}
}

/// How strongly instances are kept on different nodes.
public enum AntiAffinityPreset: String, Codable, Sendable, Hashable, CaseIterable {
    case soft, hard, none
}

/// The PodDisruptionBudget Ordinal makes.
public struct PodDisruptionBudgetSettings: Codable, Sendable, Hashable {
    /// Make a PodDisruptionBudget (default true).
    public var enabled: Bool?
    /// How many instances a voluntary disruption may take at once (default 1, so a drain never blocks forever).
    public var maxUnavailable: Int?

    public init(enabled: Bool? = nil, maxUnavailable: Int? = nil) {
        self.enabled = enabled
        self.maxUnavailable = maxUnavailable
    }
}

/// What happens to the data volumes; `Retain` unless the user chooses `Delete`.
public struct PVCRetentionSpec: Codable, Sendable, Hashable {
    /// When the PostgresCluster is deleted.
    public var whenDeleted: RetentionPolicy?
    /// When instances are removed by a scale-down.
    public var whenScaled: RetentionPolicy?

    public init(whenDeleted: RetentionPolicy? = nil, whenScaled: RetentionPolicy? = nil) {
        self.whenDeleted = whenDeleted
        self.whenScaled = whenScaled
    }
}

/// Keep or delete a volume.
public enum RetentionPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case retain = "Retain"
    case delete = "Delete"
}

/// How version and template changes roll out.
public struct UpgradeSpec: Codable, Sendable, Hashable {
    /// `RollingPartition` (default): one pod at a time down the StatefulSet partition, the primary last.
    public var strategy: UpgradeStrategy?
    /// Hold the walk at its current step until cleared.
    public var paused: Bool?
    /// Walk the replicas, then hold before restarting the primary until cleared (a maintenance window).
    public var holdBeforePrimary: Bool?
    /// How long one step may take to become healthy before the walk stops as Degraded (default 600).
    public var stepTimeoutSeconds: Int?
    /// The replication lag, in bytes, under which an updated replica counts as caught up (default 16 MiB).
    public var maxLagBytes: Int64?

    public init() {}
}

/// Failover: promoting a replica when the primary is lost, and the switchover home to pod 0.
public struct FailoverSpec: Codable, Sendable, Hashable {
    /// How long the primary must be lost (its PostgreSQL unreachable and its pod not Ready, or
    /// its pod gone) before a replica is promoted (default 5; 0 promotes at once).
    public var delaySeconds: Int?
    /// `Automatic` (default): once pod 0 is a healthy, caught-up replica, switch over to it;
    /// `Manual`: stay where the primary is until asked.
    public var returnHome: ReturnHomePolicy?

    public init(delaySeconds: Int? = nil, returnHome: ReturnHomePolicy? = nil) {
        self.delaySeconds = delaySeconds
        self.returnHome = returnHome
    }
}

/// Replication settings.
public struct ReplicationSpec: Codable, Sendable, Hashable {
    /// Synchronous replication: a commit is acknowledged once this many standbys have it.
    public var synchronous: SynchronousReplicationSpec?

    public init(synchronous: SynchronousReplicationSpec? = nil) {
        self.synchronous = synchronous
    }
}

/// `synchronous_standby_names = 'ANY number (every pod)'`.
public struct SynchronousReplicationSpec: Codable, Sendable, Hashable {
    /// How many standbys must have flushed a commit before the primary acknowledges it (at
    /// least 1, fewer than `instances`).
    public var number: Int

    public init(number: Int) {
        self.number = number
    }
}

/// Whether the primary comes home to pod 0 by itself after a failover.
public enum ReturnHomePolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case automatic = "Automatic"
    case manual = "Manual"
}

/// The ways an update can be rolled out.
public enum UpgradeStrategy: String, Codable, Sendable, Hashable, CaseIterable {
    case rollingPartition = "RollingPartition"
}

/// TLS: by default Ordinal keeps a CA for the cluster (`<name>-ca`) and issues the server
/// certificate (`<name>-server`) from it; naming `serverSecretName` uses the user's instead.
public struct TLSSpec: Codable, Sendable, Hashable {
    /// TLS for clients and replication (default true).
    public var enabled: Bool?
    /// An existing `kubernetes.io/tls` Secret with the server certificate (`tls.crt`,
    /// `tls.key`) and, unless `caSecretName` names another, the CA that signed it (`ca.crt`),
    /// for example one cert-manager keeps. Ordinal then issues nothing and only uses it.
    public var serverSecretName: String?
    /// An existing Secret whose `ca.crt` is the CA clients and replicas verify the server with
    /// (with `serverSecretName`).
    public var caSecretName: String?

    public init(enabled: Bool? = nil, serverSecretName: String? = nil, caSecretName: String? = nil) {
        self.enabled = enabled
        self.serverSecretName = serverSecretName
        self.caSecretName = caSecretName
    }
}

/// `spec.networkPolicy`: who may reach port 5432 besides the cluster's own pods and the operator.
public struct NetworkPolicySettings: Codable, Sendable, Hashable {
    /// Make the NetworkPolicy (default false).
    public var enabled: Bool?
    /// More peers allowed to connect (pods by label, namespaces by label, IP blocks), as in a
    /// NetworkPolicy's `from`.
    public var from: [NetworkPolicyPeer]?

    public init(enabled: Bool? = nil, from: [NetworkPolicyPeer]? = nil) {
        self.enabled = enabled
        self.from = from
    }
}
