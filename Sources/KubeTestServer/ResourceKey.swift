import KubeTypes

/// Which collection an object lives in: API group and plural resource name.
///
/// Objects are stored per group and plural, whatever the version in the path,
/// so the test server serves any resource (core, groups, CRDs) without a schema.
public struct ResourceKey: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var plural: String

    public init(group: String, plural: String) {
        self.group = group
        self.plural = plural
    }

    /// The collection of a typed resource.
    public init<T: KubernetesResource>(_ type: T.Type) {
        self.init(group: T.group, plural: T.plural)
    }

    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}

/// A request path split into its parts:
/// `/api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]]` or `/apis/G/V[/namespaces/NS]/PLURAL[/NAME[/SUB]]`.
struct APIPath: Sendable, Equatable {
    var group: String
    var version: String
    var namespace: String?
    var plural: String
    var name: String?
    var subresource: String?

    var resource: ResourceKey { ResourceKey(group: group, plural: plural) }

    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    init?(_ path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding
        }
        var rest: ArraySlice<String>
        if segments.first == "api", segments.count >= 3 {
            group = ""
            version = segments[1]
            rest = segments[2...]
        } else if segments.first == "apis", segments.count >= 4 {
            group = segments[1]
            version = segments[2]
            rest = segments[3...]
        } else {
            return nil
        }
        let parts = Array(rest)
        let isNamespaceSubresource = parts.count == 3 && ["status", "finalize"].contains(parts[2])
        if parts.first == "namespaces", parts.count >= 3, !isNamespaceSubresource {
            namespace = parts[1]
            rest = parts[2...]
        } else {
            namespace = nil
        }
        let tail = Array(rest)
        guard !tail.isEmpty, tail.count <= 3 else { return nil }
        plural = tail[0]
        name = tail.count > 1 ? tail[1] : nil
        subresource = tail.count > 2 ? tail[2] : nil
    }
}

extension String {
    /// Decodes `%XX` escapes; invalid escapes are kept as written.
    var removingPercentEncoding: String {
        guard contains("%") || contains("+") else { return self }
        var bytes: [UInt8] = []
        var iterator = Array(utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
