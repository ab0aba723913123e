/// The functions and operators ``CELEvaluator`` knows, applied to evaluated arguments: CEL's
/// standard ones, the strings extension, `matches`, and Kubernetes' quantity library.
enum CELFunctions {
    static func apply(_ function: String, receiver: CELValue?, arguments: [CELValue]) throws(CELEvaluationError) -> CELValue {
        let all = (receiver.map { [$0] } ?? []) + arguments
        let failure = CELEvaluator.noOverload(function, all)
        switch (function, all.count) {
        case ("_==_", 2): return .bool(CELValue.celEqual(all[0], all[1]))
        case ("_!=_", 2): return .bool(!CELValue.celEqual(all[0], all[1]))
        case ("_<_", 2), ("_<=_", 2), ("_>_", 2), ("_>=_", 2):
            guard let order = compare(all[0], all[1]) else { throw failure }
            switch function {
            case "_<_": return .bool(order < 0)
            case "_<=_": return .bool(order <= 0)
            case "_>_": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case ("_in_", 2):
            switch all[1] {
            case .list(let values): return .bool(values.contains { CELValue.celEqual($0, all[0]) })
            case .map(let members):
                guard case .string(let key) = all[0] else { return .bool(false) }
                return .bool(members[key] != nil)
            default: throw failure
            }
        case ("_[_]", 2):
            switch (all[0], all[1]) {
            case (.list(let values), _):
                guard let index = all[1].number.map(Int.init), Double(index) == all[1].number else { throw failure }
                guard values.indices.contains(index) else { throw CELEvaluationError(message: "index out of bounds: \(index)") }
                return values[index]
            case (.map(let members), .string(let key)):
                guard let value = members[key] else { throw CELEvaluationError(message: "no such key: \(key)") }
                return value
            default: throw failure
            }
        case ("!_", 1):
            guard case .bool(let value) = all[0] else { throw failure }
            return .bool(!value)
        case ("-_", 1):
            switch all[0] {
            case .int(let value): return .int(-value)
            case .double(let value): return .double(-value)
            default: throw failure
            }
        case ("_+_", 2), ("_-_", 2), ("_*_", 2), ("_/_", 2), ("_%_", 2):
            return try arithmetic(function, all[0], all[1], failure: failure)
        case ("size", 1):
            switch all[0] {
            case .string(let text): return .int(Int64(text.unicodeScalars.count))
            case .list(let values): return .int(Int64(values.count))
            case .map(let members): return .int(Int64(members.count))
            default: throw failure
            }
        case ("dyn", 1): return all[0]
        default:
            return try strings(function, all, failure: failure)
        }
    }

    private static func strings(_ function: String, _ all: [CELValue], failure: CELEvaluationError) throws(CELEvaluationError)
        -> CELValue
    {
        switch (function, all.first, all.count) {
        case ("matches", .string(let text), 2):
            guard case .string(let pattern) = all[1] else { throw failure }
            guard let regex = try? Regex(pattern) else { throw CELEvaluationError(message: "invalid regular expression: \(pattern)") }
            return .bool((try? regex.firstMatch(in: text)) != nil)
        case ("contains", .string(let text), 2), ("startsWith", .string(let text), 2), ("endsWith", .string(let text), 2):
            guard case .string(let part) = all[1] else { throw failure }
            switch function {
            case "contains": return .bool(part.isEmpty || text.contains(part))
            case "startsWith": return .bool(text.hasPrefix(part))
            default: return .bool(text.hasSuffix(part))
            }
        case ("split", .string(let text), 2):
            guard case .string(let separator) = all[1] else { throw failure }
            guard !separator.isEmpty else { return .list(text.map { .string(String($0)) }) }
            return .list(text.split(separator: separator, omittingEmptySubsequences: false).map { .string(String($0)) })
        case ("lowerAscii", .string(let text), 1):
            return .string(String(text.map { $0.isASCII ? Character($0.lowercased()) : $0 }))
        case ("upperAscii", .string(let text), 1):
            return .string(String(text.map { $0.isASCII ? Character($0.uppercased()) : $0 }))
        case ("trim", .string(let text), 1):
            return .string(String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()))
        default:
            return try conversions(function, all, failure: failure)
        }
    }

    private static func conversions(_ function: String, _ all: [CELValue], failure: CELEvaluationError) throws(CELEvaluationError)
        -> CELValue
    {
        switch (function, all.first, all.count) {
        case ("int", .string(let text), 1):
            guard let value = Int64(text) else { throw CELEvaluationError(message: "cannot parse '\(text)' as int") }
            return .int(value)
        case ("int", .int, 1): return all[0]
        case ("int", .uint(let value), 1): return .int(Int64(clamping: value))
        case ("int", .double(let value), 1):
            guard value.isFinite, abs(value) < 0x1p63 else { throw CELEvaluationError(message: "range error converting \(value) to int") }
            return .int(Int64(value))
        case ("double", _, 1):
            if case .string(let text) = all[0], let value = Double(text) { return .double(value) }
            guard let value = all[0].number else { throw failure }
            return .double(value)
        case ("string", .string, 1): return all[0]
        case ("string", .int(let value), 1): return .string(String(value))
        case ("string", .uint(let value), 1): return .string(String(value))
        case ("string", .bool(let value), 1): return .string(String(value))
        case ("quantity", .string(let text), 1):
            guard let value = CELQuantity.value(of: text) else { throw CELEvaluationError(message: "quantities must match the regular expression") }
            return .quantity(value)
        case ("isQuantity", .string(let text), 1): return .bool(CELQuantity.value(of: text) != nil)
        case ("compareTo", .quantity(let left), 2), ("isGreaterThan", .quantity(let left), 2), ("isLessThan", .quantity(let left), 2):
            guard case .quantity(let right) = all[1] else { throw failure }
            switch function {
            case "compareTo": return .int(left < right ? -1 : left > right ? 1 : 0)
            case "isGreaterThan": return .bool(left > right)
            default: return .bool(left < right)
            }
        case ("sign", .quantity(let value), 1): return .int(value < 0 ? -1 : value > 0 ? 1 : 0)
        case ("asApproximateFloat", .quantity(let value), 1): return .double(value)
        default: throw failure
        }
    }

    /// -1, 0 or 1 for values CEL orders (numbers across kinds, strings, booleans); `nil` otherwise.
    static func compare(_ lhs: CELValue, _ rhs: CELValue) -> Int? {
        if let left = lhs.number, let right = rhs.number { return left < right ? -1 : left > right ? 1 : 0 }
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): return left < right ? -1 : left > right ? 1 : 0
        case (.bool(let left), .bool(let right)): return left == right ? 0 : (left ? 1 : -1)
        default: return nil
        }
    }

    private static func arithmetic(_ function: String, _ lhs: CELValue, _ rhs: CELValue, failure: CELEvaluationError) throws(CELEvaluationError)
        -> CELValue
    {
        switch (lhs, rhs) {
        case (.int(let left), .int(let right)):
            let result: (Int64, Bool)
            switch function {
            case "_+_": result = left.addingReportingOverflow(right)
            case "_-_": result = left.subtractingReportingOverflow(right)
            case "_*_": result = left.multipliedReportingOverflow(by: right)
            default:
                guard right != 0 else { throw CELEvaluationError(message: function == "_/_" ? "division by zero" : "modulus by zero") }
                result = function == "_/_" ? left.dividedReportingOverflow(by: right) : left.remainderReportingOverflow(dividingBy: right)
            }
            guard !result.1 else { throw CELEvaluationError(message: "integer overflow") }
            return .int(result.0)
        case (.double(let left), .double(let right)):
            switch function {
            case "_+_": return .double(left + right)
            case "_-_": return .double(left - right)
            case "_*_": return .double(left * right)
            case "_/_": return .double(left / right)
            default: throw failure
            }
        case (.string(let left), .string(let right)) where function == "_+_": return .string(left + right)
        case (.list(let left), .list(let right)) where function == "_+_": return .list(left + right)
        default: throw failure
        }
    }
}
