import KubeTypes

/// Update rules of built-in kinds that the real API server enforces in validation, kept here
/// so the operator meets the same refusals in tests.
enum BuiltInUpdateRules {
    /// Causes for refusing `object` as an update of `old` of `resource`.
    static func causes(resource: ResourceKey, object: JSONValue, old: JSONValue) -> [StatusCause] {
        if resource.group.isEmpty, resource.plural == "persistentvolumeclaims" {
            return claimCauses(object: object, old: old)
        }
        return []
    }

    /// A claim's spec is immutable, except `resources.requests` (and the volume attributes
    /// class) of a Bound claim; a Pending claim cannot be resized at all.
    static func claimCauses(object: JSONValue, old: JSONValue) -> [StatusCause] {
        guard let newSpec = object["spec"], let oldSpec = old["spec"], newSpec != oldSpec else { return [] }
        let bound = old["status"]?["phase"]?.stringValue == "Bound"
        var comparableNew = newSpec
        var comparableOld = oldSpec
        if bound {
            for mutable: FieldPath in [["resources", "requests"], ["volumeAttributesClassName"]] {
                comparableNew.removeValue(at: mutable)
                comparableOld.removeValue(at: mutable)
            }
        }
        guard comparableNew != comparableOld else { return [] }
        return [StatusCause(
            reason: "FieldValueForbidden",
            message: "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            field: "spec")]
    }
}
