/// Exponential backoff with jitter, for retry loops (watch re-connects, lease retries).
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Each delay is spread randomly by up to this fraction either way.
    public var jitter: Double

    public init(
        initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30), multiplier: Double = 2, jitter: Double = 0.3
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int) -> Duration {
        let base = initial * pow2(multiplier, attempt)
        let capped = min(base, maximum)
        let spread = Double.random(in: (1 - jitter)...(1 + jitter))
        return capped * spread
    }

    private func pow2(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(max(exponent, 0), 40) { result *= base }
        return result
    }
}
