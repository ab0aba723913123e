/// A PostgreSQL write-ahead-log position (`pg_lsn`, written `X/Y` in hex).
public struct LSN: Sendable, Hashable, Comparable, CustomStringConvertible, PostgresDecodable {
    /// The position as a 64-bit byte offset.
    public let value: UInt64

    /// Creates a position from its byte offset.
    public init(_ value: UInt64) { self.value = value }

    /// Parses the `X/Y` text form.
    public init?(postgresText: String) {
        let parts = postgresText.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let high = UInt32(parts[0], radix: 16), let low = UInt32(parts[1], radix: 16) else {
            return nil
        }
        value = UInt64(high) << 32 | UInt64(low)
    }

    /// Bytes from `other` up to this position; 0 when `other` is ahead.
    public func bytes(since other: LSN) -> UInt64 {
        value >= other.value ? value - other.value : 0
    }

    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.value < rhs.value }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }
}
