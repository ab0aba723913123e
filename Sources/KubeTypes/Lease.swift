/// A `coordination.k8s.io/v1` Lease, the lock of leader election.
public struct Lease: KubernetesResource, Hashable {
    public static let group = "coordination.k8s.io"
    public static let version = "v1"
    public static let kind = "Lease"
    public static let plural = "leases"

    public var apiVersion: String = Lease.apiVersion
    public var kind: String = Lease.kind
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?

    public init(metadata: ObjectMeta, spec: LeaseSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// Who holds a ``Lease`` and until when. Times are RFC 3339 with microseconds
/// (`metav1.MicroTime`), for example `2024-05-01T10:00:00.000000Z`.
public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    public var acquireTime: String?
    public var renewTime: String?
    public var leaseTransitions: Int?

    public init(
        holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil, acquireTime: String? = nil,
        renewTime: String? = nil, leaseTransitions: Int? = nil
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}
