/// A pod template: metadata and spec (`core/v1 PodTemplateSpec`).
public struct PodTemplateSpec: Codable, Sendable, Hashable {
    public var metadata: ObjectMeta?
    public var spec: PodSpec?

    public init(metadata: ObjectMeta? = nil, spec: PodSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The specification of a pod (`core/v1 PodSpec`), the subset Ordinal uses.
public struct PodSpec: Codable, Sendable, Hashable {
    public var initContainers: [Container]?
    public var containers: [Container]
    public var volumes: [Volume]?
    public var securityContext: PodSecurityContext?
    public var affinity: Affinity?
    public var nodeSelector: [String: String]?
    public var tolerations: [Toleration]?
    public var terminationGracePeriodSeconds: Int64?
    public var serviceAccountName: String?
    public var automountServiceAccountToken: Bool?
    public var enableServiceLinks: Bool?
    public var priorityClassName: String?
    public var nodeName: String?
    public var hostname: String?
    public var subdomain: String?
    /// `Always` (the default), `OnFailure` or `Never`; a Job's pods use one of the last two.
    public var restartPolicy: String?

    public init(containers: [Container]) { self.containers = containers }
}

/// Pod-level security settings.
public struct PodSecurityContext: Codable, Sendable, Hashable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var fsGroup: Int64?
    public var fsGroupChangePolicy: String?
    public var seccompProfile: SeccompProfile?

    public init() {}
}

/// A taint a pod tolerates.
public struct Toleration: Codable, Sendable, Hashable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int64?

    public init(key: String? = nil, operator: String? = nil, value: String? = nil, effect: String? = nil, tolerationSeconds: Int64? = nil) {
        self.key = key
        self.operator = `operator`
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }
}

/// Scheduling constraints; Ordinal uses pod anti-affinity only.
public struct Affinity: Codable, Sendable, Hashable {
    public var podAntiAffinity: PodAntiAffinity?

    public init(podAntiAffinity: PodAntiAffinity? = nil) { self.podAntiAffinity = podAntiAffinity }
}

/// Keep pods apart: required rules are hard, preferred ones are weighted wishes.
public struct PodAntiAffinity: Codable, Sendable, Hashable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?

    public init(required: [PodAffinityTerm]? = nil, preferred: [WeightedPodAffinityTerm]? = nil) {
        self.requiredDuringSchedulingIgnoredDuringExecution = required
        self.preferredDuringSchedulingIgnoredDuringExecution = preferred
    }
}

/// Pods matching `labelSelector` in the same `topologyKey` domain.
public struct PodAffinityTerm: Codable, Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var topologyKey: String

    public init(labelSelector: LabelSelector? = nil, topologyKey: String) {
        self.labelSelector = labelSelector
        self.topologyKey = topologyKey
    }
}

/// A ``PodAffinityTerm`` with a weight from 1 to 100.
public struct WeightedPodAffinityTerm: Codable, Sendable, Hashable {
    public var weight: Int
    public var podAffinityTerm: PodAffinityTerm

    public init(weight: Int, podAffinityTerm: PodAffinityTerm) {
        self.weight = weight
        self.podAffinityTerm = podAffinityTerm
    }
}
