/// Everything needed to open a libpq connection to one instance.
///
/// Hashable so a ``ConnectionPool`` can key its cache by it. Its `description` never shows
/// the password; no conninfo string is ever built from it (libpq receives keyword/value
/// arrays), so no string holding a password exists to be logged.
public struct ConnectionSettings: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// The user to log in as.
    public var user: String
    /// The password, or nil to rely on ``passfile`` (or on no password at all).
    public var password: PostgresPassword?
    /// A libpq passfile (`host:port:db:user:password` lines), used when ``password`` is nil.
    public var passfile: String?
    /// The database to connect to.
    public var database: String
    /// libpq `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`).
    public var sslMode: String
    /// `application_name` shown in `pg_stat_activity`.
    public var applicationName: String
    /// How long establishing a connection may take.
    public var connectTimeout: Duration
    /// libpq `sslrootcert`: the file of the authorities a `verify-ca`/`verify-full` connection
    /// trusts; `nil` for libpq's default (`~/.postgresql/root.crt`).
    public var sslRootCertificate: String?
    /// The address to connect to instead of resolving ``host`` (which `verify-full` still
    /// checks against the server's certificate); `nil` to resolve it.
    public var hostAddress: String?

    /// Creates settings; defaults suit the operator's probes.
    public init(
        host: String, port: Int = 5432, user: String, password: PostgresPassword? = nil,
        passfile: String? = nil, database: String = "postgres", sslMode: String = "prefer",
        applicationName: String = "ordinal", connectTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.passfile = passfile
        self.database = database
        self.sslMode = sslMode
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }

    /// The same settings for another host and port.
    public func with(host: String, port: Int) -> ConnectionSettings {
        var copy = self
        copy.host = host
        copy.port = port
        return copy
    }

    /// libpq keyword/value pairs; the only place the password leaves this type.
    /// With `addresses` (the host already resolved), libpq tries each in turn without a lookup.
    func libpqParameters(addresses: [String] = []) -> [(String, String)] {
        var pairs: [(String, String)] = [("port", String(port)), ("user", user), ("dbname", database)]
        if addresses.isEmpty {
            pairs.append(("host", host))
        } else {
            pairs.append(("host", Array(repeating: host, count: addresses.count).joined(separator: ",")))
            pairs.append(("hostaddr", addresses.joined(separator: ",")))
        }
        pairs += [
            ("sslmode", sslMode), ("application_name", applicationName),
            ("connect_timeout", String(max(2, Int(connectTimeout.components.seconds) + 1))),
            // Probes must not hang on a dead peer: let the kernel notice quickly.
            ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
            ("keepalives_count", "3"),
        ]
        if let sslRootCertificate { pairs.append(("sslrootcert", sslRootCertificate)) }
        if let password { pairs.append(("password", password.value)) }
        if let passfile { pairs.append(("passfile", passfile)) }
        return pairs
    }

    public var description: String {
        let secret = password == nil ? (passfile == nil ? "none" : "passfile") : "password"
        return "postgresql://\(user)@\(host):\(port)/\(database) (sslmode=\(sslMode), auth=\(secret))"
    }
}

/// A password that never prints itself.
public struct PostgresPassword: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The password itself; pass it only to libpq.
    public let value: String

    /// Wraps a password.
    public init(_ value: String) { self.value = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
