/// The SQL of a change of primary: promote a standby, and fence (or unfence) the writes of a
/// primary that is handing over. Each is idempotent; none decides whether it should run.
public struct PrimaryActions: Sendable {
    /// The pool connections come from.
    public let pool: ConnectionPool

    /// Creates the actions over a pool.
    public init(pool: ConnectionPool) {
        self.pool = pool
    }

    /// Promotes a standby (`pg_promote`, waiting up to `timeout` for it to accept writes).
    /// A server that already accepts writes is left as it is.
    ///
    /// - Returns: true when this call promoted it.
    @discardableResult
    public func promote(_ instance: ConnectionSettings, timeout: Duration = .seconds(60)) async throws(PostgresError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        return try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            let inRecovery = try await connection.query("SELECT pg_is_in_recovery() AS r", timeout: InstanceProber.remaining(deadline))
                .singleRow(for: "promote", host: instance.host, port: instance.port).require(Bool.self, "r")
            guard inRecovery else { return false }
            let seconds = max(1, Int(timeout.components.seconds) - 1)
            let done = try await connection.query(
                "SELECT pg_promote(true, \(seconds)) AS done", timeout: InstanceProber.remaining(deadline)
            ).singleRow(for: "promote", host: instance.host, port: instance.port).require(Bool.self, "done")
            guard done else {
                throw PostgresError(
                    code: .queryTimeout, host: instance.host, port: instance.port, operation: "promote",
                    serverMessage: "the standby did not finish its promotion within \(seconds) s")
            }
            return true
        }
    }

    /// Stops new writes on a primary that hands over: new transactions are read-only by
    /// default (`ALTER SYSTEM`, so a restart keeps the fence), and every client session is
    /// ended (its open transaction rolls back: nothing it had not committed was acknowledged).
    /// Replication connections and the operator's own sessions (`application_name` `ordinal`) stay.
    ///
    /// - Returns: the sessions ended.
    @discardableResult
    public func fenceWrites(_ instance: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) -> Int {
        let deadline = ContinuousClock.now + timeout
        return try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            for statement in ["ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"] {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            }
            let ended = try await connection.query(
                """
                SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity
                 WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> 'ordinal'
                """, timeout: InstanceProber.remaining(deadline)
            ).singleRow(for: "fence writes", host: instance.host, port: instance.port).require(Int.self, "ended")
            return ended
        }
    }

    /// Lifts a fence: new transactions may write again (a switchover called off, or a fence
    /// left on the primary Ordinal holds).
    public func unfenceWrites(_ instance: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        _ = try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            for statement in ["ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"] {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            }
            return true
        }
    }
}
