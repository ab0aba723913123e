import Synchronization

/// Draws passwords: 32 characters from `[A-Za-z0-9]` (about 190 bits), nothing a URI must escape.
///
/// The default source is the system's cryptographic generator (`getrandom` on Linux).
public struct PasswordGenerator: Sendable {
    public static let length = 32
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    private let draw: @Sendable () -> String

    /// Passwords from the system's cryptographic random source.
    public static let secure = PasswordGenerator {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator) ?? "x" })
    }

    /// A generator with a fixed sequence, for golden tests only.
    public static func deterministic(seed: UInt64) -> PasswordGenerator {
        let state = SeededState(seed: seed)
        return PasswordGenerator { state.next() }
    }

    public init(draw: @escaping @Sendable () -> String) { self.draw = draw }

    /// A new password.
    public func next() -> String { draw() }
}

/// A tiny deterministic sequence for tests (splitmix64).
private final class SeededState: Sendable {
    private let state: Mutex<UInt64>

    init(seed: UInt64) { state = Mutex(seed) }

    func next() -> String {
        state.withLock { state in
            String((0..<PasswordGenerator.length).map { _ in
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                z ^= z >> 31
                return PasswordGenerator.alphabet[Int(z % UInt64(PasswordGenerator.alphabet.count))]
            })
        }
    }
}
