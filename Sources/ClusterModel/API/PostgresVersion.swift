/// A PostgreSQL version as users write it: `MAJOR` or `MAJOR.MINOR` (from 10 on).
public struct PostgresVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int?

    /// Parses `16` or `16.4`; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let major = Int(parts[0])
        else { return nil }
        self.major = major
        self.minor = parts.count == 2 ? Int(parts[1]) : nil
    }

    /// From `server_version_num` (for example 160004 → 16.4).
    public init(serverVersionNumber: Int) {
        major = serverVersionNumber / 10000
        minor = serverVersionNumber % 10000
    }

    public var description: String { minor.map { "\(major).\($0)" } ?? "\(major)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.major, lhs.minor ?? 0) < (rhs.major, rhs.minor ?? 0)
    }
}
