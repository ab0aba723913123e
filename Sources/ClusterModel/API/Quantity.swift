/// A Kubernetes resource quantity (`10Gi`, `500M`, `1.5Ti`, `2e9`), parsed to compare sizes.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// The value in base units (bytes for storage).
    public let value: Double

    /// The pattern the API server uses for quantities.
    public static let pattern =
        #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#

    private static let binarySuffixes: [String: Double] = [
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
        "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
    ]
    private static let decimalSuffixes: [Character: Double] = [
        "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    ]

    /// Parses a quantity; `nil` when the text is not one (the same language as ``pattern``).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        let numberStart = index
        guard Self.scanDecimal(bytes, &index) else { return nil }
        let numberEnd = index
        var multiplier = 1.0
        let rest = String(decoding: bytes[index...], as: UTF8.self)
        if rest.isEmpty {
            multiplier = 1
        } else if let factor = Self.binarySuffixes[rest] {
            multiplier = factor
        } else if rest.count == 1, let character = rest.first, let factor = Self.decimalSuffixes[character] {
            multiplier = factor
        } else if bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var exponentIndex = index + 1
            if exponentIndex < bytes.count, bytes[exponentIndex] == UInt8(ascii: "+") || bytes[exponentIndex] == UInt8(ascii: "-") { exponentIndex += 1 }
            guard Self.scanDecimal(bytes, &exponentIndex), exponentIndex == bytes.count,
                let exponent = Double(String(decoding: bytes[(index + 1)...], as: UTF8.self))
            else { return nil }
            multiplier = Self.power10(exponent)
        } else {
            return nil
        }
        let sign: Double = bytes.first == UInt8(ascii: "-") ? -1 : 1
        guard let number = Double(String(decoding: bytes[numberStart..<numberEnd], as: UTF8.self)) else { return nil }
        self.text = text
        self.value = sign * number * multiplier
    }

    /// Scans `digits[.digits*]` or `.digits`; false when there is no number here.
    private static func scanDecimal(_ bytes: [UInt8], _ index: inout Int) -> Bool {
        let isDigit: (UInt8) -> Bool = { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        var digits = 0
        while index < bytes.count, isDigit(bytes[index]) {
            index += 1
            digits += 1
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var fraction = 0
            while index < bytes.count, isDigit(bytes[index]) {
                index += 1
                fraction += 1
            }
            return digits > 0 || fraction > 0
        }
        return digits > 0
    }

    private static func power10(_ exponent: Double) -> Double {
        var result = 1.0
        let steps = Int(abs(exponent).rounded(.down))
        for _ in 0..<min(steps, 400) { result *= 10 }
        return exponent < 0 ? 1 / result : result
    }

    public var description: String { text }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
