/// Evaluates a parsed CEL rule on a value, as the API server does at admission: CEL's operators
/// and macros, the strings extension (`split`, `lowerAscii`, ...), `matches` and Kubernetes'
/// quantity library (`quantity`, `compareTo`, ...). `&&`, `||` and the macros `all`/`exists`
/// absorb an error when the other side decides the result, as CEL's do.
struct CELEvaluator {
    private var variables: [String: CELValue]

    /// The value of `expression` with these variables (`self`, `oldSelf`).
    static func evaluate(_ expression: CELExpression, variables: [String: CELValue]) throws(CELEvaluationError) -> CELValue {
        var evaluator = CELEvaluator(variables: variables)
        return try evaluator.value(of: expression)
    }

    private init(variables: [String: CELValue]) { self.variables = variables }

    private mutating func value(of expression: CELExpression) throws(CELEvaluationError) -> CELValue {
        switch expression {
        case .constant(let literal):
            return CELValue(literal)
        case .identifier(let name):
            guard let value = variables[name] else { throw CELEvaluationError(message: "undeclared reference to '\(name)'") }
            return value
        case .select(let operand, let field, let testOnly):
            guard case .map(let members) = try value(of: operand) else {
                throw CELEvaluationError(message: "unsupported type for field selection: \(field)")
            }
            if testOnly { return .bool(members[field] != nil) }
            guard let member = members[field] else { throw CELEvaluationError(message: "no such key: \(field)") }
            return member
        case .list(let elements):
            var values: [CELValue] = []
            for element in elements { values.append(try value(of: element)) }
            return .list(values)
        case .map(let entries):
            var members: [String: CELValue] = [:]
            var index = 0
            while index + 1 < entries.count {
                guard case .string(let key) = try value(of: entries[index]) else { throw CELEvaluationError(message: "unsupported map key type") }
                members[key] = try value(of: entries[index + 1])
                index += 2
            }
            return .map(members)
        case .comprehension(let macro, let range, let variable, let body):
            return try comprehension(macro, range: range, variable: variable, body: body)
        case .call(let function, let target, let arguments):
            return try call(function, target: target, arguments: arguments)
        }
    }

    private mutating func bool(_ expression: CELExpression) throws(CELEvaluationError) -> Bool {
        let result = try value(of: expression)
        guard case .bool(let truth) = result else { throw Self.noOverload("bool", [result]) }
        return truth
    }

    // MARK: - Macros

    private mutating func comprehension(_ macro: String, range: CELExpression, variable: String, body: [CELExpression])
        throws(CELEvaluationError) -> CELValue
    {
        let elements: [CELValue]
        switch try value(of: range) {
        case .list(let values): elements = values
        case .map(let members): elements = members.keys.sorted().map(CELValue.string)
        case let other: throw Self.noOverload(macro, [other])
        }
        let saved = variables[variable]
        defer { variables[variable] = saved }
        var deferred: CELEvaluationError?
        var kept: [CELValue] = []
        var matches = 0
        for element in elements {
            variables[variable] = element
            switch macro {
            case "all", "exists":
                do {
                    // all stops at a false, exists at a true; an error counts only if none decides.
                    if try bool(body[0]) == (macro == "exists") { return .bool(macro == "exists") }
                } catch {
                    deferred = error
                }
            case "exists_one":
                if try bool(body[0]) { matches += 1 }
            case "filter":
                if try bool(body[0]) { kept.append(element) }
            default:  // map, with an optional filter before the transform
                if body.count == 2, !(try bool(body[0])) { continue }
                kept.append(try value(of: body[body.count - 1]))
            }
        }
        if let deferred { throw deferred }
        switch macro {
        case "all": return .bool(true)
        case "exists": return .bool(false)
        case "exists_one": return .bool(matches == 1)
        default: return .list(kept)
        }
    }

    // MARK: - Calls

    private mutating func call(_ function: String, target: CELExpression?, arguments: [CELExpression]) throws(CELEvaluationError)
        -> CELValue
    {
        switch function {
        case "_&&_", "_||_":
            // The side that decides wins over an error on the other side.
            let decisive = function == "_||_"
            var deferred: CELEvaluationError?
            for argument in arguments {
                do {
                    if try bool(argument) == decisive { return .bool(decisive) }
                } catch {
                    deferred = error
                }
            }
            if let deferred { throw deferred }
            return .bool(!decisive)
        case "_?_:_":
            return try value(of: try bool(arguments[0]) ? arguments[1] : arguments[2])
        default:
            var receiver: CELValue?
            if let target { receiver = try value(of: target) }
            var values: [CELValue] = []
            for argument in arguments { values.append(try value(of: argument)) }
            return try CELFunctions.apply(function, receiver: receiver, arguments: values)
        }
    }

    static func noOverload(_ function: String, _ values: [CELValue]) -> CELEvaluationError {
        CELEvaluationError(
            message: "found no matching overload for '\(function)' applied to '(\(values.map(\.typeName).joined(separator: ", ")))'")
    }
}
