/// An apps/v1 StatefulSet.
public struct StatefulSet: KubernetesResource, Hashable {
    public static let group = "apps"
    public static let version = "v1"
    public static let kind = "StatefulSet"
    public static let plural = "statefulsets"

    public var apiVersion: String = StatefulSet.apiVersion
    public var kind: String = StatefulSet.kind
    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?

    public init(metadata: ObjectMeta, spec: StatefulSetSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The desired state of a ``StatefulSet``.
public struct StatefulSetSpec: Codable, Sendable, Hashable {
    public var replicas: Int?
    public var selector: LabelSelector
    public var serviceName: String
    public var template: PodTemplateSpec
    public var volumeClaimTemplates: [PersistentVolumeClaim]?
    /// `OrderedReady` or `Parallel`.
    public var podManagementPolicy: String?
    public var updateStrategy: StatefulSetUpdateStrategy?
    public var persistentVolumeClaimRetentionPolicy: PersistentVolumeClaimRetentionPolicy?
    public var revisionHistoryLimit: Int?
    public var minReadySeconds: Int?

    public init(selector: LabelSelector, serviceName: String, template: PodTemplateSpec) {
        self.selector = selector
        self.serviceName = serviceName
        self.template = template
    }
}

/// How a ``StatefulSet`` replaces pods when its template changes.
public struct StatefulSetUpdateStrategy: Codable, Sendable, Hashable {
    /// `RollingUpdate` or `OnDelete`.
    public var type: String?
    public var rollingUpdate: RollingUpdateStatefulSetStrategy?

    public init(type: String? = nil, rollingUpdate: RollingUpdateStatefulSetStrategy? = nil) {
        self.type = type
        self.rollingUpdate = rollingUpdate
    }
}

/// Pods with an ordinal at or above `partition` are updated; the rest keep the old revision.
public struct RollingUpdateStatefulSetStrategy: Codable, Sendable, Hashable {
    public var partition: Int?
    public var maxUnavailable: IntOrString?

    public init(partition: Int? = nil, maxUnavailable: IntOrString? = nil) {
        self.partition = partition
        self.maxUnavailable = maxUnavailable
    }
}

/// What happens to claims from `volumeClaimTemplates`: `Retain` or `Delete`.
public struct PersistentVolumeClaimRetentionPolicy: Codable, Sendable, Hashable {
    public var whenDeleted: String?
    public var whenScaled: String?

    public init(whenDeleted: String? = nil, whenScaled: String? = nil) {
        self.whenDeleted = whenDeleted
        self.whenScaled = whenScaled
    }
}

/// The observed state of a ``StatefulSet``.
public struct StatefulSetStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var availableReplicas: Int?
    public var currentRevision: String?
    public var updateRevision: String?
    public var collisionCount: Int?

    public init() {}
}
