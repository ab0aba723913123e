import ClusterModel

/// `ALTER SYSTEM` of the settings a standby must keep at least as high as its primary
/// (``StandbyLimits``): how a walk that lowers them restarts the primary first, and how
/// the primary's own step keeps them at the values its replicas run.
extension ReplicationActions {
    /// Writes `values` to `postgresql.auto.conf` (`ALTER SYSTEM SET`): they apply at the next
    /// start. Only names of ``StandbyLimits/names`` are accepted; values are integers.
    public func setLimits(_ values: [String: Int64], on instance: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) {
        let statements = try Self.limitStatements(values.keys.sorted(), on: instance, operation: "set settings") { name in
            "ALTER SYSTEM SET \(name) = \(values[name] ?? 0)"
        }
        try await run(statements, on: instance, timeout: timeout)
    }

    /// Removes `names` from `postgresql.auto.conf` (`ALTER SYSTEM RESET`) and reloads, so the
    /// instance's `postgresql.conf` says them again (at its next start for these settings).
    public func resetLimits(_ names: [String], on instance: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) {
        var statements = try Self.limitStatements(names.sorted(), on: instance, operation: "reset settings") { "ALTER SYSTEM RESET \($0)" }
        statements.append("SELECT pg_reload_conf()")
        try await run(statements, on: instance, timeout: timeout)
    }

    /// One statement per name; a name Ordinal does not manage this way is refused.
    private static func limitStatements(
        _ names: [String], on instance: ConnectionSettings, operation: String, _ statement: (String) -> String
    ) throws(PostgresError) -> [String] {
        var statements: [String] = []
        for name in names {
            guard StandbyLimits.names.contains(name) else {
                throw PostgresError(
                    code: .invalidArgument, host: instance.host, port: instance.port, operation: operation,
                    serverMessage: "\(name) is not one of \(StandbyLimits.names.joined(separator: ", "))")
            }
            statements.append(statement(name))
        }
        return statements
    }

    /// Runs `statements` one by one (`ALTER SYSTEM` cannot run in a transaction block).
    private func run(_ statements: [String], on instance: ConnectionSettings, timeout: Duration) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            for statement in statements {
                _ = try await connection.query(statement, timeout: max(.milliseconds(1), deadline - .now))
            }
        }
    }
}
