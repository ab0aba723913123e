/// A core/v1 Service.
public struct Service: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Service"
    public static let plural = "services"

    public var apiVersion: String = Service.apiVersion
    public var kind: String = Service.kind
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?

    public init(metadata: ObjectMeta, spec: ServiceSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// The desired behaviour of a ``Service``.
public struct ServiceSpec: Codable, Sendable, Hashable {
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    public var type: String?
    /// `None` makes a headless Service.
    public var clusterIP: String?
    public var selector: [String: String]?
    public var ports: [ServicePort]?
    public var publishNotReadyAddresses: Bool?
    public var sessionAffinity: String?

    public init() {}
}

/// A port a ``Service`` exposes.
public struct ServicePort: Codable, Sendable, Hashable {
    public var name: String?
    public var port: Int
    public var targetPort: IntOrString?
    public var `protocol`: String?

    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil, protocol: String? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
    }
}
