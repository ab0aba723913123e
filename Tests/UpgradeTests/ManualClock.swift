import Operator
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The system clock plus an offset a test moves forward (to pass a step timeout without waiting).
final class ManualClock: Sendable {
    private let offset = Mutex<Double>(0)

    /// Moves the clock forward by `seconds`.
    func advance(by seconds: Double) {
        offset.withLock { $0 += seconds }
    }

    /// The operator's view of this clock.
    var wallClock: WallClock {
        WallClock { [self] in Date().timeIntervalSince1970 + offset.withLock { $0 } }
    }
}
