import KubeTypes

/// A schema constraint (bounds, pattern, length, enum) on one field of `PostgresCluster`, checked
/// in Swift on the typed cluster.
///
/// The constraint itself is written once, in the schema: the check runs ``SchemaValidator`` on the
/// schema node at ``path``, so the operator reports the same sentence `ordinal render` reports for
/// the same field.
public struct SpecConstraint: Sendable {
    /// The field, as property names from the root.
    public let path: [String]
    /// The schema node at ``path``.
    public let schema: Schema
    let value: @Sendable (PostgresCluster) -> JSONValue?

    /// The constraint of `root`'s node at `path`, read from the typed cluster by `value` (`nil` when unset).
    init(_ path: [String], in root: Schema, value: @escaping @Sendable (PostgresCluster) -> JSONValue?) {
        self.path = path
        self.schema = root.node(at: path) ?? Schema(type: nil)
        self.value = value
    }

    /// The dotted field (`spec.instances`).
    public var field: String { path.joined(separator: ".") }

    /// What the schema's structural check finds wrong with the field's value in `cluster`.
    public func errors(in cluster: PostgresCluster) -> [FieldError] {
        guard let value = value(cluster) else { return [] }
        return SchemaValidator(schema: schema).errors(in: value, path: field)
    }
}

extension Schema {
    /// The node at `path`, following `properties`; `nil` when the schema declares no such field.
    public func node(at path: [String]) -> Schema? {
        var current = self
        for name in path {
            guard let child = current.properties[name] else { return nil }
            current = child
        }
        return current
    }
}
