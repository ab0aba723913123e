import KubeTypes

/// The API server's static estimate of a CEL rule's worst-case cost (cel-go's estimator with the
/// sizes Kubernetes derives from a CRD schema), for the functions CRD rules use.
///
/// Sizes: a string is at most `maxLength × 4` bytes, or 3 MiB (the request limit) without one; a
/// list or map holds `maxItems`/`maxProperties` elements, or as many of its smallest serialized
/// element as fit in a request; a map key has size 0; scalars have size 1. Costs: 1 per identifier
/// and field selection, string work at 0.1 per byte, `matches` the product of the string's and the
/// regex's (0.25 per byte) costs, `in` the list's size, a comprehension its range's size times the
/// cost of one iteration (with the macros' own accumulator steps). A function the estimator does
/// not know costs as a string traversal of its receiver: higher, never lower, than the real one's.
struct CELCostEstimator {
    static let maxRequestSize: UInt64 = 3 * 1024 * 1024
    static let unboundedString: UInt64 = maxRequestSize - 2

    /// What an expression's value is, as far as sizes go.
    indirect enum Node {
        case schema(JSONValue, isRoot: Bool)
        case string(UInt64)
        case list(UInt64, element: Node)
        case scalar
        case unknown(UInt64)
    }

    struct Failure: Error { var message: String }

    private var variables: [String: Node]

    init(schema: JSONValue, isRoot: Bool) {
        variables = ["self": .schema(schema, isRoot: isRoot), "oldSelf": .schema(schema, isRoot: isRoot)]
    }

    /// The worst-case cost of `expression` on a value of `schema`.
    static func cost(of expression: CELExpression, schema: JSONValue, isRoot: Bool) throws(Failure) -> UInt64 {
        var estimator = CELCostEstimator(schema: schema, isRoot: isRoot)
        return try estimator.estimate(expression).cost
    }

    // MARK: - Sizes from the schema

    static func size(of node: Node) -> UInt64 {
        switch node {
        case .string(let size), .list(let size, _), .unknown(let size): return size
        case .scalar: return 1
        case .schema(let schema, _):
            if schema["x-kubernetes-int-or-string"] == .bool(true) { return unboundedString }
            switch schema["type"]?.stringValue {
            case "string":
                if let maxLength = schema["maxLength"]?.intValue { return UInt64(max(0, maxLength)) * 4 }
                if let values = schema["enum"]?.arrayValue, !values.isEmpty {
                    return UInt64(values.compactMap { $0.stringValue?.utf8.count }.max() ?? 0)
                }
                switch schema["format"]?.stringValue {
                case "duration", "date-time": return 32
                case "date": return 12
                default: return unboundedString
                }
            case "array":
                if let maxItems = schema["maxItems"]?.intValue { return UInt64(max(0, maxItems)) }
                let items = schema["items"].map { Node.schema($0, isRoot: false) } ?? .unknown(1)
                return unboundedString / (minimumSerializedSize(items) + 1)
            case "object":
                guard let values = schema["additionalProperties"], case .object = values else { return 1 }
                if let maxProperties = schema["maxProperties"]?.intValue { return UInt64(max(0, maxProperties)) }
                return unboundedString / (minimumSerializedSize(.schema(values, isRoot: false)) + 6)
            default: return 1
            }
        }
    }

    static func minimumSerializedSize(_ node: Node) -> UInt64 {
        guard case .schema(let schema, _) = node else { return 1 }
        if schema["x-kubernetes-int-or-string"] == .bool(true) { return 1 }
        switch schema["type"]?.stringValue {
        case "string": return 2
        case "boolean": return 4
        case "array": return 2
        case "object":
            var size: UInt64 = 2
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (name, property) in schema["properties"]?.objectValue ?? [:] where required.contains(name) && property["default"] == nil {
                size += UInt64(name.utf8.count) + minimumSerializedSize(.schema(property, isRoot: false)) + 4
            }
            return size
        default: return 1
        }
    }

    /// The value of `node.field`, or a failure when the schema declares no such field.
    static func field(_ field: String, of node: Node) throws(Failure) -> Node {
        guard case .schema(let schema, let isRoot) = node else { return .unknown(unboundedString) }
        if isRoot {
            switch field {
            case "apiVersion", "kind": return .string(unboundedString)
            case "metadata":
                let declared = schema["properties"]?["metadata"]?["properties"]?.objectValue ?? [:]
                var properties: [String: JSONValue] = ["name": ["type": "string"], "generateName": ["type": "string"]]
                for name in ["name", "generateName"] { if let given = declared[name] { properties[name] = given } }
                return .schema(["type": "object", "properties": .object(properties)], isRoot: false)
            default: break
            }
        }
        if let property = schema["properties"]?[field] { return .schema(property, isRoot: false) }
        if let values = schema["additionalProperties"], case .object = values { return .schema(values, isRoot: false) }
        if schema["x-kubernetes-preserve-unknown-fields"] == .bool(true) { return .unknown(unboundedString) }
        throw Failure(message: "undefined field '\(field)'")
    }

    /// The element a comprehension over `node` binds: list items, or map keys (size 0).
    static func element(of node: Node) -> Node {
        switch node {
        case .list(_, let element): return element
        case .schema(let schema, _):
            if schema["type"]?.stringValue == "array", let items = schema["items"] { return .schema(items, isRoot: false) }
            if schema["type"]?.stringValue == "object" { return .string(0) }
            return .unknown(unboundedString)
        default: return .unknown(unboundedString)
        }
    }

    // MARK: - Costs

    static func traversal(_ size: UInt64, _ factor: Double) -> UInt64 {
        let product = Double(size) * factor
        return product >= Double(UInt64.max) ? UInt64.max : UInt64(product.rounded(.up))
    }

    static func add(_ values: UInt64...) -> UInt64 {
        values.reduce(0) { sum, value in
            let (result, overflow) = sum.addingReportingOverflow(value)
            return overflow ? UInt64.max : result
        }
    }

    static func multiply(_ left: UInt64, _ right: UInt64) -> UInt64 {
        let (result, overflow) = left.multipliedReportingOverflow(by: right)
        return overflow ? UInt64.max : result
    }

    private static let stringFunctions: Set<String> = [
        "lowerAscii", "upperAscii", "trim", "replace", "substring", "charAt", "indexOf", "lastIndexOf", "join", "format",
        "quote", "reverse", "string", "bytes",
    ]
    private static let parsingFunctions: Set<String> = [
        "quantity", "isQuantity", "url", "isURL", "ip", "isIP", "cidr", "isCIDR", "semver", "isSemver",
    ]
    private static let constantFunctions: Set<String> = [
        "size", "int", "uint", "double", "bool", "type", "dyn", "duration", "timestamp", "compareTo", "isGreaterThan",
        "isLessThan", "add", "sub", "asInteger", "asApproximateFloat", "isInteger", "sign", "getScheme", "getHost",
        "getHostname", "getPort", "getEscapedPath", "getQuery", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
        "isLinkLocalUnicast", "isGlobalUnicast", "containsIP", "containsCIDR", "prefixLength", "masked", "major", "minor",
        "patch", "isSorted", "sum", "min", "max", "_+_", "_-_", "_*_", "_/_", "_%_", "!_", "-_",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds", "getDayOfWeek", "getDayOfMonth", "getDayOfYear",
        "getFullYear", "getMonth", "getDate",
    ]

    mutating func estimate(_ expression: CELExpression) throws(Failure) -> (cost: UInt64, node: Node) {
        switch expression {
        case .constant(let literal):
            return (0, literal.size == 1 ? .scalar : .string(literal.size))
        case .identifier(let name):
            guard let node = variables[name] else { throw Failure(message: "undeclared reference to '\(name)'") }
            return (1, node)
        case .select(let operand, let name, let testOnly):
            let (cost, node) = try estimate(operand)
            return (Self.add(cost, 1), testOnly ? .scalar : try Self.field(name, of: node))
        case .list(let elements):
            var cost: UInt64 = 10
            var element: Node = .scalar
            for item in elements {
                let (itemCost, node) = try estimate(item)
                cost = Self.add(cost, itemCost)
                if Self.size(of: node) >= Self.size(of: element) { element = node }
            }
            return (cost, .list(UInt64(elements.count), element: element))
        case .map(let entries):
            var cost: UInt64 = 30
            for entry in entries { cost = Self.add(cost, try estimate(entry).cost) }
            return (cost, .unknown(UInt64(entries.count / 2)))
        case .comprehension(let macro, let range, let variable, let body):
            return try comprehension(macro, range: range, variable: variable, body: body)
        case .call(let function, let target, let arguments):
            return try call(function, target: target, arguments: arguments)
        }
    }

    private mutating func comprehension(_ macro: String, range: CELExpression, variable: String, body: [CELExpression]) throws(Failure)
        -> (cost: UInt64, node: Node)
    {
        let (rangeCost, rangeNode) = try estimate(range)
        let count = Self.size(of: rangeNode)
        let saved = variables[variable]
        variables[variable] = Self.element(of: rangeNode)
        var bodyCosts: [UInt64] = []
        for part in body { bodyCosts.append(try estimate(part).cost) }
        variables[variable] = saved
        let first = bodyCosts.first ?? 0
        let fixed: UInt64
        let iteration: UInt64
        switch macro {
        case "all": (fixed, iteration) = (1, Self.add(3, first))
        case "exists": (fixed, iteration) = (1, Self.add(4, first))
        case "exists_one": (fixed, iteration) = (2, Self.add(2, first))
        case "map" where bodyCosts.count == 2: (fixed, iteration) = (11, Self.add(first, 12, bodyCosts[1]))
        case "map": (fixed, iteration) = (11, Self.add(12, first))
        default: (fixed, iteration) = (11, Self.add(first, 13))  // filter
        }
        let cost = Self.add(rangeCost, fixed, Self.multiply(count, iteration))
        let node: Node = macro == "map" || macro == "filter" ? .list(count, element: .unknown(Self.unboundedString)) : .scalar
        return (cost, node)
    }

    private mutating func call(_ function: String, target: CELExpression?, arguments: [CELExpression]) throws(Failure)
        -> (cost: UInt64, node: Node)
    {
        var argumentCost: UInt64 = 0
        var costs: [UInt64] = []
        var nodes: [Node] = []
        for argument in arguments {
            let (cost, node) = try estimate(argument)
            argumentCost = Self.add(argumentCost, cost)
            costs.append(cost)
            nodes.append(node)
        }
        var targetNode: Node?
        if let target {
            let (cost, node) = try estimate(target)
            argumentCost = Self.add(argumentCost, cost)
            targetNode = node
        }
        let receiverSize = targetNode.map(Self.size(of:)) ?? nodes.first.map(Self.size(of:)) ?? 1
        switch function {
        case "_&&_", "_||_":
            return (argumentCost, .scalar)
        case "_?_:_":
            // Only one branch runs: the condition and the dearer branch.
            guard nodes.count == 3 else { break }
            return (Self.add(costs[0], max(costs[1], costs[2])), Self.size(of: nodes[1]) >= Self.size(of: nodes[2]) ? nodes[1] : nodes[2])
        case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
            guard nodes.count == 2 else { break }
            let smaller = min(Self.size(of: nodes[0]), Self.size(of: nodes[1]))
            return (Self.add(Self.traversal(smaller, 0.1), argumentCost), .scalar)
        case "_in_":
            guard nodes.count == 2 else { break }
            return (Self.add(Self.size(of: nodes[1]), argumentCost), .scalar)
        case "_[_]":
            guard nodes.count == 2 else { break }
            return (Self.add(1, argumentCost), Self.indexed(nodes[0]))
        case "matches":
            guard let regex = nodes.last else { break }
            let string = Self.traversal(Self.add(receiverSize, 1), 0.1)
            return (Self.add(Self.multiply(string, Self.traversal(Self.size(of: regex), 0.25)), argumentCost), .scalar)
        case "contains":
            guard let part = nodes.last else { break }
            return (Self.add(Self.multiply(Self.traversal(receiverSize, 0.1), Self.traversal(Self.size(of: part), 0.1)), argumentCost), .scalar)
        case "startsWith", "endsWith":
            guard let part = nodes.last else { break }
            return (Self.add(Self.traversal(Self.size(of: part), 0.1), argumentCost), .scalar)
        case "split":
            return (Self.add(Self.traversal(receiverSize, 0.1), argumentCost), .list(receiverSize, element: .string(receiverSize)))
        default:
            break
        }
        if Self.stringFunctions.contains(function) {
            return (Self.add(Self.traversal(receiverSize, 0.1), argumentCost), .string(receiverSize))
        }
        if Self.parsingFunctions.contains(function) {
            return (Self.add(Self.traversal(receiverSize, 0.1), argumentCost), .scalar)
        }
        if Self.constantFunctions.contains(function) {
            let node: Node = function == "_+_" && nodes.count == 2 ? Self.concatenated(nodes[0], nodes[1]) : .scalar
            if function == "_+_", case .string = node { return (Self.add(Self.traversal(Self.size(of: node), 0.1), argumentCost), node) }
            return (Self.add(1, argumentCost), node)
        }
        throw Failure(message: "undeclared reference to '\(function)'")
    }

    private static func indexed(_ node: Node) -> Node {
        switch node {
        case .list(_, let element): return element
        case .schema(let schema, _):
            if let items = schema["items"], schema["type"]?.stringValue == "array" { return .schema(items, isRoot: false) }
            if let values = schema["additionalProperties"], case .object = values { return .schema(values, isRoot: false) }
            return .unknown(unboundedString)
        default: return .unknown(unboundedString)
        }
    }

    private static func concatenated(_ left: Node, _ right: Node) -> Node {
        let size = add(self.size(of: left), self.size(of: right))
        switch (left, right) {
        case (.string, _), (_, .string): return .string(size)
        default:
            if case .schema(let schema, _) = left, schema["type"]?.stringValue == "string" { return .string(size) }
            return .scalar
        }
    }
}

extension JSONValue {
    /// The integer payload, if this is an integer.
    fileprivate var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
