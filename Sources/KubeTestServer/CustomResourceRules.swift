import KubeTypes

/// Admission of a custom resource by its CRD's `x-kubernetes-validations`, as a real API server
/// (v1.32) runs them on a create or an update:
/// - each rule runs at every value its schema node describes (properties, map values, list items);
/// - a transition rule (one naming `oldSelf`) runs only on an update where the old value exists
///   at the same place (through properties and map keys; list items have none);
/// - a rule without `oldSelf` on a value the update left equal is not run (validation ratcheting);
/// - a rule that is false, or fails to evaluate, is a cause at the node's path plus its
///   `fieldPath`, worded by its `reason`: `Invalid value: "<type>": message`, `Forbidden: message`,
///   `Required value: message`.
///
/// Only the rules are checked here; the test server does not check the schema's types and bounds.
enum CustomResourceRules {
    /// The causes the rules of `crd`'s schema for `version` find in `object` (with `old` on an update).
    static func causes(crd: JSONValue, version: String, object: JSONValue, old: JSONValue?) -> [StatusCause] {
        let versions = crd["spec"]?["versions"]?.arrayValue ?? []
        guard let schema = versions.first(where: { $0["name"]?.stringValue == version })?["schema"]?["openAPIV3Schema"] else { return [] }
        var found: [StatusCause] = []
        check(schema, object, old: old, path: "", into: &found)
        return found
    }

    private static func check(_ schema: JSONValue, _ value: JSONValue, old: JSONValue?, path: String, into found: inout [StatusCause]) {
        for rule in schema["x-kubernetes-validations"]?.arrayValue ?? [] {
            guard let text = rule["rule"]?.stringValue, let expression = try? CELParser.parse(text) else { continue }
            let isTransition = expression.references("oldSelf")
            if isTransition, old == nil { continue }
            if !isTransition, let old, old == value { continue }
            var variables: [String: CELValue] = ["self": CELValue(value)]
            if let old { variables["oldSelf"] = CELValue(old) }
            let message: String
            do {
                guard try CELEvaluator.evaluate(expression, variables: variables) != .bool(true) else { continue }
                message = rule["message"]?.stringValue ?? "failed rule: \(text)"
            } catch {
                message = error.message
            }
            let field = path + (rule["fieldPath"]?.stringValue.map(displayPath) ?? "")
            found.append(cause(rule["reason"]?.stringValue, message, type: schema["type"]?.stringValue ?? "object", field: field))
        }
        switch value {
        case .object(let members):
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"].flatMap { $0.objectValue != nil ? $0 : nil }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let child = properties[name] {
                    check(child, member, old: old?[name], path: path.isEmpty ? name : "\(path).\(name)", into: &found)
                } else if let additional {
                    check(additional, member, old: old?[name], path: "\(path)[\(name)]", into: &found)
                }
            }
        case .array(let elements):
            guard let items = schema["items"], items.objectValue != nil else { return }
            for (index, element) in elements.enumerated() {
                check(items, element, old: nil, path: "\(path)[\(index)]", into: &found)
            }
        default:
            return
        }
    }

    /// `.storageClassName` → `.storageClassName`; `['a.b']` → `[a.b]`, as the server prints a path.
    private static func displayPath(_ fieldPath: String) -> String {
        (FieldPathSegments.parse(fieldPath.trimmingWhitespace) ?? []).map { segment in
            switch segment {
            case .name(let name): name.contains(".") ? "[\(name)]" : ".\(name)"
            }
        }.joined()
    }

    private static func cause(_ reason: String?, _ message: String, type: String, field: String) -> StatusCause {
        let printed = field.hasPrefix(".") ? String(field.dropFirst()) : field
        switch reason {
        case "FieldValueForbidden": return StatusCause(reason: "FieldValueForbidden", message: "Forbidden: \(message)", field: printed)
        case "FieldValueRequired": return StatusCause(reason: "FieldValueRequired", message: "Required value: \(message)", field: printed)
        case "FieldValueDuplicate": return StatusCause(reason: "FieldValueDuplicate", message: "Duplicate value: \"\(type)\"", field: printed)
        default: return StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(type)\": \(message)", field: printed)
        }
    }
}

extension CELExpression {
    /// Whether the expression names the variable `name` anywhere.
    func references(_ name: String) -> Bool {
        switch self {
        case .constant: false
        case .identifier(let identifier): identifier == name
        case .select(let operand, _, _): operand.references(name)
        case .call(_, let target, let arguments): (target?.references(name) ?? false) || arguments.contains { $0.references(name) }
        case .list(let elements), .map(let elements): elements.contains { $0.references(name) }
        case .comprehension(_, let range, let variable, let body):
            range.references(name) || (variable != name && body.contains { $0.references(name) })
        }
    }
}
