/// A reference to another object (`core/v1.ObjectReference`), as used by Events.
public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?

    public init(
        apiVersion: String? = nil, kind: String? = nil, namespace: String? = nil, name: String? = nil,
        uid: String? = nil, resourceVersion: String? = nil, fieldPath: String? = nil
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }

    /// A reference to `object`, from its type and metadata.
    public init<T: KubernetesResource>(to object: T) {
        self.init(
            apiVersion: T.apiVersion, kind: T.kind, namespace: object.metadata.namespace,
            name: object.metadata.name, uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion)
    }
}
