/// A Kubernetes object type the client can read and write.
///
/// The resource path comes from the type: adding a type is declaring these
/// static properties, not writing a client.
public protocol KubernetesResource: Codable, Sendable {
    /// API group; the empty string for the core group (`v1`).
    static var group: String { get }
    /// API version within the group, for example `v1`.
    static var version: String { get }
    /// The kind, for example `StatefulSet`.
    static var kind: String { get }
    /// The plural resource name used in URLs, for example `statefulsets`.
    static var plural: String { get }
    /// Whether objects of this type live in a namespace.
    static var isNamespaced: Bool { get }

    /// Standard object metadata.
    var metadata: ObjectMeta { get set }
}

extension KubernetesResource {
    /// `group/version`, or just `version` for the core group.
    public static var apiVersion: String {
        group.isEmpty ? version : "\(group)/\(version)"
    }

    /// Objects are namespaced unless a type says otherwise.
    public static var isNamespaced: Bool { true }
}
