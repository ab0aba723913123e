import KubeTypes

/// One problem found in user input, with the field path a user can act on.
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A dotted path such as `spec.storage.size`.
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Checks a JSON value against a ``Schema`` the way the API server's structural
/// validation does: types, required and unknown fields, enums, bounds and patterns.
/// CEL rules are not evaluated here; ``SpecValidator`` holds their Swift twins.
public struct SchemaValidator: Sendable {
    public let schema: Schema

    public init(schema: Schema) { self.schema = schema }

    /// Every problem in `value`, in a stable order.
    public func errors(in value: JSONValue, path: String = "") -> [FieldError] {
        var found: [FieldError] = []
        check(value, against: schema, path: path, into: &found)
        return found
    }

    private func check(_ value: JSONValue, against schema: Schema, path: String, into found: inout [FieldError]) {
        let here = path.isEmpty ? "<root>" : path
        if schema.intOrString {
            switch value {
            case .int: return
            case .string(let text):
                if let pattern = schema.pattern, !matches(text, pattern) {
                    found.append(FieldError(field: here, message: "invalid value \"\(text)\": must be a quantity such as 10Gi or 500m"))
                }
                return
            default:
                found.append(FieldError(field: here, message: "must be an integer or a string, got \(value.typeName)"))
                return
            }
        }
        guard let type = schema.type else { return }
        switch (type, value) {
        case (.object, .object(let members)):
            for key in schema.required where members[key] == nil {
                found.append(FieldError(field: join(path, key), message: "required field is missing"))
            }
            if let count = schema.maxProperties, members.count > count {
                found.append(FieldError(field: here, message: "must have at most \(count) entries"))
            }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = schema.properties[key] {
                    check(member, against: property, path: join(path, key), into: &found)
                } else if let additional = schema.additionalProperties {
                    check(member, against: additional.schema, path: join(path, key), into: &found)
                } else if !schema.preserveUnknownFields, !isOpenObject(schema), path != "metadata" {
                    // A root schema may restrict metadata.name and generateName only; the API
                    // server validates the rest of ObjectMeta itself, so no field of it is unknown.
                    found.append(FieldError(field: join(path, key), message: "unknown field"))
                }
            }
        case (.array, .array(let elements)):
            if let count = schema.maxItems, elements.count > count {
                found.append(FieldError(field: here, message: "must have at most \(count) items"))
            }
            if let items = schema.items {
                for (index, element) in elements.enumerated() {
                    check(element, against: items.schema, path: "\(path)[\(index)]", into: &found)
                }
            }
        case (.string, .string(let text)):
            if let values = schema.enumValues, !values.contains(text) {
                let allowed = values.map { "\"\($0)\"" }.joined(separator: ", ")
                found.append(FieldError(field: here, message: "unsupported value \"\(text)\": must be one of \(allowed)"))
            }
            if let length = schema.maxLength, text.count > length {
                found.append(FieldError(field: here, message: "must be at most \(length) characters"))
            }
            if let length = schema.minLength, text.count < length {
                found.append(FieldError(field: here, message: "must be at least \(length) characters"))
            }
            if let pattern = schema.pattern, !matches(text, pattern) {
                found.append(FieldError(field: here, message: "invalid value \"\(text)\": must match \(pattern)"))
            }
        case (.integer, .int(let number)):
            checkBounds(number, schema, here, &found)
        case (.integer, .double(let number)) where number == number.rounded():
            checkBounds(Int64(number), schema, here, &found)
        case (.number, .int), (.number, .double), (.boolean, .bool):
            return
        default:
            found.append(FieldError(field: here, message: "must be \(type.article) \(type.rawValue), got \(value.typeName)"))
        }
    }

    /// `metadata` and similar objects the schema leaves open.
    private func isOpenObject(_ schema: Schema) -> Bool {
        schema.properties.isEmpty && schema.additionalProperties == nil
    }

    private func checkBounds(_ number: Int64, _ schema: Schema, _ here: String, _ found: inout [FieldError]) {
        if let minimum = schema.minimum, number < minimum {
            found.append(FieldError(field: here, message: "must be at least \(minimum), got \(number)"))
        }
        if let maximum = schema.maximum, number > maximum {
            found.append(FieldError(field: here, message: "must be at most \(maximum), got \(number)"))
        }
    }

    private func matches(_ text: String, _ pattern: String) -> Bool {
        if let known = Identifiers.matcher(for: pattern) { return known(text) }
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

extension Schema.Kind {
    var article: String { self == .object || self == .array || self == .integer ? "an" : "a" }
}

extension JSONValue {
    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
