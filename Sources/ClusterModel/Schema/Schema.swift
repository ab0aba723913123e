import KubeTypes

/// A structural OpenAPI v3 schema, the subset a CRD uses, built in Swift so the
/// CRD, `ordinal render`'s input check and the API types come from one source.
public struct Schema: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case object, array, string, integer, number, boolean
    }

    public var type: Kind?
    public var description: String?
    public var properties: [String: Schema] = [:]
    public var required: [String] = []
    public var items: Box?
    public var additionalProperties: Box?
    public var enumValues: [String]?
    public var minimum: Int64?
    public var maximum: Int64?
    public var minLength: Int?
    public var maxLength: Int?
    public var maxItems: Int?
    public var maxProperties: Int?
    public var pattern: String?
    public var format: String?
    public var intOrString = false
    public var preserveUnknownFields = false
    public var listType: String?
    public var listMapKeys: [String]?
    public var mapType: String?
    public var rules: [ValidationRule] = []

    /// Holds a nested schema (a struct cannot contain itself directly).
    public final class Box: Sendable, Hashable {
        public let schema: Schema
        public init(_ schema: Schema) { self.schema = schema }
        public static func == (lhs: Box, rhs: Box) -> Bool { lhs.schema == rhs.schema }
        public func hash(into hasher: inout Hasher) { hasher.combine(schema) }
    }

    public init(type: Kind?, description: String? = nil) {
        self.type = type
        self.description = description
    }
}

/// A CEL rule checked by the API server at admission (`x-kubernetes-validations`).
public struct ValidationRule: Sendable, Hashable {
    public var rule: String
    public var message: String
    public var reason: String?
    public var fieldPath: String?

    public init(rule: String, message: String, reason: String? = nil, fieldPath: String? = nil) {
        self.rule = rule
        self.message = message
        self.reason = reason
        self.fieldPath = fieldPath
    }
}

extension Schema {
    /// An object with these properties; `required` lists the ones that must be present.
    public static func object(_ description: String? = nil, required: [String] = [], _ properties: [String: Schema]) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.properties = properties
        schema.required = required
        return schema
    }

    /// A map from strings to `values`.
    public static func map(_ description: String? = nil, of values: Schema, maxProperties: Int? = nil) -> Schema {
        var schema = Schema(type: .object, description: description)
        schema.additionalProperties = Box(values)
        schema.maxProperties = maxProperties
        return schema
    }

    /// A list of `items`.
    public static func array(_ description: String? = nil, of items: Schema, maxItems: Int? = nil) -> Schema {
        var schema = Schema(type: .array, description: description)
        schema.items = Box(items)
        schema.maxItems = maxItems
        return schema
    }

    public static func string(_ description: String? = nil, maxLength: Int? = nil, pattern: String? = nil, enum values: [String]? = nil) -> Schema {
        var schema = Schema(type: .string, description: description)
        schema.maxLength = maxLength
        schema.pattern = pattern
        schema.enumValues = values
        return schema
    }

    public static func integer(_ description: String? = nil, minimum: Int64? = nil, maximum: Int64? = nil, format: String? = nil) -> Schema {
        var schema = Schema(type: .integer, description: description)
        schema.minimum = minimum
        schema.maximum = maximum
        schema.format = format
        return schema
    }

    public static func boolean(_ description: String? = nil) -> Schema {
        Schema(type: .boolean, description: description)
    }

    /// A Kubernetes quantity (`10Gi`, `500m`, `2`): an integer or a string.
    public static func quantity(_ description: String? = nil) -> Schema {
        var schema = Schema(type: nil, description: description)
        schema.intOrString = true
        schema.pattern = Quantity.pattern
        return schema
    }

    /// Adds CEL rules.
    public func validated(by rules: ValidationRule...) -> Schema {
        var copy = self
        copy.rules += rules
        return copy
    }

    /// Sets the minimum string length.
    public func minLength(_ length: Int) -> Schema {
        var copy = self
        copy.minLength = length
        return copy
    }

    /// Marks a list as a set (`x-kubernetes-list-type: set`) or atomic.
    public func listType(_ type: String) -> Schema {
        var copy = self
        copy.listType = type
        return copy
    }
}

extension Schema {
    /// The schema as the JSON the CRD carries.
    public var json: JSONValue {
        var out: [String: JSONValue] = [:]
        if let type { out["type"] = .string(type.rawValue) }
        if let description { out["description"] = .string(description) }
        if !properties.isEmpty {
            out["properties"] = .object(properties.mapValues(\.json))
        }
        if !required.isEmpty { out["required"] = .array(required.sorted().map(JSONValue.string)) }
        if let items { out["items"] = items.schema.json }
        if let additionalProperties { out["additionalProperties"] = additionalProperties.schema.json }
        if let enumValues { out["enum"] = .array(enumValues.map(JSONValue.string)) }
        if let minimum { out["minimum"] = .int(minimum) }
        if let maximum { out["maximum"] = .int(maximum) }
        if let minLength { out["minLength"] = .int(Int64(minLength)) }
        if let maxLength { out["maxLength"] = .int(Int64(maxLength)) }
        if let maxItems { out["maxItems"] = .int(Int64(maxItems)) }
        if let maxProperties { out["maxProperties"] = .int(Int64(maxProperties)) }
        if let pattern { out["pattern"] = .string(pattern) }
        if let format { out["format"] = .string(format) }
        if intOrString {
            out["x-kubernetes-int-or-string"] = true
            out["anyOf"] = [["type": "integer"], ["type": "string"]]
        }
        if preserveUnknownFields { out["x-kubernetes-preserve-unknown-fields"] = true }
        if let listType { out["x-kubernetes-list-type"] = .string(listType) }
        if let listMapKeys { out["x-kubernetes-list-map-keys"] = .array(listMapKeys.map(JSONValue.string)) }
        if let mapType { out["x-kubernetes-map-type"] = .string(mapType) }
        if !rules.isEmpty {
            out["x-kubernetes-validations"] = .array(
                rules.map { rule in
                    var entry: [String: JSONValue] = ["rule": .string(rule.rule), "message": .string(rule.message)]
                    if let reason = rule.reason { entry["reason"] = .string(reason) }
                    if let fieldPath = rule.fieldPath { entry["fieldPath"] = .string(fieldPath) }
                    return .object(entry)
                })
        }
        return .object(out)
    }
}
