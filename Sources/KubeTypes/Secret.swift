/// A core/v1 Secret. `data` values are base64; never log them.
public struct Secret: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Secret"
    public static let plural = "secrets"

    public var apiVersion: String = Secret.apiVersion
    public var kind: String = Secret.kind
    public var metadata: ObjectMeta
    public var type: String?
    public var data: [String: String]?
    public var stringData: [String: String]?
    public var immutable: Bool?

    public init(metadata: ObjectMeta, type: String? = nil, data: [String: String]? = nil, stringData: [String: String]? = nil) {
        self.metadata = metadata
        self.type = type
        self.data = data
        self.stringData = stringData
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the Secret and its keys, never the values.
    public var description: String {
        let keys = Set((data ?? [:]).keys).union((stringData ?? [:]).keys).sorted()
        return "Secret(\(metadata.namespace ?? "")/\(metadata.name ?? ""), keys: \(keys))"
    }

    public var debugDescription: String { description }
}
