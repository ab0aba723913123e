/// Every reason Ordinal gives, in one catalogue: status conditions and Kubernetes Events use
/// the same values, so `kubectl describe` and `kubectl get -o yaml` speak the same words.
public enum Reason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // Ready
    case clusterHealthy = "ClusterHealthy"
    case instancesNotReady = "InstancesNotReady"
    case noPrimary = "NoPrimary"
    case splitBrain = "SplitBrain"
    case unexpectedPrimary = "UnexpectedPrimary"
    case invalidSpec = "InvalidSpec"
    case foreignInstance = "ForeignInstance"
    case identityConflict = "IdentityConflict"
    case probesBlocked = "ProbesBlocked"
    case superuserPasswordRefused = "SuperuserPasswordRefused"
    case volumeResizeFailed = "VolumeResizeFailed"
    /// From a pod: pod 0's data directory is empty in a bootstrapped cluster.
    case dataDirectoryLost = "DataDirectoryLost"
    /// From the kubelet: a container cannot be started (a missing Secret or key, an image that cannot be pulled).
    case containerCannotStart = "ContainerCannotStart"
    /// `spec.backup` on an image without pgBackRest (the bootstrap container refuses to start).
    case imageWithoutPgBackRest = "ImageWithoutPgBackRest"
    /// The primary Ordinal holds is lost; a failover waits for its delay or for evidence.
    case primaryLost = "PrimaryLost"
    /// A failover or switchover is under way.
    case changingPrimary = "ChangingPrimary"
    /// Healthy, with the primary away from pod 0 (after a failover, with `returnHome: Manual`
    /// or while the way home waits).
    case primaryAwayFromHome = "PrimaryAwayFromHome"
    // Progressing
    case stable = "Stable"
    case creating = "Creating"
    case scaling = "Scaling"
    case rollingUpdate = "RollingUpdate"
    case rolloutHeld = "RolloutHeld"
    case rolloutStuck = "RolloutStuck"
    // Degraded
    case asExpected = "AsExpected"
    // Events only
    case clusterReady = "ClusterReady"
    case recovered = "Recovered"
    case rolloutComplete = "RolloutComplete"
    case rolloutStarted = "RolloutStarted"
    case rolloutStep = "RolloutStep"
    case rolloutPrimary = "RolloutPrimary"
    case primaryLabelled = "PrimaryLabelled"
    case primaryUnlabelled = "PrimaryUnlabelled"
    case replicaJoined = "ReplicaJoined"
    case replicaUnlabelled = "ReplicaUnlabelled"
    case replicaRebuild = "ReplicaRebuild"
    case replicaRebuilt = "ReplicaRebuilt"
    case identityRecorded = "IdentityRecorded"
    case slotsDropped = "SlotsDropped"
    case volumeResized = "VolumeResized"
    case scaleDownHeld = "ScaleDownHeld"
    case failoverStarted = "FailoverStarted"
    case failoverComplete = "FailoverComplete"
    case switchoverStarted = "SwitchoverStarted"
    case switchoverPromoting = "SwitchoverPromoting"
    case switchoverComplete = "SwitchoverComplete"
    case switchoverCalledOff = "SwitchoverCalledOff"
    case fenced = "Fenced"
    case passwordSet = "PasswordSet"
    case secretRemade = "SecretRemade"
    case configurationReloaded = "ConfigurationReloaded"
    case primaryRestartedFirst = "PrimaryRestartedFirst"
    case certificateIssued = "CertificateIssued"
    case certificateProblem = "CertificateProblem"
    /// `BackupHealthy` reasons.
    case archiving = "Archiving"
    case archivingFailed = "ArchivingFailed"
    case archivingOff = "ArchivingOff"
    case archivingNotStarted = "ArchivingNotStarted"
    case archiveUnknown = "ArchiveUnknown"
    /// `BackupHealthy` reasons and Events of backup Jobs.
    case stanzaNotCreated = "StanzaNotCreated"
    case stanzaCreationFailed = "StanzaCreationFailed"
    case backupFailed = "BackupFailed"
    case backupMissed = "BackupMissed"
    case stanzaCreated = "StanzaCreated"
    case backupStarted = "BackupStarted"
    case backupSucceeded = "BackupSucceeded"
    case backupRequestRefused = "BackupRequestRefused"
    case backupSecretMissing = "BackupSecretMissing"

    public var description: String { rawValue }

    /// Reasons the pod scripts give in a termination message (`<Reason>: <sentence>`).
    static let podReasons: Set<Reason> = [.dataDirectoryLost, .imageWithoutPgBackRest, .containerCannotStart]

    /// The reason a pod script's termination message starts with, if it is one of ``podReasons``.
    init?(terminationMessage message: String) {
        guard let colon = message.firstIndex(of: ":"), let reason = Reason(rawValue: String(message[..<colon])),
            Self.podReasons.contains(reason)
        else { return nil }
        self = reason
    }
}

/// A Kubernetes Event the plan asks for.
public struct ClusterEvent: Sendable, Hashable {
    /// `Normal` or `Warning`.
    public enum Kind: String, Sendable, Hashable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var kind: Kind
    public var reason: Reason
    public var message: String

    /// Creates an event.
    public init(_ kind: Kind, _ reason: Reason, _ message: String) {
        self.kind = kind
        self.reason = reason
        self.message = message
    }
}
