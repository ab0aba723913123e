import KubeTypes

/// A ``PostgresCluster`` with every default applied: what the builders read.
///
/// Made by ``init(_:)``, the one place defaults are applied.
public struct ResolvedCluster: Sendable, Hashable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var generation: Int64?
    public var instances: Int
    public var postgresVersion: String
    public var image: String
    public var imagePullPolicy: String
    public var storageSize: String
    public var storageClassName: String?
    public var resources: ResourceRequirements?
    /// The server parameters: the user's, plus defaults Ordinal derives from the spec
    /// (`max_slot_wal_keep_size` from the volume size) where the user set none.
    public var parameters: [String: String]
    public var database: String
    public var owner: String
    /// Existing Secrets the user named, by role; `nil` means Ordinal generates one.
    public var userSecrets: SecretsSpec
    public var antiAffinity: AntiAffinityPreset
    public var topologyKey: String
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var priorityClassName: String?
    public var podDisruptionBudgetEnabled: Bool
    public var maxUnavailable: Int
    public var retentionWhenDeleted: RetentionPolicy
    public var retentionWhenScaled: RetentionPolicy
    public var upgradeStrategy: UpgradeStrategy
    public var upgradePaused: Bool
    public var holdBeforePrimary: Bool
    public var stepTimeoutSeconds: Int
    public var maxLagBytes: Int64
    public var failoverDelaySeconds: Int
    /// TLS for clients and replication.
    public var tlsEnabled: Bool
    /// The user's server certificate Secret, when named (Ordinal then issues nothing).
    public var userServerCertificateSecret: String?
    /// The user's CA Secret, when named (else the server Secret's `ca.crt`).
    public var userCertificateAuthoritySecret: String?
    /// Whether Ordinal makes the cluster's NetworkPolicy.
    public var networkPolicyEnabled: Bool
    /// Peers the NetworkPolicy lets in besides the cluster's pods and the operator.
    public var networkPolicyPeers: [NetworkPolicyPeer]
    /// Standbys that must have a commit before it is acknowledged; `nil`: asynchronous.
    public var synchronousStandbys: Int?
    public var returnHome: ReturnHomePolicy
    /// Archiving and backups, when `spec.backup` is set.
    public var backup: ResolvedBackup?

    /// Applies the defaults. A missing namespace becomes `default`; a missing uid stays empty
    /// (as in `ordinal render`, before the API server has assigned one).
    public init(_ cluster: PostgresCluster) {
        let spec = cluster.spec
        name = cluster.metadata.name ?? ""
        namespace = cluster.metadata.namespace ?? "default"
        uid = cluster.metadata.uid ?? ""
        generation = cluster.metadata.generation
        instances = spec.instances
        postgresVersion = spec.postgresVersion
        image = spec.image ?? "\(ClusterDefaults.imageRepository):\(spec.postgresVersion)"
        imagePullPolicy = spec.imagePullPolicy ?? ClusterDefaults.imagePullPolicy
        storageSize = spec.storage.size
        storageClassName = spec.storage.storageClassName
        resources = spec.resources
        var parameters = spec.postgresql?.parameters ?? [:]
        if parameters["max_slot_wal_keep_size"] == nil,
            let cap = ClusterDefaults.maxSlotWALKeepSize(storage: spec.storage.size)
        {
            // Reloadable (pg_settings.context sighup): a volume resize changes it with a reload,
            // no restart and no walk (ParameterContexts).
            parameters["max_slot_wal_keep_size"] = cap
        }
        if let number = spec.replication?.synchronous?.number {
            parameters["synchronous_standby_names"] = ClusterDefaults.synchronousStandbyNames(cluster: cluster.metadata.name ?? "", number: number)
        }
        self.parameters = parameters
        database = spec.bootstrap?.database ?? ClusterDefaults.database
        owner = spec.bootstrap?.owner ?? ClusterDefaults.owner
        userSecrets = spec.secrets ?? SecretsSpec()
        antiAffinity = spec.scheduling?.antiAffinity ?? ClusterDefaults.antiAffinity
        topologyKey = spec.scheduling?.topologyKey ?? ClusterDefaults.topologyKey
        nodeSelector = spec.scheduling?.nodeSelector
        tolerations = spec.scheduling?.tolerations
        priorityClassName = spec.scheduling?.priorityClassName
        podDisruptionBudgetEnabled = spec.podDisruptionBudget?.enabled ?? ClusterDefaults.podDisruptionBudgetEnabled
        maxUnavailable = spec.podDisruptionBudget?.maxUnavailable ?? ClusterDefaults.maxUnavailable
        retentionWhenDeleted = spec.pvcRetention?.whenDeleted ?? ClusterDefaults.retention
        retentionWhenScaled = spec.pvcRetention?.whenScaled ?? ClusterDefaults.retention
        upgradeStrategy = spec.upgrade?.strategy ?? ClusterDefaults.upgradeStrategy
        upgradePaused = spec.upgrade?.paused ?? false
        holdBeforePrimary = spec.upgrade?.holdBeforePrimary ?? false
        stepTimeoutSeconds = spec.upgrade?.stepTimeoutSeconds ?? ClusterDefaults.stepTimeoutSeconds
        maxLagBytes = spec.upgrade?.maxLagBytes ?? ClusterDefaults.maxLagBytes
        failoverDelaySeconds = spec.failover?.delaySeconds ?? ClusterDefaults.failoverDelaySeconds
        tlsEnabled = spec.tls?.enabled ?? true
        userServerCertificateSecret = spec.tls?.serverSecretName
        userCertificateAuthoritySecret = spec.tls?.caSecretName
        networkPolicyEnabled = spec.networkPolicy?.enabled ?? false
        networkPolicyPeers = spec.networkPolicy?.from ?? []
        synchronousStandbys = spec.replication?.synchronous?.number
        returnHome = spec.failover?.returnHome ?? ClusterDefaults.returnHome
        backup = spec.backup.flatMap { ResolvedBackup($0, cluster: cluster.metadata.name ?? "", namespace: cluster.metadata.namespace ?? "default") }
    }

    /// Names of every object made for this cluster.
    public var names: ClusterNames { ClusterNames(cluster: name, namespace: namespace) }

    /// The server certificate Secret in use: the user's, or the one Ordinal issues.
    public var serverCertificateSecret: String { userServerCertificateSecret ?? names.serverCertificateSecret }

    /// True when Ordinal keeps the CA and issues the server certificate.
    public var issuesCertificates: Bool { tlsEnabled && userServerCertificateSecret == nil }

    /// The PostgreSQL major version (`16` of `16.4`).
    public var majorVersion: Int? { PostgresVersion(postgresVersion)?.major }
}
