import KubeTypes

/// A resource collection on the API server: group, version, plural, scope.
/// Built from any ``KubernetesResource`` type, or by hand for raw calls.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var plural: String
    public var kind: String
    public var isNamespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, isNamespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.isNamespaced = isNamespaced
    }

    /// The collection of a typed resource.
    public init<T: KubernetesResource>(_ type: T.Type) {
        self.init(group: T.group, version: T.version, plural: T.plural, kind: T.kind, isNamespaced: T.isNamespaced)
    }

    /// `group/version`, or `version` for the core group.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `plural` or `plural.group`, as in RBAC rules and kubectl.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The URL path: `/api/v1/namespaces/NS/pods/NAME/status` and the like.
    /// `namespace` is ignored for cluster-scoped resources; `nil` on a
    /// namespaced collection means all namespaces.
    public func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if isNamespaced, let namespace, !namespace.isEmpty {
            path += "/namespaces/" + namespace.percentEncodedPathSegment
        }
        path += "/" + plural
        if let name {
            path += "/" + name.percentEncodedPathSegment
            if let subresource { path += "/" + subresource }
        }
        return path
    }
}

extension String {
    private static let unreserved: Set<UInt8> = Set(
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    var percentEncodedQueryValue: String {
        var result = ""
        for byte in utf8 {
            if Self.unreserved.contains(byte) {
                result.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }

    var percentEncodedPathSegment: String { percentEncodedQueryValue }
}
