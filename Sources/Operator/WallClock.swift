#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wall-clock time, as seconds since the epoch (for status timestamps and step timers).
public struct WallClock: Sendable {
    private let read: @Sendable () -> Double

    public init(read: @escaping @Sendable () -> Double) { self.read = read }

    /// The system clock.
    public static let system = WallClock { Date().timeIntervalSince1970 }

    public func now() -> Double { read() }
}
