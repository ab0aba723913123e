/// A core/v1 PersistentVolumeClaim.
public struct PersistentVolumeClaim: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "PersistentVolumeClaim"
    public static let plural = "persistentvolumeclaims"

    public var apiVersion: String? = PersistentVolumeClaim.apiVersion
    public var kind: String? = PersistentVolumeClaim.kind
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public var status: PersistentVolumeClaimStatus?

    public init(metadata: ObjectMeta, spec: PersistentVolumeClaimSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The storage a ``PersistentVolumeClaim`` asks for.
public struct PersistentVolumeClaimSpec: Codable, Sendable, Hashable {
    public var accessModes: [String]?
    public var resources: VolumeResourceRequirements?
    public var storageClassName: String?
    public var volumeMode: String?

    public init(accessModes: [String]? = nil, resources: VolumeResourceRequirements? = nil, storageClassName: String? = nil) {
        self.accessModes = accessModes
        self.resources = resources
        self.storageClassName = storageClassName
    }
}

/// Storage requests and limits (`requests.storage: 10Gi`).
public struct VolumeResourceRequirements: Codable, Sendable, Hashable {
    public var requests: [String: String]?
    public var limits: [String: String]?

    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// The observed state of a ``PersistentVolumeClaim``.
public struct PersistentVolumeClaimStatus: Codable, Sendable, Hashable {
    public var phase: String?
    public var capacity: [String: String]?

    public init() {}
}
