/// A core/v1 ConfigMap.
public struct ConfigMap: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "ConfigMap"
    public static let plural = "configmaps"

    public var apiVersion: String = ConfigMap.apiVersion
    public var kind: String = ConfigMap.kind
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}
