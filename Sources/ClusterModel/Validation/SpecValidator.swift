import KubeTypes

/// Checks a `PostgresCluster` in Swift with the same rules the API server checks at admission:
/// the CEL rules of ``SpecRules`` (their Swift twins, reporting the rules' own messages) and the
/// schema's constraints on the typed fields (``SpecConstraints``, in ``SchemaValidator``'s words).
///
/// Admission runs the CEL rules first; this runs in `ordinal render` (no API server there) and in
/// the operator, which reports failures in status instead of crashing. Nothing here is worded
/// apart from the rule it checks.
public enum SpecValidator {
    /// Problems with one object on its own.
    public static func errors(in cluster: PostgresCluster) -> [FieldError] {
        var found: [FieldError] = []
        if (cluster.metadata.name ?? "").isEmpty {
            found.append(FieldError(field: "metadata.name", message: "required field is missing"))
        }
        found += SpecConstraints.all.flatMap { $0.errors(in: cluster) }
        // The one check the CRD does not make: its pattern admits a zero size, no volume can have one.
        if let size = Quantity(cluster.spec.storage.size), size.value <= 0 {
            found.append(FieldError(field: "spec.storage.size", message: "must be greater than zero"))
        }
        found += SpecRules.objectRules.flatMap { $0.errors(in: cluster) }
        return found
    }

    /// Problems with changing `old` into `new`: the transition rules of ``SpecRules``, as the API
    /// server runs them on an update.
    public static func transitionErrors(from old: PostgresCluster, to new: PostgresCluster) -> [FieldError] {
        SpecRules.transitionRules.flatMap { $0.errors(from: old, to: new) }
    }
}
