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

    /// Parses a quantity; `nil` when the text is not one.
    public init?(_ text: String) {
        guard (try? Regex(Self.pattern).wholeMatch(in: text)) != nil else { return nil }
        self.text = text
        var number = Substring(text)
        var multiplier = 1.0
        if text.count >= 2, let factor = Self.binarySuffixes[String(text.suffix(2))] {
            number = text.dropLast(2)
            multiplier = factor
        } else if let last = text.last, let factor = Self.decimalSuffixes[last] {
            number = text.dropLast()
            multiplier = factor
        }
        guard let parsed = Double(number) else { return nil }
        value = parsed * multiplier
    }

    public var description: String { text }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
