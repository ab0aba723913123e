import KubeTypes

/// Everything the shell does for one cluster this round, in order: decided by
/// ``ClusterPlanner/plan(_:)``, executed by the shell without a decision of its own.
///
/// Order: certificates, then Secrets, then the ConfigMap, Services and budget, then role labels (every primary
/// label removed before one is added), then SQL actions on instances, then the StatefulSet,
/// then volume claims, then status and events. When an action fails, the shell runs no further
/// action, plans again with the failure in ``ClusterObservation/failures`` and takes the
/// StatefulSet, volumes, status and events from that second plan; the stages before the
/// actions never depend on failures, and no action after the failed one has run.
public struct ClusterPlan: Sendable, Hashable {
    /// Why nothing is changed: when not empty, only ``status`` and ``events`` apply.
    public var specErrors: [FieldError] = []
    /// Generated Secrets to create: with a new password (drawn when it is made, once), or,
    /// for one deleted from a running cluster, with the password PostgreSQL holds.
    public var secretsToCreate: [SecretCreation] = []
    /// The generated app Secret whose derived keys (`uri`, `jdbc-uri`, `pgpass`) are written
    /// again from its password.
    public var appSecretToRefresh: String?
    /// Certificates to issue, CA first (see ``CertificatePlan``).
    public var certificatesToIssue: [CertificateIssue] = []
    /// The ConfigMap, the Services and the budget, applied unless the live objects already match.
    public var objects: [OwnedObject] = []
    /// The PodDisruptionBudget to delete (no longer wanted), if any.
    public var budgetToDelete: String?
    /// The NetworkPolicy to delete (`spec.networkPolicy` turned off), if any.
    public var networkPolicyToDelete: String?
    /// Revision ConfigMaps no pod reads any more, and none can again (see ``ConfigRevisionPlan``).
    public var configMapsToDelete: [String] = []
    /// Role label changes in their safe order.
    public var labels: [RoleLabelPlan.Change] = []
    /// SQL actions, in order.
    public var actions: [InstanceAction] = []
    /// Pods to delete after the actions, so the StatefulSet makes them again: replicas whose
    /// bootstrap rebuilds them, fenced pods (accepting writes without being the current
    /// primary) whose bootstrap makes them its standbys, and the primary restarted ahead of a
    /// walk that lowers settings (after its CHECKPOINT; see ``StandbyLimits``). Never a claim.
    public var podsToDelete: [String] = []
    /// The StatefulSet to apply (unless the live one already matches), with its partition and replica count set.
    public var statefulSet: StatefulSet?
    /// The backup Job to make (after the StatefulSet; at most one a round).
    public var backupJob: BackupJobCreation?
    /// Finished backup Jobs to delete (their outcome is in the stored status).
    public var backupJobsToDelete: [String] = []
    /// Volume claims to grow.
    public var volumeGrowth: [VolumeGrowth] = []
    /// The status to write (only when it differs from the stored one).
    public var status = PostgresClusterStatus()
    /// Events to record.
    public var events: [ClusterEvent] = []
    /// When to look again.
    public var requeue: Requeue = .never

    /// Creates an empty plan.
    public init() {}
}

/// A generated Secret to make.
public struct SecretCreation: Sendable, Hashable {
    public var name: String
    public var role: SecretRole
    /// Where its password comes from.
    public var password: PasswordSource

    /// Creates a creation step.
    public init(name: String, role: SecretRole, password: PasswordSource = .new) {
        self.name = name
        self.role = role
        self.password = password
    }
}

/// A certificate Ordinal issues into a `kubernetes.io/tls` Secret.
public enum CertificateIssue: Sendable, Hashable {
    /// A new CA for the cluster, into a Secret that does not exist yet (an existing CA is never replaced).
    case authority(secret: String, commonName: String)
    /// A server certificate for `dnsNames` signed by the CA in `authoritySecret` (made or
    /// replaced; `replacing` says so), with the CA as `ca.crt`.
    case server(secret: String, authoritySecret: String, dnsNames: [String], replacing: Bool)
    /// pgBackRest's self-signed identity for `dnsNames` (made or replaced; `replacing` says so).
    case backupIdentity(secret: String, dnsNames: [String], replacing: Bool)

    /// The Secret it is written to.
    public var secret: String {
        switch self {
        case .authority(let secret, _), .server(let secret, _, _, _), .backupIdentity(let secret, _, _): secret
        }
    }
}

/// Where the password of a Secret being made comes from.
public enum PasswordSource: Sendable, Hashable {
    /// A new random one (set in PostgreSQL afterwards, when the cluster already runs).
    case new
    /// The one PostgreSQL holds, which the shell still has in memory.
    case known
}

/// An object owned by the cluster, to apply.
public enum OwnedObject: Sendable, Hashable {
    case configMap(ConfigMap)
    case service(Service)
    case budget(PodDisruptionBudget)
    case networkPolicy(NetworkPolicy)
}

/// One SQL action on one instance.
public enum InstanceAction: Sendable, Hashable {
    /// On the primary `pod`: create a slot for each of `replicas` that lacks one; drop the
    /// slots in `dropping` (of pods gone for good) unless a WAL sender uses them.
    case ensureSlots(pod: String, replicas: [String], dropping: [String])
    /// On replica `pod`: stream from `upstream` (a pod name) as `user`, through the pod's slot.
    case streamFrom(pod: String, upstream: String, user: String, ssl: SSLMode = .prefer)
    /// `CHECKPOINT` on `pod`; the StatefulSet step that follows depends on it.
    case checkpoint(pod: String)
    /// On the primary `pod`: make the replication role, the application owner and the
    /// application database when missing (never changing existing ones), with the names and
    /// passwords of the cluster's Secrets.
    case ensureRoles(pod: String)
    /// On the primary `pod`: drop the invalidated slot of `replica` (unless a WAL sender uses it)
    /// and make it again, reserving WAL from now, before the replica is rebuilt.
    case recreateSlot(pod: String, replica: String)
    /// Promote the standby in `pod` (failover, or the last step of a switchover).
    case promote(pod: String)
    /// On the primary `pod` handing over in a switchover: new transactions read-only by
    /// default, client sessions ended.
    case fenceWrites(pod: String)
    /// On the primary `pod`: lift a switchover's fence.
    case unfenceWrites(pod: String)
    /// On the primary `pod`: set the password of `role`'s user to the one its Secret holds
    /// (as a SCRAM verifier computed by the operator).
    case setPassword(pod: String, role: SecretRole)
    /// On standby `pod`: write its replication passfile from the replication Secret.
    case writePassfile(pod: String)
    /// On `pod`: `pg_reload_conf()`, its reload file saying what the spec says.
    case reloadConfiguration(pod: String)
    /// On the primary `pod`: `ALTER SYSTEM SET` each of ``StandbyLimits`` in `values` (before
    /// it restarts ahead of the replicas with lowered values, or at its own step).
    case setLimits(pod: String, values: [String: Int64])
    /// On `pod`: `ALTER SYSTEM RESET` each of `names` (of ``StandbyLimits``), then
    /// `pg_reload_conf()`: its revision's `postgresql.conf` says them again.
    case resetLimits(pod: String, names: [String])

    /// What the action is, in a few words (for messages).
    public var name: String {
        switch self {
        case .ensureSlots: "ensuring replication slots"
        case .streamFrom: "setting primary_conninfo"
        case .checkpoint: "CHECKPOINT"
        case .ensureRoles: "ensuring roles"
        case .recreateSlot: "recreating a replication slot"
        case .promote: "promotion"
        case .fenceWrites: "fencing writes"
        case .unfenceWrites: "lifting a write fence"
        case .setPassword: "setting a password"
        case .writePassfile: "writing the replication passfile"
        case .reloadConfiguration: "reloading the configuration"
        case .setLimits: "ALTER SYSTEM SET"
        case .resetLimits: "ALTER SYSTEM RESET"
        }
    }

    /// The pod the action runs on.
    public var pod: String {
        switch self {
        case .ensureSlots(let pod, _, _), .streamFrom(let pod, _, _, _), .checkpoint(let pod), .ensureRoles(let pod),
            .recreateSlot(let pod, _), .promote(let pod), .fenceWrites(let pod), .unfenceWrites(let pod),
            .setPassword(let pod, _), .writePassfile(let pod), .reloadConfiguration(let pod), .setLimits(let pod, _),
            .resetLimits(let pod, _): pod
        }
    }
}

/// An action that failed, and what the server or the connection said.
public struct ActionFailure: Sendable, Hashable {
    public var action: InstanceAction
    public var message: String
    /// The server refused the superuser's login (every action logs in as it).
    public var authenticationRefused: Bool

    /// Creates a failure report.
    public init(action: InstanceAction, message: String, authenticationRefused: Bool = false) {
        self.action = action
        self.message = message
        self.authenticationRefused = authenticationRefused
    }
}

/// A claim to grow to a new size.
public struct VolumeGrowth: Sendable, Hashable {
    public var claim: String
    public var size: String

    /// Creates a growth step.
    public init(claim: String, size: String) {
        self.claim = claim
        self.size = size
    }
}

/// When the shell looks at the cluster again.
public enum Requeue: Sendable, Hashable {
    /// Only on the next change.
    case never
    /// After the health interval (a steady cluster, or one waiting for a Secret).
    case healthInterval
    /// After the short interval (creating, rolling out, recovering).
    case busyInterval
    /// Almost at once: a change of primary is under way and every round of it is write downtime.
    case promptly
}
