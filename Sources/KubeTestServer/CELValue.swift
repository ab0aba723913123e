import KubeTypes

/// A value while a CEL rule is evaluated: JSON's kinds, CEL's unsigned integers, and a Kubernetes
/// quantity (held as its value in a `Double`: enough to compare the sizes CRD rules compare).
indirect enum CELValue: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case list([CELValue])
    case map([String: CELValue])
    case quantity(Double)

    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .list(values.map(CELValue.init))
        case .object(let members): self = .map(members.mapValues(CELValue.init))
        }
    }

    init(_ literal: CELLiteral) {
        switch literal {
        case .string(let value): self = .string(value)
        case .int(let value): self = .int(value)
        case .uint(let value): self = .uint(value)
        case .double(let value): self = .double(value)
        case .bool(let value): self = .bool(value)
        case .null: self = .null
        }
    }

    /// CEL's name for the value's type, as its errors print it.
    var typeName: String {
        switch self {
        case .null: "null_type"
        case .bool: "bool"
        case .int: "int"
        case .uint: "uint"
        case .double: "double"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        case .quantity: "kubernetes.Quantity"
        }
    }

    /// The value as a number, for CEL's comparisons across int, uint and double.
    var number: Double? {
        switch self {
        case .int(let value): Double(value)
        case .uint(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// CEL equality: numbers equal across int, uint and double; lists and maps element by element.
    static func celEqual(_ lhs: CELValue, _ rhs: CELValue) -> Bool {
        if let left = lhs.number, let right = rhs.number { return left == right }
        switch (lhs, rhs) {
        case (.list(let left), .list(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { celEqual($0, $1) }
        case (.map(let left), .map(let right)):
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { celEqual(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }
}

/// A failure while evaluating a rule (`no such key: name`), reported as the API server reports it.
struct CELEvaluationError: Error, Equatable {
    var message: String
}

/// Kubernetes' quantity language (`10Gi`, `500m`, `1e3`), for `quantity()` in rules.
enum CELQuantity {
    static let binarySuffixes: [String: Double] = [
        "Ki": 0x1p10, "Mi": 0x1p20, "Gi": 0x1p30, "Ti": 0x1p40, "Pi": 0x1p50, "Ei": 0x1p60,
    ]
    static let decimalSuffixes: [String: Double] = [
        "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    ]

    /// The quantity's value, or `nil` when `text` is not a quantity.
    static func value(of text: String) -> Double? {
        let signs = text.prefix { $0 == "+" || $0 == "-" }
        guard signs.count <= 1 else { return nil }
        let rest = text.dropFirst(signs.count)
        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = String(rest.dropFirst(number.count))
        guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let magnitude = Double(number) else { return nil }
        let sign: Double = signs == "-" ? -1 : 1
        if let factor = binarySuffixes[suffix] ?? decimalSuffixes[suffix] { return sign * magnitude * factor }
        if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()) {
            return sign * magnitude * pow10(exponent)
        }
        return nil
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(exponent) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }
}
