import Logging

/// A cache of open connections keyed by ``ConnectionSettings``, so probing the same
/// instances every few seconds reuses connections instead of paying for a TCP connect,
/// SCRAM authentication and a backend start each time.
///
/// ``withConnection(_:deadline:_:)`` lends a connection to one task at a time. A cached
/// connection found dead is replaced before use, and a reused connection that breaks in
/// the middle of the work is replaced and the work run once more on the new one (the work
/// must therefore be safe to repeat, as probes and the replication actions are).
public actor ConnectionPool {
    /// Counters for tests and benchmarks.
    public struct Statistics: Sendable, Hashable {
        /// Connections opened since the pool was created.
        public var opened = 0
        /// Times a cached connection was lent out again.
        public var reused = 0
        /// Cached connections found dead and discarded.
        public var discarded = 0
    }

    private var idle: [ConnectionSettings: [PostgresConnection]] = [:]
    private let maximumIdlePerInstance: Int
    private let reuse: Bool
    private let logger: Logger
    /// Counters since the pool was created.
    public private(set) var statistics = Statistics()

    /// Creates a pool.
    /// - Parameters:
    ///   - maximumIdlePerInstance: connections kept open per settings value when returned.
    ///   - reuse: false closes every connection after use (what the benchmark compares against).
    public init(maximumIdlePerInstance: Int = 2, reuse: Bool = true, logger: Logger = Logger(label: "ordinal.postgres.pool")) {
        self.maximumIdlePerInstance = maximumIdlePerInstance
        self.reuse = reuse
        self.logger = logger
    }

    /// Runs `body` with a connection to the instance `settings` names, opened by `deadline`.
    ///
    /// Errors from connecting and from `body` are rethrown as they are.
    public nonisolated func withConnection<T: Sendable>(
        _ settings: ConnectionSettings, deadline: ContinuousClock.Instant? = nil,
        _ body: (PostgresConnection) async throws(PostgresError) -> T
    ) async throws(PostgresError) -> T {
        let (connection, wasCached) = try await checkOut(settings, deadline: deadline)
        do {
            let value = try await body(connection)
            await checkIn(connection)
            return value
        } catch {
            guard wasCached, error.isConnectionLevel, error.code != .queryTimeout else {
                await checkIn(connection)
                throw error
            }
            // A cached connection broke under us (server restarted, idle link cut): once more, fresh.
            logger.debug("replacing a broken cached connection", metadata: ["instance": "\(settings.host):\(settings.port)"])
            connection.close()
            let fresh = try await open(settings, deadline: deadline)
            do {
                let value = try await body(fresh)
                await checkIn(fresh)
                return value
            } catch {
                await checkIn(fresh)
                throw error
            }
        }
    }

    /// Closes every cached connection.
    public func closeAll() {
        for connection in idle.values.joined() { connection.close() }
        idle.removeAll()
    }

    /// Closes the cached connections for one instance (for example after it was deleted).
    public func evict(_ settings: ConnectionSettings) {
        for connection in idle[settings] ?? [] { connection.close() }
        idle[settings] = nil
    }

    /// The number of connections cached right now, over all instances.
    public var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }

    private nonisolated func checkOut(
        _ settings: ConnectionSettings, deadline: ContinuousClock.Instant?
    ) async throws(PostgresError) -> (PostgresConnection, Bool) {
        if let cached = await takeIdle(settings) { return (cached, true) }
        return (try await open(settings, deadline: deadline), false)
    }

    private nonisolated func open(_ settings: ConnectionSettings, deadline: ContinuousClock.Instant?) async throws(PostgresError) -> PostgresConnection {
        let connection = try await PostgresConnection.connect(settings, deadline: deadline, logger: logger)
        await countOpened()
        return connection
    }

    private func countOpened() { statistics.opened += 1 }

    private func takeIdle(_ settings: ConnectionSettings) -> PostgresConnection? {
        while var list = idle[settings], let connection = list.popLast() {
            idle[settings] = list.isEmpty ? nil : list
            if connection.isUsable {
                statistics.reused += 1
                return connection
            }
            statistics.discarded += 1
            connection.close()
        }
        return nil
    }

    private func checkIn(_ connection: PostgresConnection) {
        guard reuse, connection.isUsable, (idle[connection.settings]?.count ?? 0) < maximumIdlePerInstance else {
            connection.close()
            return
        }
        idle[connection.settings, default: []].append(connection)
    }
}
