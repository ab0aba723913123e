/// What the operator does so PostgreSQL follows the cluster's Secrets: a role's password set on
/// the primary, a standby's replication passfile written again.
///
/// Neither sends a clear-text password in a statement: `ALTER ROLE` gets a SCRAM verifier
/// computed by libpq, and the passfile's line travels as a bind parameter on a session that
/// logs no statement, so it reaches no server log.
public struct PasswordActions: Sendable {
    public let pool: ConnectionPool

    /// Creates the actions over a pool.
    public init(pool: ConnectionPool) {
        self.pool = pool
    }

    /// Sets `user`'s password on the primary behind `primary` (`ALTER ROLE ... PASSWORD`
    /// with the SCRAM-SHA-256 verifier of `password`).
    /// - Throws: ``PostgresError/Code/notPrimary`` when the instance is in recovery.
    public func setPassword(
        user: String, password: PostgresPassword, on primary: ConnectionSettings, timeout: Duration = .seconds(10)
    ) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        try await pool.withConnection(primary, deadline: deadline) { connection throws(PostgresError) in
            let row = try await connection.query("SELECT pg_is_in_recovery() AS in_recovery", timeout: InstanceProber.remaining(deadline))
                .singleRow(for: "set password", host: primary.host, port: primary.port)
            if try row.require(Bool.self, "in_recovery") {
                throw PostgresError(
                    code: .notPrimary, host: primary.host, port: primary.port, operation: "set password",
                    serverMessage: "the instance is in recovery; passwords are set on the primary only")
            }
            let verifier = try connection.scramVerifier(password: password, user: user)
            let statement = "ALTER ROLE \(try connection.escapeIdentifier(user)) PASSWORD \(try connection.escapeLiteral(verifier))"
            // Not waiting for a synchronous standby (there may be none streaming): a standby
            // promoted before it replayed this has the password set again (status records the
            // primary it was set on), so nothing is lost by committing locally.
            _ = try await connection.query("SET synchronous_commit = 'local'", timeout: InstanceProber.remaining(deadline))
            do throws(PostgresError) {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            } catch {
                _ = try? await connection.query("RESET synchronous_commit", timeout: .seconds(2))
                throw error
            }
            _ = try await connection.query("RESET synchronous_commit", timeout: InstanceProber.remaining(deadline))
        }
    }

    /// Writes the replication passfile at `path` on the standby behind `standby`
    /// (``Passfile/content(user:password:)``, mode 0600 by the server's umask). Needs the
    /// superuser (`COPY ... TO` a file); a standby allows it, being read-only for data only.
    public func writePassfile(
        _ path: String, user: String, password: PostgresPassword, on standby: ConnectionSettings, timeout: Duration = .seconds(10)
    ) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        let line = String(Passfile.content(user: user, password: password).dropLast())  // COPY ends the row with the newline
        try await pool.withConnection(standby, deadline: deadline) { connection throws(PostgresError) in
            let target = try connection.escapeLiteral(path)
            for statement in ["SET log_statement = 'none'", "SET log_min_duration_statement = -1", "SET log_parameter_max_length = 0"] {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            }
            do throws(PostgresError) {
                _ = try await connection.query(
                    "SELECT set_config('ordinal.passfile_line', $1, false)", [line], timeout: InstanceProber.remaining(deadline))
                // CSV with a delimiter and a quote that never occur in a passfile line writes the line as it is.
                _ = try await connection.query(
                    "COPY (SELECT current_setting('ordinal.passfile_line')) TO \(target) WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')",
                    timeout: InstanceProber.remaining(deadline))
            } catch {
                // The line must not stay in the session of a pooled connection.
                _ = try? await connection.query("RESET ordinal.passfile_line", timeout: .seconds(2))
                throw error
            }
            _ = try await connection.query("RESET ordinal.passfile_line", timeout: InstanceProber.remaining(deadline))
            for statement in ["RESET log_statement", "RESET log_min_duration_statement", "RESET log_parameter_max_length"] {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            }
        }
    }
}
