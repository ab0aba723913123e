/// The server configuration files the ConfigMap carries.
public enum PostgresConfigFiles {
    /// Settings Ordinal needs for streaming replication and routing; the user's parameters follow.
    public static let baseParameters: [(String, String)] = [
        ("listen_addresses", "*"),
        ("unix_socket_directories", "/var/run/postgresql"),
        ("password_encryption", "scram-sha-256"),
        ("wal_level", "replica"),
        ("hot_standby", "on"),
        ("max_wal_senders", "20"),
        ("max_replication_slots", "20"),
        ("wal_keep_size", "512MB"),
        ("wal_log_hints", "on"),
        ("logging_collector", "off"),
    ]

    /// TLS with the server certificate Secret mounted at ``PodLayout/tlsDirectory`` (a reload
    /// reads the files again, so a renewed certificate needs no restart).
    public static let tlsParameters: [(String, String)] = [
        ("ssl", "on"),
        ("ssl_cert_file", "\(PodLayout.tlsDirectory)/tls.crt"),
        ("ssl_key_file", "\(PodLayout.tlsDirectory)/tls.key"),
        ("ssl_min_protocol_version", "TLSv1.2"),
    ]

    /// The file, beside `postgresql.conf`, holding the parameters a reload applies.
    public static let reloadFileName = "reload.conf"

    /// `postgresql.conf`: Ordinal's settings, then the user's in name order (a user value of a
    /// setting Ordinal also sets, such as `wal_level`, replaces Ordinal's), then an include of
    /// ``reloadFileName``, read again at every reload.
    /// `archive`: the settings that archive through pgBackRest (``PgBackRestConfig/archiveParameters(_:layout:)``),
    /// with `spec.backup`.
    public static func postgresqlConf(parameters: [String: String], tls: Bool = false, archive: [(String, String)] = []) -> String {
        var lines = ["# Managed by Ordinal: edit spec.postgresql.parameters instead."]
        for (name, value) in baseParameters + (tls ? tlsParameters : []) + archive where parameters[name] == nil {
            lines.append("\(name) = \(quoted(value))")
        }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name) = \(quoted(value))")
        }
        lines.append("include_if_exists '\(reloadFileName)'")
        return lines.joined(separator: "\n") + "\n"
    }

    /// ``reloadFileName``: the user's parameters a reload applies, in name order.
    public static func reloadConf(parameters: [String: String]) -> String {
        var lines = ["# Managed by Ordinal: settings a reload applies (no restart, no walk)."]
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            lines.append("\(name) = \(quoted(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `pg_hba.conf`: peer on the local socket, scram-sha-256 over the network, and replication
    /// for the replication role only; with `tls`, network logins only over TLS (`hostssl`: a
    /// login without it matches no line and is refused).
    public static func hbaConf(replicationUser: String = ClusterDefaults.replicationUserName, tls: Bool = false) -> String {
        let host = tls ? "hostssl" : "host   "
        return """
            # Managed by Ordinal.
            # TYPE  DATABASE     USER   ADDRESS     METHOD
            local   all          all                peer
            \(host) replication  \(replicationUser)  0.0.0.0/0   scram-sha-256
            \(host) replication  \(replicationUser)  ::/0        scram-sha-256
            \(host) all          all    0.0.0.0/0   scram-sha-256
            \(host) all          all    ::/0        scram-sha-256

            """
    }

    /// A value in single quotes, with quotes and backslashes escaped as postgresql.conf expects.
    static func quoted(_ value: String) -> String {
        let escaped = value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "''")
        return "'\(escaped)'"
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
