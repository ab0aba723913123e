import KubeTypes

/// One look at a cluster: everything the planner decides from, as plain values. The shell
/// gathers it from the caches, the API server and the probes; nothing in it is a decision.
public struct ClusterObservation: Sendable, Hashable {
    /// The PostgresCluster as stored (spec, status, metadata).
    public var cluster: PostgresCluster
    /// Seconds since the epoch.
    public var now: Double
    /// The three Secrets the cluster needs, by role.
    public var secrets: [SecretRole: SecretObservation]
    /// The live StatefulSet (in the cache's form: no pod template), or `nil` when it does not exist.
    public var statefulSet: StatefulSet?
    /// A PodDisruptionBudget of the cluster exists.
    public var hasBudget: Bool
    /// The cluster's pods (any ordinal).
    public var pods: [PodObservation]
    /// What the probes learnt: one report per probed pod.
    public var reports: [InstanceReport]
    /// Why probing did not run at all, when it did not (no credentials, no pod with an address).
    public var probeBlocked: String?
    /// The data volume claims and their requested sizes, when the shell read them (see
    /// ``ClusterPlanner/needsClaims(_:statefulSet:pods:)``).
    public var claims: [ClaimObservation]?
    /// Actions of an earlier plan for this same observation that failed (fed back by the shell).
    public var failures: [ActionFailure]
    /// Claims whose growth the API server refused this round, and what it said (fed back).
    public var growthFailures: [VolumeGrowthFailure] = []
    /// `metadata.resourceVersion` of each Secret that exists.
    public var secretVersions: [SecretRole: String] = [:]
    /// Roles whose password PostgreSQL holds and the shell still has in memory: a generated
    /// Secret deleted meanwhile is made again with it.
    public var knownPasswords: Set<SecretRole> = []
    /// The generated app Secret's derived keys (`uri`, `jdbc-uri`, `pgpass`) do not say its password.
    public var appSecretKeysStale = false
    /// SHA-256 (hex) of the passfile every standby must hold for the replication Secret, when
    /// that Secret can be read.
    public var expectedPassfileDigest: String?
    /// Names of the cluster's ConfigMaps (the shared one and each revision's).
    public var configMaps: [String] = []
    /// `pg_settings.context` of the spec's parameters (lowercase name → context), as a running
    /// instance of the cluster reports them; empty when none answered.
    public var parameterContexts: [String: String] = [:]
    /// The certificate Secrets (read only while TLS is on).
    public var certificates = CertificateObservation()
    /// Whether the cluster's NetworkPolicy exists.
    public var hasNetworkPolicy = false
    /// The cluster's backup Jobs (with their pods' termination messages).
    public var backupJobs: [BackupJobObservation] = []
    /// What is wrong with the Secrets a backup Job needs (``ResolvedBackup/requiredSecrets``), as
    /// the shell found them when the plan made a Job (`Secret orders-s3 has no secretAccessKey`);
    /// empty when they are as needed or were not read.
    public var backupSecretProblems: [String] = []
    /// The namespace the operator runs in (the NetworkPolicy lets it in).
    public var operatorNamespace = ClusterDefaults.operatorNamespace

    /// Creates an observation.
    public init(
        cluster: PostgresCluster, now: Double, secrets: [SecretRole: SecretObservation] = [:], statefulSet: StatefulSet? = nil,
        hasBudget: Bool = false, pods: [PodObservation] = [], reports: [InstanceReport] = [], probeBlocked: String? = nil,
        claims: [ClaimObservation]? = nil, failures: [ActionFailure] = []
    ) {
        self.cluster = cluster
        self.now = now
        self.secrets = secrets
        self.statefulSet = statefulSet
        self.hasBudget = hasBudget
        self.pods = pods
        self.reports = reports
        self.probeBlocked = probeBlocked
        self.claims = claims
        self.failures = failures
    }
}

/// The role a cluster Secret plays.
public enum SecretRole: String, Sendable, Hashable, CaseIterable {
    case superuser, replication, app
    /// The monitoring role the probes log in as; its Secret is always generated.
    case monitor
}

/// What the shell found of one Secret. Values never enter an observation: only whether the
/// keys the operator needs are there.
public enum SecretObservation: Sendable, Hashable {
    case missing
    case present(username: String?, hasPassword: Bool)
}

/// One pod of the cluster, as the cache holds it.
public struct PodObservation: Sendable, Hashable {
    public var name: String
    /// The pod's `Ready` condition.
    public var isReady: Bool
    /// `controller-revision-hash`.
    public var revision: String?
    /// The current `ordinal.dev/role` label.
    public var roleLabel: String?
    /// The termination message of the bootstrap init container's latest failed run
    /// (`<Reason>: <sentence>`, docs/pod-contract.md), if it failed.
    public var bootstrapFailure: String?
    /// Why one of its containers cannot start (``Pod/startFailure``), if one cannot.
    public var startFailure: String?
    /// `metadata.uid`: a pod made again (perhaps with a new claim) has a new one.
    public var uid: String?
    /// `ordinal.dev/config-hash`: which revision's configuration the pod reads.
    public var configHash: String?
    /// `ordinal.dev/tls`: its server serves the cluster's certificate, and it holds the CA.
    public var servesTLS: Bool

    /// Creates a pod observation.
    public init(name: String, isReady: Bool, revision: String? = nil, roleLabel: String? = nil, bootstrapFailure: String? = nil,
                uid: String? = nil, configHash: String? = nil, servesTLS: Bool = false, startFailure: String? = nil) {
        self.startFailure = startFailure
        self.configHash = configHash
        self.servesTLS = servesTLS
        self.name = name
        self.isReady = isReady
        self.revision = revision
        self.roleLabel = roleLabel
        self.bootstrapFailure = bootstrapFailure
        self.uid = uid
    }
}

/// A claim the API server would not grow, and what it said.
public struct VolumeGrowthFailure: Sendable, Hashable {
    public var claim: String
    public var message: String

    /// Creates a failure report.
    public init(claim: String, message: String) {
        self.claim = claim
        self.message = message
    }
}

/// One data volume claim and the storage it requests.
public struct ClaimObservation: Sendable, Hashable {
    public var name: String
    public var requested: String?

    /// Creates a claim observation.
    public init(name: String, requested: String?) {
        self.name = name
        self.requested = requested
    }
}
