import ClusterModel

/// The roles and the database a cluster's primary must hold, made when missing.
///
/// The pod's first-start script makes them once; when that start was cut short (after
/// `initdb`, before the script ran to its end) replicas could never authenticate and the
/// application had no database. The operator checks on every round and makes what is missing,
/// and only that: an existing role's password and attributes are never changed here.
public struct ClusterRoles: Sendable, Hashable {
    public var replicationUser: String
    public var replicationPassword: PostgresPassword
    public var appOwner: String
    public var appPassword: PostgresPassword
    public var database: String
    /// The monitoring role's password (its Secret's), when known: the role and its access
    /// (``MonitoringAccess``) are set up when missing or from an older setup.
    public var monitorPassword: PostgresPassword?

    /// Creates the expectation.
    public init(replicationUser: String, replicationPassword: PostgresPassword, appOwner: String, appPassword: PostgresPassword,
                database: String, monitorPassword: PostgresPassword? = nil) {
        self.monitorPassword = monitorPassword
        self.replicationUser = replicationUser
        self.replicationPassword = replicationPassword
        self.appOwner = appOwner
        self.appPassword = appPassword
        self.database = database
    }
}

/// What ``RoleActions/ensure(_:on:timeout:)`` made.
public struct RoleChanges: Sendable, Hashable {
    /// Roles created, by name.
    public var createdRoles: [String] = []
    /// The database, when it was created.
    public var createdDatabase: String?
    /// True when the monitoring role's access was set up (made, or brought to this version).
    public var monitorSetUp = false

    /// True when nothing was missing.
    public var isEmpty: Bool { createdRoles.isEmpty && createdDatabase == nil && !monitorSetUp }
}

/// Makes the cluster's roles and database on its primary when they are missing.
public struct RoleActions: Sendable {
    public let pool: ConnectionPool

    /// Creates the actions over a pool.
    public init(pool: ConnectionPool) {
        self.pool = pool
    }

    static let existingQuery = """
        SELECT (SELECT array_to_string(array_agg(rolname ORDER BY rolname), ',') FROM pg_catalog.pg_roles
                 WHERE rolname = $1 OR rolname = $2) AS roles,
               EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = $3) AS has_database,
               pg_is_in_recovery() AS in_recovery,
        \(MonitoringAccess.readinessColumns)
        """

    /// One read when everything is in place; a `CREATE` for each missing piece otherwise. The
    /// passwords go as SCRAM verifiers computed by libpq, never as clear text.
    @discardableResult
    public func ensure(_ roles: ClusterRoles, on primary: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) -> RoleChanges {
        let deadline = ContinuousClock.now + timeout
        return try await pool.withConnection(primary, deadline: deadline) { connection throws(PostgresError) in
            let row = try await connection.query(
                Self.existingQuery, [roles.replicationUser, roles.appOwner, roles.database, ClusterDefaults.monitorUserName], timeout: InstanceProber.remaining(deadline))
                .singleRow(for: "check roles", host: primary.host, port: primary.port)
            if try row.require(Bool.self, "in_recovery") {
                throw PostgresError(
                    code: .notPrimary, host: primary.host, port: primary.port, operation: "ensure roles",
                    serverMessage: "the instance is in recovery; roles are made on the primary only")
            }
            let existing = Set((try row.decode(String.self, "roles") ?? "").split(separator: ",").map(String.init))
            var changes = RoleChanges()
            let hasDatabase = try row.require(Bool.self, "has_database")
            let monitorExists = try row.require(Bool.self, "monitor_exists")
            let monitorReady = try row.require(Bool.self, "monitor_ready")
            let setUpMonitor = roles.monitorPassword != nil && !monitorReady
            if !existing.contains(roles.replicationUser) || !existing.contains(roles.appOwner) || !hasDatabase || setUpMonitor {
                // A repair must not wait for standbys a synchronous primary may not have yet.
                _ = try await connection.query("SET synchronous_commit = 'local'", timeout: InstanceProber.remaining(deadline))
            }
            let wanted: [(String, PostgresPassword, String)] = [
                (roles.replicationUser, roles.replicationPassword, "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE"),
                (roles.appOwner, roles.appPassword, "LOGIN NOREPLICATION NOSUPERUSER"),
            ]
            for (name, password, attributes) in wanted where !existing.contains(name) {
                let verifier = try connection.scramVerifier(password: password, user: name)
                let statement = "CREATE ROLE \(try connection.escapeIdentifier(name)) WITH \(attributes) PASSWORD \(try connection.escapeLiteral(verifier))"
                do throws(PostgresError) {
                    _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
                    changes.createdRoles.append(name)
                } catch where error.sqlState == "42710" {
                    // Made meanwhile (by the pod's first-start script): fine.
                }
            }
            if !hasDatabase {
                let statement = "CREATE DATABASE \(try connection.escapeIdentifier(roles.database)) OWNER \(try connection.escapeIdentifier(roles.appOwner))"
                do throws(PostgresError) {
                    _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
                    changes.createdDatabase = roles.database
                } catch where error.sqlState == "42P04" {
                    // Made meanwhile: fine.
                }
            }
            if setUpMonitor, let password = roles.monitorPassword {
                let role = try connection.escapeIdentifier(ClusterDefaults.monitorUserName)
                let verifier = try connection.escapeLiteral(try connection.scramVerifier(password: password, user: ClusterDefaults.monitorUserName))
                for statement in MonitoringAccess.setup(role: role, verifier: verifier, roleExists: monitorExists) {
                    _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
                }
                changes.monitorSetUp = true
            }
            return changes
        }
    }
}
