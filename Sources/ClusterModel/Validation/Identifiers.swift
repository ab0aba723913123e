/// Hand-written checks of the schema's name patterns, for the reconcile path (compiling a `Regex`
/// per call costs more than the rest of a steady-state reconcile). Tests keep them equal to the patterns.
public enum Identifiers {
    /// The hand-written check of one of the schema's patterns, or `nil` for another pattern.
    public static func matcher(for pattern: String) -> (@Sendable (String) -> Bool)? {
        switch pattern {
        case PostgresClusterSchema.clusterNamePattern: isDNS1035Label
        case PostgresClusterSchema.versionPattern: isVersionText
        case PostgresClusterSchema.identifierPattern: isSQLIdentifier
        case PostgresClusterSchema.secretNamePattern: isDNS1123Subdomain
        case Quantity.pattern: { Quantity($0) != nil }
        default: nil
        }
    }

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

    /// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
    public static func isDNS1123Subdomain(_ text: String) -> Bool {
        let labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last, isLower(first) || isDigit(first), isLower(last) || isDigit(last) else {
                return false
            }
            return label.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }
}
