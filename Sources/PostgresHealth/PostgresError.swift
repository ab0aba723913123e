/// An error from talking to one PostgreSQL instance.
///
/// It says what failed (``code``), where (``host``, ``port``, ``operation``) and what the
/// server or libpq said (``serverMessage``, ``sqlState``). It never holds a password or a
/// connection string: ``ConnectionSettings`` keeps the password out of everything it prints.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a `default`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case connectionFailed, authenticationFailed, connectTimeout, queryTimeout
            case connectionLost, serverError, unexpectedResult, invalidArgument, notPrimary
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server could not be reached or refused the connection (not an authentication problem).
        public static let connectionFailed = Code(.connectionFailed)
        /// The server rejected the credentials (wrong password, unknown user, no pg_hba.conf entry).
        public static let authenticationFailed = Code(.authenticationFailed)
        /// The connection was not established before its deadline.
        public static let connectTimeout = Code(.connectTimeout)
        /// A query did not complete before its deadline; the connection was cancelled and closed.
        public static let queryTimeout = Code(.queryTimeout)
        /// An established connection broke (server restarted, network lost).
        public static let connectionLost = Code(.connectionLost)
        /// The server answered a query with an error; see ``PostgresError/sqlState``.
        public static let serverError = Code(.serverError)
        /// A result did not have the shape or type the caller expected.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// The caller passed a value that cannot be used (for example a NUL byte in a setting).
        public static let invalidArgument = Code(.invalidArgument)
        /// An action meant for a primary found an instance in recovery.
        public static let notPrimary = Code(.notPrimary)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// The host the connection was for.
    public var host: String
    /// The port the connection was for.
    public var port: Int
    /// What was being done: `connect`, `query`, or a short name of the action.
    public var operation: String
    /// The five-character SQLSTATE when the server sent one (for example `28P01`, `42710`).
    public var sqlState: String?
    /// The message from the server or libpq, trimmed; never contains a password.
    public var serverMessage: String

    /// Creates an error.
    public init(
        code: Code, host: String, port: Int, operation: String,
        sqlState: String? = nil, serverMessage: String
    ) {
        self.code = code
        self.host = host
        self.port = port
        self.operation = operation
        self.sqlState = sqlState
        self.serverMessage = serverMessage
    }

    /// True when the connection that produced this error can no longer be used.
    public var isConnectionLevel: Bool {
        code == .connectionFailed || code == .connectionLost || code == .connectTimeout
            || code == .queryTimeout || code == .authenticationFailed
    }

    public var description: String {
        var text = "PostgreSQL \(operation) on \(host):\(port) failed (\(code))"
        if let sqlState { text += " SQLSTATE \(sqlState)" }
        if !serverMessage.isEmpty { text += ": \(serverMessage)" }
        return text
    }
}
