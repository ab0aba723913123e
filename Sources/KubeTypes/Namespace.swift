/// A core/v1 Namespace (cluster-scoped).
public struct Namespace: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Namespace"
    public static let plural = "namespaces"
    public static let isNamespaced = false

    public var apiVersion: String = Namespace.apiVersion
    public var kind: String = Namespace.kind
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }
}
