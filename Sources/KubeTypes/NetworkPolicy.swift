/// A networking.k8s.io/v1 NetworkPolicy.
public struct NetworkPolicy: KubernetesResource, Hashable {
    public static let group = "networking.k8s.io"
    public static let version = "v1"
    public static let kind = "NetworkPolicy"
    public static let plural = "networkpolicies"

    public var apiVersion: String = NetworkPolicy.apiVersion
    public var kind: String = NetworkPolicy.kind
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec?

    public init(metadata: ObjectMeta, spec: NetworkPolicySpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// Which pods a ``NetworkPolicy`` applies to and what may reach them.
public struct NetworkPolicySpec: Codable, Sendable, Hashable {
    public var podSelector: LabelSelector
    /// `Ingress` and/or `Egress`.
    public var policyTypes: [String]?
    public var ingress: [NetworkPolicyIngressRule]?

    public init(podSelector: LabelSelector, policyTypes: [String]? = nil, ingress: [NetworkPolicyIngressRule]? = nil) {
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
    }
}

/// Traffic allowed in: from any of `from` (everyone when empty) to any of `ports`.
public struct NetworkPolicyIngressRule: Codable, Sendable, Hashable {
    public var from: [NetworkPolicyPeer]?
    public var ports: [NetworkPolicyPort]?

    public init(from: [NetworkPolicyPeer]? = nil, ports: [NetworkPolicyPort]? = nil) {
        self.from = from
        self.ports = ports
    }
}

/// Pods (in namespaces), or an IP block.
public struct NetworkPolicyPeer: Codable, Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?

    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

/// A CIDR, less some sub-ranges.
public struct IPBlock: Codable, Sendable, Hashable {
    public var cidr: String
    public var except: [String]?

    public init(cidr: String, except: [String]? = nil) {
        self.cidr = cidr
        self.except = except
    }
}

/// A port (and protocol, default TCP).
public struct NetworkPolicyPort: Codable, Sendable, Hashable {
    public var `protocol`: String?
    public var port: IntOrString?

    public init(protocol: String? = nil, port: IntOrString? = nil) {
        self.protocol = `protocol`
        self.port = port
    }
}
