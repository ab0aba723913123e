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

extension LSN {
    /// The first position of WAL segment file `name` (`TTTTTTTTXXXXXXXXYYYYYYYY`: timeline, then
    /// the segment number split in two), for segments of `segmentSize` bytes.
    public init?(walFileName name: String, segmentSize: UInt64) {
        let digits = Array(name.utf8)
        guard digits.count == 24, segmentSize > 0, segmentSize <= 0x1_0000_0000,
            let high = UInt64(String(decoding: digits[8..<16], as: UTF8.self), radix: 16),
            let low = UInt64(String(decoding: digits[16..<24], as: UTF8.self), radix: 16)
        else { return nil }
        let segmentsPerLog = 0x1_0000_0000 / segmentSize
        let (segment, overflow) = (high * segmentsPerLog).addingReportingOverflow(low)
        guard !overflow else { return nil }
        let (start, tooFar) = segment.multipliedReportingOverflow(by: segmentSize)
        guard !tooFar else { return nil }
        self.init(start)
    }
}
