import KubeTypes

/// The API server's checks of a CustomResourceDefinition's `x-kubernetes-validations` that the
/// test server applies, so it refuses such a CRD as a real server (v1.32) does:
/// - `reason`, when set, is one of the four the server supports;
/// - `fieldPath`, when set, is non-empty, on one line, and resolves in the schema the rule sits
///   on (`.name` and `['name']` through `properties`, any key of an `additionalProperties` map;
///   never into a list's `items`, which the server refuses too);
/// - `message` and `messageExpression` are not blank when set, and a rule is not blank;
/// - every `rule` (and `messageExpression`) parses as CEL and names only fields the schema
///   declares and functions the server knows;
/// - each rule's estimated cost, times how often it may run (the sizes of the lists and maps
///   above it), stays within 10,000,000, and their sum within 100,000,000 (``CELCostEstimator``).
///
/// Causes are worded and placed (`spec.validation.openAPIV3Schema...` when all versions share one
/// schema, as the server reports after converting to its internal form) as the real server's.
enum CRDValidationRules {
    static let supportedReasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"]

    static func causes(crd: JSONValue) -> [StatusCause] {
        let versions = crd["spec"]?["versions"]?.arrayValue ?? []
        let schemas = versions.map { $0["schema"]?["openAPIV3Schema"] }
        var found: [StatusCause] = []
        if let first = schemas.first, let shared = first, schemas.allSatisfy({ $0 == shared }) {
            checkSchema(shared, path: "spec.validation.openAPIV3Schema", into: &found)
        } else {
            for (index, schema) in schemas.enumerated() {
                if let schema { checkSchema(schema, path: "spec.versions[\(index)].schema.openAPIV3Schema", into: &found) }
            }
        }
        return found
    }

    static let ruleCostLimit: UInt64 = 10_000_000
    static let schemaCostLimit: UInt64 = 100_000_000

    /// One schema's rules, then the total of their costs against the schema's budget.
    private static func checkSchema(_ schema: JSONValue, path: String, into found: inout [StatusCause]) {
        var costs: [(field: String, cost: UInt64)] = []
        check(schema, path: path, isRoot: true, cardinality: 1, costs: &costs, into: &found)
        let total = costs.reduce(UInt64(0)) { CELCostEstimator.add($0, $1.cost) }
        if total > schemaCostLimit {
            // Named: the four most expensive rules among those costing 1% of the budget or more.
            for expensive in costs.filter({ $0.cost >= schemaCostLimit / 100 }).sorted(by: { $0.cost > $1.cost }).prefix(4) {
                found.append(cause("FieldValueForbidden", "Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema", field: expensive.field))
            }
            found.append(cause(
                "FieldValueForbidden",
                "Forbidden: " + budgetMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", total, schemaCostLimit),
                field: path))
        }
    }

    /// The server's wording of a cost over its limit.
    static func budgetMessage(_ what: String, _ cost: UInt64, _ limit: UInt64) -> String {
        let factor = Double(cost) / Double(limit)
        let text: String
        if factor > 100 {
            text = "more than 100x"
        } else {
            text = String((factor * 10).rounded() / 10) + "x"
        }
        return "\(what) exceeds budget by factor of \(text) (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    }

    private static func check(
        _ schema: JSONValue, path: String, isRoot: Bool, cardinality: UInt64, costs: inout [(field: String, cost: UInt64)],
        into found: inout [StatusCause]
    ) {
        for (index, rule) in (schema["x-kubernetes-validations"]?.arrayValue ?? []).enumerated() {
            let here = "\(path).x-kubernetes-validations[\(index)]"
            let text = rule["rule"]?.stringValue ?? ""
            if text.allSatisfy(\.isWhitespace) {
                found.append(cause("FieldValueRequired", "Required value", field: here + ".rule"))
            } else {
                do {
                    let expression = try CELParser.parse(text)
                    let cost = CELCostEstimator.multiply(try CELCostEstimator.cost(of: expression, schema: schema, isRoot: isRoot), cardinality)
                    costs.append((here + ".rule", cost))
                    if cost > ruleCostLimit {
                        found.append(cause("FieldValueForbidden", "Forbidden: " + budgetMessage("estimated rule cost", cost, ruleCostLimit), field: here + ".rule"))
                    }
                } catch let error as CELSyntaxError {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(text)\": compilation failed: ERROR: <input>:1:\(error.offset + 1): \(error.message)", field: here + ".rule"))
                } catch let error as CELCostEstimator.Failure {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(text)\": compilation failed: ERROR: <input>: \(error.message)", field: here + ".rule"))
                } catch {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(text)\": compilation failed", field: here + ".rule"))
                }
            }
            if let expression = rule["messageExpression"]?.stringValue, !expression.allSatisfy(\.isWhitespace) {
                do {
                    _ = try CELCostEstimator.cost(of: try CELParser.parse(expression), schema: schema, isRoot: isRoot)
                } catch {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(expression)\": messageExpression compilation failed", field: here + ".messageExpression"))
                }
            }
            if let reason = rule["reason"]?.stringValue, !supportedReasons.contains(reason) {
                let supported = supportedReasons.map { "\"\($0)\"" }.joined(separator: ", ")
                found.append(cause("FieldValueNotSupported", "Unsupported value: \"\(reason)\": supported values: \(supported)", field: here + ".reason"))
            }
            if let message = rule["message"]?.stringValue, message.allSatisfy(\.isWhitespace) {
                found.append(cause("FieldValueInvalid", "Invalid value: \"\(message)\": message must be non-empty if specified", field: here + ".message"))
            }
            if let expression = rule["messageExpression"]?.stringValue, expression.allSatisfy(\.isWhitespace) {
                found.append(cause(
                    "FieldValueRequired", "Required value: messageExpression must be non-empty if specified", field: here + ".messageExpression"))
            }
            if let fieldPath = rule["fieldPath"]?.stringValue {
                let trimmed = fieldPath.trimmingWhitespace
                if trimmed.isEmpty {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(fieldPath)\": fieldPath must be non-empty if specified", field: here + ".fieldPath"))
                } else if fieldPath.contains(where: \.isNewline) {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(fieldPath)\": fieldPath must not contain line breaks", field: here + ".fieldPath"))
                } else if !resolves(trimmed, in: schema) {
                    found.append(cause("FieldValueInvalid", "Invalid value: \"\(fieldPath)\": fieldPath must be a valid path", field: here + ".fieldPath"))
                }
            }
        }
        for (name, child) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            check(child, path: "\(path).properties[\(name)]", isRoot: false, cardinality: cardinality, costs: &costs, into: &found)
        }
        // A rule below a list or a map runs once per element: its cost counts that many times.
        let elements = CELCostEstimator.multiply(cardinality, CELCostEstimator.size(of: .schema(schema, isRoot: false)))
        if let items = schema["items"], case .object = items {
            check(items, path: path + ".items", isRoot: false, cardinality: elements, costs: &costs, into: &found)
        }
        if let additional = schema["additionalProperties"], case .object = additional {
            check(additional, path: path + ".additionalProperties", isRoot: false, cardinality: elements, costs: &costs, into: &found)
        }
    }

    private static func cause(_ reason: String, _ message: String, field: String) -> StatusCause {
        StatusCause(reason: reason, message: message, field: field)
    }

    /// Whether `path` (`.a.b`, `['a.b']`) names a field the schema declares.
    static func resolves(_ path: String, in schema: JSONValue) -> Bool {
        guard let segments = FieldPathSegments.parse(path) else { return false }
        var current = schema
        for segment in segments {
            switch segment {
            case .name(let name):
                if let child = current["properties"]?[name] {
                    current = child
                } else if let additional = current["additionalProperties"], case .object = additional {
                    current = additional
                } else {
                    return false
                }
            }
        }
        return true
    }
}

/// The segments of a CRD rule's `fieldPath`.
enum FieldPathSegments {
    enum Segment: Equatable { case name(String) }

    /// `.spec.parameters['a.b']` → name spec, name parameters, name a.b; nil when malformed.
    /// A list index (`[0]`) is malformed: the API server's fieldPath check never steps into items.
    static func parse(_ path: String) -> [Segment]? {
        var segments: [Segment] = []
        var rest = Substring(path)
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "$" }
                guard !name.isEmpty else { return nil }
                segments.append(.name(String(name)))
                rest = rest.dropFirst(name.count)
            } else if rest.hasPrefix("['") {
                rest = rest.dropFirst(2)
                guard let end = rest.firstRange(of: "']") else { return nil }
                segments.append(.name(String(rest[rest.startIndex..<end.lowerBound])))
                rest = rest[end.upperBound...]
            } else {
                return nil
            }
        }
        return segments.isEmpty ? nil : segments
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
