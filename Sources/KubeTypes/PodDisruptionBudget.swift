/// A policy/v1 PodDisruptionBudget.
public struct PodDisruptionBudget: KubernetesResource, Hashable {
    public static let group = "policy"
    public static let version = "v1"
    public static let kind = "PodDisruptionBudget"
    public static let plural = "poddisruptionbudgets"

    public var apiVersion: String = PodDisruptionBudget.apiVersion
    public var kind: String = PodDisruptionBudget.kind
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec?

    public init(metadata: ObjectMeta, spec: PodDisruptionBudgetSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The desired behaviour of a ``PodDisruptionBudget``.
public struct PodDisruptionBudgetSpec: Codable, Sendable, Hashable {
    public var minAvailable: IntOrString?
    public var maxUnavailable: IntOrString?
    public var selector: LabelSelector?
    /// `IfHealthyBudget` or `AlwaysAllow`.
    public var unhealthyPodEvictionPolicy: String?

    public init() {}
}
