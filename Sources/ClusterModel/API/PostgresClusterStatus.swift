import KubeTypes

/// What the operator observed, written to the status subresource.
public struct PostgresClusterStatus: Codable, Sendable, Hashable {
    /// The `metadata.generation` this status describes.
    public var observedGeneration: Int64?
    public var phase: ClusterPhase?
    public var instances: Int?
    public var readyInstances: Int?
    /// The pod PostgreSQL reports as primary; unset when there is none or more than one.
    public var primary: String?
    /// The cluster's `system_identifier` (decimal), recorded when its primary is first seen
    /// and never changed: an instance reporting another one holds some other cluster's data.
    public var systemIdentifier: String?
    /// The version every instance runs, once they agree.
    public var currentVersion: String?
    /// The version being rolled out, during an upgrade.
    public var targetVersion: String?
    /// The StatefulSet partition the operator drives.
    public var partition: Int?
    /// When the rollout step at ``partition`` began (RFC 3339); its timeout counts from here.
    public var stepStartedAt: String?
    public var conditions: [Condition]?
    public var instanceStatus: [InstanceStatus]?
    /// The size every data claim of the pods in ``VolumesStatus/podsHash`` was seen to request
    /// after a resize; while it matches, claims are not read again.
    public var volumes: VolumesStatus?
    /// Replicas being rebuilt from the primary (see ``RebuildRequest``).
    public var rebuilds: [RebuildRequest]?
    /// The pod Ordinal holds as primary: recorded from the first primary, changed only by a
    /// failover or switchover Ordinal decided. Any other pod that accepts writes is fenced.
    public var currentPrimary: String?
    /// Since when (RFC 3339) the current primary has been lost, while it is.
    public var primaryLostSince: String?
    /// A failover or switchover under way.
    public var primaryChange: PrimaryChange?
    /// The last failover: who was promoted, every candidate's position, what may be lost.
    public var lastFailover: PrimaryChange?
    /// The last switchover (completed or called off).
    public var lastSwitchover: PrimaryChange?
    /// Pods that accepted writes without being the current primary, restarted so their
    /// bootstrap makes them standbys of it (once per pod uid).
    public var fenced: [FenceRequest]?
    /// Which version of each Secret's password PostgreSQL holds (set by Ordinal on the primary).
    public var passwords: PasswordsStatus?
    /// The CA and server certificate in use (docs/security.md).
    public var certificates: CertificatesStatus?
    /// WAL archiving (and, later, backups), with `spec.backup`.
    public var backup: BackupStatus?
    /// A walk that lowers settings standbys need at least as high as the primary's restarted
    /// the primary first (``StandbyLimits``): for which revision, and which pod uid.
    public var primaryFirst: PrimaryFirstRestart?

    public init() {}
}

/// The primary's restart ahead of a walk's replicas, asked once per revision.
public struct PrimaryFirstRestart: Codable, Sendable, Hashable {
    public var pod: String
    /// The uid of the pod that was deleted; the pod made after it runs the lowered values.
    public var token: String
    /// The template revision (`ordinal.dev/template-hash`) whose walk it is for.
    public var revision: String
    /// `name=value` of the settings written with `ALTER SYSTEM` before the restart.
    public var settings: [String]
    /// When the restart was asked for (RFC 3339).
    public var requestedAt: String
    /// The primary's WAL position once it was back with the lowered values (`X/X`): past the
    /// record that tells standbys of them. A standby restarts with the lower values only once
    /// it has replayed this far, or it would still hold the old primary values and not start.
    public var primaryPosition: String?

    public init(pod: String, token: String, revision: String, settings: [String], requestedAt: String, primaryPosition: String? = nil) {
        self.primaryPosition = primaryPosition
        self.pod = pod
        self.token = token
        self.revision = revision
        self.settings = settings
        self.requestedAt = requestedAt
    }

    /// The names of ``settings``.
    public var names: [String] { settings.map { String($0.split(separator: "=").first ?? "") } }
}

/// A pod fenced once: the token is the uid of the pod that was deleted.
public typealias FenceRequest = RebuildRequest

/// Failover (the primary was lost) or switchover (planned and lossless).
public enum PrimaryChangeKind: String, Codable, Sendable, Hashable, CaseIterable {
    case failover = "Failover"
    case switchover = "Switchover"
}

/// Where a switchover is.
public enum SwitchoverPhase: String, Codable, Sendable, Hashable, CaseIterable {
    /// The old primary takes no new writes; waiting for the target to replay all it wrote.
    case fencing = "Fencing"
    /// The target has everything; it is being promoted.
    case promoting = "Promoting"
}

/// One change of primary, as decided, with the evidence it was decided on.
public struct PrimaryChange: Codable, Sendable, Hashable {
    public var kind: PrimaryChangeKind
    public var from: String
    public var to: String
    /// Why (what was lost, or who asked).
    public var reason: String
    /// Switchovers only.
    public var phase: SwitchoverPhase?
    /// RFC 3339.
    public var startedAt: String
    public var completedAt: String?
    /// Failovers: every replica considered, with the WAL it had received and replayed.
    public var candidates: [CandidatePosition]?
    /// Failovers: the old primary's WAL position at the last probe that reached it.
    public var oldPrimaryPosition: String?
    /// Failovers: how far the old primary was ahead of the promoted replica at that probe, at
    /// least (writes after it are not known). Absent when that probe shows it no further ahead:
    /// then the loss is unknown, never known to be none.
    public var bytesMayBeLost: Int64?
    /// How it ended, once it did (`Completed`, or why it was called off).
    public var outcome: String?

    public init(kind: PrimaryChangeKind, from: String, to: String, reason: String, startedAt: String) {
        self.kind = kind
        self.from = from
        self.to = to
        self.reason = reason
        self.startedAt = startedAt
    }
}

/// A failover candidate's WAL positions (PostgreSQL's `X/X` notation).
public struct CandidatePosition: Codable, Sendable, Hashable {
    public var pod: String
    public var receivedPosition: String?
    public var replayedPosition: String?

    public init(pod: String, receivedPosition: String?, replayedPosition: String?) {
        self.pod = pod
        self.receivedPosition = receivedPosition
        self.replayedPosition = replayedPosition
    }
}

/// A replica Ordinal is rebuilding: it could not catch up by streaming.
public struct RebuildRequest: Codable, Sendable, Hashable {
    public var pod: String
    /// The uid of the pod the request was made for; the pod made after it runs the rebuild.
    public var token: String
    /// Why it could not stream.
    public var reason: String
    /// When the rebuild was requested (RFC 3339).
    public var requestedAt: String

    public init(pod: String, token: String, reason: String, requestedAt: String) {
        self.pod = pod
        self.token = token
        self.reason = reason
        self.requestedAt = requestedAt
    }
}

/// What the last confirmed volume resize covered.
public struct VolumesStatus: Codable, Sendable, Hashable {
    /// The size every data claim requests.
    public var size: String
    /// A hash of the pods (name and uid) whose claims were checked: a new pod (a new claim,
    /// made at the template's smaller size) makes the claims be read again.
    public var podsHash: String

    public init(size: String, podsHash: String) {
        self.size = size
        self.podsHash = podsHash
    }
}

/// A short, machine-friendly summary of the cluster's state.
public enum ClusterPhase: String, Codable, Sendable, Hashable, CaseIterable {
    case creating = "Creating"
    case healthy = "Healthy"
    case upgrading = "Upgrading"
    case degraded = "Degraded"
    case failed = "Failed"
}

/// What one instance reported.
public struct InstanceStatus: Codable, Sendable, Hashable {
    public var name: String
    /// `primary`, `replica` or `unknown`.
    public var role: String
    public var ready: Bool
    public var version: String?
    public var lagBytes: Int64?
    /// Why the instance could not be probed, or what is wrong with it.
    public var message: String?
    /// On a replica: its slot's `wal_status` on the primary, and the WAL bytes the slot holds back there.
    public var slotWALStatus: String?
    public var retainedWALBytes: Int64?
    /// The system identifier the instance reports, when it differs from the cluster's.
    public var systemIdentifier: String?
    /// Since when (RFC 3339) this replica has been in recovery without streaming, while it is.
    public var notStreamingSince: String?
    /// The WAL position the instance last reported (a primary's insert position, a replica's
    /// received one), `X/X`; kept while it cannot be reached, so the last one known of a lost
    /// primary bounds what a failover may lose.
    public var walPosition: String?
    /// A changed setting waits for a restart of this instance (`pg_settings.pending_restart`).
    public var pendingRestart: Bool?

    public init(name: String, role: String, ready: Bool, version: String? = nil, lagBytes: Int64? = nil, message: String? = nil,
                slotWALStatus: String? = nil, retainedWALBytes: Int64? = nil, systemIdentifier: String? = nil,
                notStreamingSince: String? = nil, walPosition: String? = nil) {
        self.name = name
        self.role = role
        self.ready = ready
        self.version = version
        self.lagBytes = lagBytes
        self.message = message
        self.slotWALStatus = slotWALStatus
        self.retainedWALBytes = retainedWALBytes
        self.systemIdentifier = systemIdentifier
        self.notStreamingSince = notStreamingSince
        self.walPosition = walPosition
    }
}
