/// A failure of the real-PostgreSQL test fixture, with what it was doing and what the tool said.
public struct FixtureError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { "PostgreSQL test fixture: \(message)" }
}
