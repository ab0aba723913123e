/// Hand-written checks of the schema's name patterns, for the reconcile path (compiling a `Regex`
/// per call costs more than the rest of a steady-state reconcile). Tests keep them equal to the patterns.
public enum Identifiers {
    static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// `^[a-z]([-a-z0-9]*[a-z0-9])?$`
    public static func isDNS1035Label(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isLower(first), isLower(last) || isDigit(last) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// `^[0-9]{2}(\.[0-9]{1,3})?$`
    public static func isVersionText(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, parts[0].utf8.count == 2, parts[0].utf8.allSatisfy(isDigit) else { return false }
        return parts.count == 1 || ((1...3).contains(parts[1].utf8.count) && parts[1].utf8.allSatisfy(isDigit))
    }

    /// `^[a-z_][a-z0-9_]{0,62}$`
    public static func isSQLIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 63, isLower(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// `^[a-z][a-z0-9_.]*$`, at most 63 characters.
    public static func isParameterName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 63, isLower(first) else { return false }
        return bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}
