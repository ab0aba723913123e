import KubeTypes

/// Turns one user document into a checked ``PostgresCluster``, or into errors that name the field.
public enum ClusterDocument {
    /// Checks the document against the CRD schema and the CEL twins, then decodes it.
    ///
    /// - Throws: ``InvalidClusterError`` listing every problem found.
    public static func decode(_ document: JSONValue, defaultNamespace: String) throws(InvalidClusterError) -> PostgresCluster {
        guard case .object(var members) = document else {
            throw InvalidClusterError(errors: [FieldError(field: "<root>", message: "must be an object, got \(document.typeName)")])
        }
        let apiVersion = members["apiVersion"]?.stringValue
        let kind = members["kind"]?.stringValue
        guard apiVersion == PostgresCluster.apiVersion, kind == PostgresCluster.kind else {
            let found = "\(apiVersion ?? "<none>") \(kind ?? "<none>")"
            throw InvalidClusterError(errors: [FieldError(
                field: "kind",
                message: "expected apiVersion \(PostgresCluster.apiVersion) and kind \(PostgresCluster.kind), got \(found)")])
        }
        var structural = SchemaValidator(schema: PostgresClusterSchema.root).errors(in: document)
        structural += metadataErrors(members["metadata"])
        guard structural.isEmpty else { throw InvalidClusterError(errors: structural) }

        if var metadata = members["metadata"]?.objectValue, metadata["namespace"] == nil {
            metadata["namespace"] = .string(defaultNamespace)
            members["metadata"] = .object(metadata)
        }
        let cluster: PostgresCluster
        do {
            cluster = try JSONValue.object(members).decode(as: PostgresCluster.self)
        } catch {
            throw InvalidClusterError(errors: [FieldError(field: "<root>", message: "cannot be read as a PostgresCluster: \(error)")])
        }
        let semantic = SpecValidator.errors(in: cluster)
        guard semantic.isEmpty else { throw InvalidClusterError(errors: semantic) }
        return cluster
    }

    static func metadataErrors(_ metadata: JSONValue?) -> [FieldError] {
        guard let metadata else { return [FieldError(field: "metadata", message: "required field is missing")] }
        guard case .object(let members) = metadata else {
            return [FieldError(field: "metadata", message: "must be an object, got \(metadata.typeName)")]
        }
        var found: [FieldError] = []
        for key in ["name", "namespace"] {
            if let value = members[key], value.stringValue == nil {
                found.append(FieldError(field: "metadata.\(key)", message: "must be a string, got \(value.typeName)"))
            }
        }
        for key in ["labels", "annotations"] {
            guard let value = members[key] else { continue }
            if let map = value.objectValue {
                for (entry, text) in map where text.stringValue == nil {
                    found.append(FieldError(field: "metadata.\(key).\(entry)", message: "must be a string, got \(text.typeName)"))
                }
            } else {
                found.append(FieldError(field: "metadata.\(key)", message: "must be an object, got \(value.typeName)"))
            }
        }
        return found
    }
}

/// A PostgresCluster that cannot be used as written; every problem is listed with its field.
public struct InvalidClusterError: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [FieldError]

    public init(errors: [FieldError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}
