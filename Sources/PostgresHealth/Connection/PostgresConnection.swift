import CLibpq
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection to one PostgreSQL instance.
///
/// Connecting uses `PQconnectStartParams`/`PQconnectPoll` and queries use libpq's
/// non-blocking mode; every wait for the socket goes through one shared poll thread
/// (``SocketWaiter``), and host names are resolved on a thread of their own
/// (``HostResolver``) before libpq sees them, so no Swift cooperative thread ever
/// blocks on the network or on DNS.
///
/// A connection runs one query at a time: a second concurrent ``query(_:_:timeout:)``
/// fails with ``PostgresError/Code/invalidArgument`` instead of corrupting libpq's state.
/// ``ConnectionPool`` hands each connection to one task at a time.
public final class PostgresConnection: @unchecked Sendable {
    // `conn` is used by one task at a time: the one that set `state.inUse` (a query), or
    // code holding the `state` lock while `inUse` is false. A `close()` during a query is
    // deferred to the query's end. That makes the unchecked Sendable conformance sound.

    /// The settings this connection was opened with.
    public let settings: ConnectionSettings
    private var conn: OpaquePointer?
    private let state = Mutex(State())
    private let broken = Atomic<Bool>(false)
    private let logger: Logger

    private init(settings: ConnectionSettings, conn: OpaquePointer, logger: Logger) {
        self.settings = settings
        self.conn = conn
        self.logger = logger
    }

    private struct State {
        var inUse = false
        var closeRequested = false
    }

    deinit {
        if let conn { PQfinish(conn) }
    }

    /// Opens a connection, failing with ``PostgresError/Code/connectTimeout`` when it is not
    /// established by the earlier of `deadline` and the settings' connect timeout.
    public static func connect(
        _ settings: ConnectionSettings, deadline: ContinuousClock.Instant? = nil,
        logger: Logger = Logger(label: "ordinal.postgres")
    ) async throws(PostgresError) -> PostgresConnection {
        let own = ContinuousClock.now + settings.connectTimeout
        let deadline = deadline.map { min($0, own) } ?? own
        logger.debug("connecting", metadata: ["instance": "\(settings.host):\(settings.port)", "user": "\(settings.user)"])

        var addresses: [String] = settings.hostAddress.map { [$0] } ?? []
        if addresses.isEmpty, !HostResolver.isLiteral(settings.host) {
            switch await HostResolver.resolve(settings.host, deadline: deadline) {
            case .addresses(let resolved):
                addresses = resolved
            case .failed(let reason):
                throw PostgresError(
                    code: .connectionFailed, host: settings.host, port: settings.port, operation: "connect",
                    serverMessage: "could not resolve host name \"\(settings.host)\": \(reason)")
            case .timedOut:
                throw PostgresError(
                    code: .connectTimeout, host: settings.host, port: settings.port, operation: "connect",
                    serverMessage: "resolving the host name took longer than \(settings.connectTimeout)")
            }
        }
        guard let conn = startConnect(settings, addresses: addresses) else {
            throw PostgresError(
                code: .connectionFailed, host: settings.host, port: settings.port, operation: "connect",
                serverMessage: "libpq could not allocate a connection")
        }
        if PQstatus(conn) == CONNECTION_BAD {
            let message = errorMessage(conn)
            PQfinish(conn)
            throw connectError(settings, message)
        }
        var status = PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK {
            if status == PGRES_POLLING_FAILED {
                let message = errorMessage(conn)
                PQfinish(conn)
                throw connectError(settings, message)
            }
            let fd = PQsocket(conn)
            if fd < 0 {
                let message = errorMessage(conn)
                PQfinish(conn)
                throw connectError(settings, message.isEmpty ? "no socket" : message)
            }
            let interest: SocketWaiter.Interest = status == PGRES_POLLING_READING ? .read : .write
            if await SocketWaiter.shared.wait(fd: fd, for: interest, until: deadline) == .timedOut {
                PQfinish(conn)
                throw PostgresError(
                    code: .connectTimeout, host: settings.host, port: settings.port, operation: "connect",
                    serverMessage: "no connection within \(settings.connectTimeout)")
            }
            status = PQconnectPoll(conn)
        }
        if PQsetnonblocking(conn, 1) != 0 {
            let message = errorMessage(conn)
            PQfinish(conn)
            throw connectError(settings, message)
        }
        return PostgresConnection(settings: settings, conn: conn, logger: logger)
    }

    /// False once the connection is known to be dead (a failed query, a timeout, a lost server)
    /// or closed; a pool then opens a new one.
    public var isUsable: Bool {
        if broken.load(ordering: .acquiring) { return false }
        return state.withLock { state in
            guard !state.inUse, let conn else { return false }
            return PQstatus(conn) == CONNECTION_OK
        }
    }

    /// The server's `server_version_num` as libpq learnt it at connect time.
    public var serverVersionNumber: Int {
        state.withLock { state in
            guard !state.inUse, let conn else { return 0 }
            return Int(PQserverVersion(conn))
        }
    }

    /// Runs one SQL statement with text parameters (`$1`, `$2`, ...) and returns its rows.
    ///
    /// When the result is not complete within `timeout`, the server is asked to cancel the
    /// statement, the connection is closed, and ``PostgresError/Code/queryTimeout`` is thrown.
    /// A server error carries its SQLSTATE and message; the connection stays usable.
    public func query(
        _ sql: String, _ parameters: [String?] = [], timeout: Duration = .seconds(10)
    ) async throws(PostgresError) -> QueryResult {
        let deadline = ContinuousClock.now + timeout
        let acquired = state.withLock { state in
            if state.inUse { return false }
            state.inUse = true
            return true
        }
        guard acquired else {
            throw error(.invalidArgument, "query", "the connection is already running a query")
        }
        defer { release() }
        guard let conn, !broken.load(ordering: .acquiring), PQstatus(conn) == CONNECTION_OK else {
            markBroken()
            throw error(.connectionLost, "query", "the connection is closed or broken")
        }

        let sent = Self.withCStrings(parameters) { values in
            PQsendQueryParams(conn, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else {
            markBroken()
            throw error(.connectionLost, "query", Self.errorMessage(conn))
        }
        try await flush(conn, deadline: deadline, timeout: timeout)

        var result: QueryResult?
        var serverError: PostgresError?
        while true {
            guard PQconsumeInput(conn) == 1 else {
                markBroken()
                throw error(.connectionLost, "query", Self.errorMessage(conn))
            }
            if PQisBusy(conn) == 1 {
                if await SocketWaiter.shared.wait(fd: PQsocket(conn), for: .read, until: deadline) == .timedOut {
                    cancelAndClose(conn)
                    throw error(.queryTimeout, "query", "no result within \(timeout); the statement was cancelled")
                }
                continue
            }
            guard let res = PQgetResult(conn) else { break }
            defer { PQclear(res) }
            let status = PQresultStatus(res)
            if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY {
                result = Self.read(res)
            } else if serverError == nil {
                serverError = Self.serverError(res, conn: conn, settings: settings)
            }
        }
        if PQstatus(conn) != CONNECTION_OK {
            markBroken()
            throw serverError ?? error(.connectionLost, "query", Self.errorMessage(conn))
        }
        if let serverError { throw serverError }
        return result ?? QueryResult(columns: [], rows: [], commandTag: "")
    }

    /// Quotes `text` as an SQL string literal with libpq's `PQescapeLiteral`, for the few
    /// statements that take no parameters (`ALTER SYSTEM`).
    public func escapeLiteral(_ text: String) throws(PostgresError) -> String {
        try libpqString(of: [text], "escape", nulMessage: "a value contains a NUL byte", failure: "libpq could not quote the value") {
            PQescapeLiteral($0, text, text.utf8.count)
        }
    }

    /// Quotes `text` as an SQL identifier with libpq's `PQescapeIdentifier` (role and database
    /// names in `CREATE ROLE` and `CREATE DATABASE`, which take no parameters).
    public func escapeIdentifier(_ text: String) throws(PostgresError) -> String {
        try libpqString(of: [text], "escape", nulMessage: "a name contains a NUL byte", failure: "libpq could not quote the name") {
            PQescapeIdentifier($0, text, text.utf8.count)
        }
    }

    /// The SCRAM-SHA-256 verifier of `password` for `user`, computed here by libpq
    /// (`PQencryptPasswordConn`), so the clear-text password never reaches the server or its log.
    public func scramVerifier(password: PostgresPassword, user: String) throws(PostgresError) -> String {
        try libpqString(
            of: [password.value, user], "encrypt password", nulMessage: "a value contains a NUL byte",
            failure: "libpq could not compute the SCRAM verifier"
        ) { PQencryptPasswordConn($0, password.value, user, "scram-sha-256") }
    }

    /// A string libpq makes on this connection (and that must be freed with `PQfreemem`), while
    /// no query uses it; `inputs` may hold no NUL byte (C strings would cut them short).
    private func libpqString(
        of inputs: [String], _ operation: String, nulMessage: String, failure: String,
        _ make: (OpaquePointer) -> UnsafeMutablePointer<CChar>?
    ) throws(PostgresError) -> String {
        if inputs.contains(where: { $0.utf8.contains(0) }) {
            throw error(.invalidArgument, operation, nulMessage)
        }
        let made: String? = state.withLock { state in
            guard !state.inUse, let conn, let pointer = make(conn) else { return nil }
            defer { PQfreemem(pointer) }
            return String(cString: pointer)
        }
        guard let made else { throw error(.invalidArgument, operation, failure) }
        return made
    }

    /// Closes the connection; later queries fail with ``PostgresError/Code/connectionLost``.
    /// Closing during a query (from another task) takes effect when that query ends.
    public func close() {
        markBroken()
        state.withLock { state in
            if state.inUse {
                state.closeRequested = true
            } else if let conn {
                PQfinish(conn)
                self.conn = nil
            }
        }
    }

    private func release() {
        state.withLock { state in
            state.inUse = false
            if state.closeRequested, let conn {
                PQfinish(conn)
                self.conn = nil
            }
        }
    }

    // MARK: - Internals

    private func markBroken() {
        broken.store(true, ordering: .releasing)
    }

    private func error(_ code: PostgresError.Code, _ operation: String, _ message: String) -> PostgresError {
        PostgresError(code: code, host: settings.host, port: settings.port, operation: operation, serverMessage: message)
    }

    private func flush(_ conn: OpaquePointer, deadline: ContinuousClock.Instant, timeout: Duration) async throws(PostgresError) {
        while true {
            let pending = PQflush(conn)
            if pending == 0 { return }
            if pending < 0 {
                markBroken()
                throw error(.connectionLost, "query", Self.errorMessage(conn))
            }
            if await SocketWaiter.shared.wait(fd: PQsocket(conn), for: .write, until: deadline) == .timedOut {
                cancelAndClose(conn)
                throw error(.queryTimeout, "query", "could not send the statement within \(timeout)")
            }
        }
    }

    /// Asks the server to cancel the running statement (on a thread of its own, since
    /// `PQcancel` blocks) and closes this connection. Called by the query that owns `conn`.
    private func cancelAndClose(_ conn: OpaquePointer) {
        markBroken()
        if let cancel = PQgetCancel(conn) {
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                let cancel = OpaquePointer(context)
                var buffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(cancel, &buffer, Int32(buffer.count))
                PQfreeCancel(cancel)
                return nil
            }, UnsafeMutableRawPointer(cancel))
            if started == 0 {
                pthread_detach(thread)
            } else {
                PQfreeCancel(cancel)
            }
        }
        PQfinish(conn)
        self.conn = nil
        logger.debug("closed a connection after a timeout", metadata: ["instance": "\(settings.host):\(settings.port)"])
    }

    private static func startConnect(_ settings: ConnectionSettings, addresses: [String]) -> OpaquePointer? {
        let parameters = settings.libpqParameters(addresses: addresses)
        return withCStrings(parameters.map(\.0)) { keys in
            withCStrings(parameters.map(\.1)) { values in
                PQconnectStartParams(keys + [nil], values + [nil], 0)
            }
        }
    }

    /// Calls `body` with C copies of `strings` (nil stays NULL); the copies are zeroed
    /// (they may hold a password) and freed afterwards.
    private static func withCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
        defer {
            for copy in copies {
                if let copy {
                    memset(copy, 0, strlen(copy))
                    free(copy)
                }
            }
        }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }

    private static func errorMessage(_ conn: OpaquePointer) -> String {
        guard let message = PQerrorMessage(conn) else { return "" }
        return String(cString: message).trimmingWhitespace()
    }

    private static func connectError(_ settings: ConnectionSettings, _ message: String) -> PostgresError {
        let authenticationMarkers = [
            "password authentication failed", "no pg_hba.conf entry", "no password supplied",
            "authentication failed", "does not exist",
        ]
        let isAuthentication = authenticationMarkers.contains { message.contains($0) }
        return PostgresError(
            code: isAuthentication ? .authenticationFailed : .connectionFailed,
            host: settings.host, port: settings.port, operation: "connect", serverMessage: message)
    }

    private static func serverError(_ res: OpaquePointer, conn: OpaquePointer, settings: ConnectionSettings) -> PostgresError {
        let sqlState = PQresultErrorField(res, ordinal_pg_diag_sqlstate).map { String(cString: $0) }
        let primary = PQresultErrorField(res, ordinal_pg_diag_message_primary).map { String(cString: $0) }
        let message = primary ?? PQresultErrorMessage(res).map { String(cString: $0) } ?? errorMessage(conn)
        return PostgresError(
            code: .serverError, host: settings.host, port: settings.port, operation: "query",
            sqlState: sqlState, serverMessage: message.trimmingWhitespace())
    }

    private static func read(_ res: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(res))
        let rowCount = Int(PQntuples(res))
        let columns = (0..<columnCount).map { column in
            PQfname(res, Int32(column)).map { String(cString: $0) } ?? "?column?"
        }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let values: [String?] = (0..<columnCount).map { column in
                if PQgetisnull(res, Int32(row), Int32(column)) == 1 { return nil }
                return PQgetvalue(res, Int32(row), Int32(column)).map { String(cString: $0) } ?? ""
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let tag = PQcmdStatus(res).map { String(cString: $0) } ?? ""
        return QueryResult(columns: columns, rows: rows, commandTag: tag)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
