import KubeTypes

/// Builds the four password Secrets. Values are drawn once, by whoever creates the Secret; an existing
/// Secret is never rebuilt, and a Secret the user named is never built at all.
public enum SecretBuilder {
    /// The Secrets Ordinal must create for `cluster` (the ones the user did not name), with fresh passwords.
    ///
    /// They carry no owner reference when volumes are retained on deletion: data that outlives the
    /// cluster keeps the credentials that open it.
    ///
    /// `authorityPEM`: the cluster's CA, for the app Secret's `ca.crt` (while TLS is on).
    public static func build(_ cluster: ResolvedCluster, passwords: PasswordGenerator, authorityPEM: String? = nil) -> [Secret] {
        var secrets: [Secret] = []
        if cluster.userSecrets.superuser == nil {
            secrets.append(basicAuth(cluster, name: cluster.names.superuserSecret, data: [
                "username": ClusterDefaults.superuserName,
                "password": passwords.next(),
            ]))
        }
        if cluster.userSecrets.replication == nil {
            secrets.append(basicAuth(cluster, name: cluster.names.replicationSecret, data: [
                "username": ClusterDefaults.replicationUserName,
                "password": passwords.next(),
            ]))
        }
        if cluster.userSecrets.app == nil {
            secrets.append(basicAuth(
                cluster, name: cluster.names.appSecret, data: appData(cluster, password: passwords.next(), authorityPEM: authorityPEM)))
        }
        secrets.append(basicAuth(cluster, name: cluster.names.monitorSecret, data: [
            "username": ClusterDefaults.monitorUserName,
            "password": passwords.next(),
        ]))
        return secrets
    }

    /// Where the app Secret's `uri` and `jdbc-uri` expect its `ca.crt` while TLS is on: the
    /// Secret mounted at `/etc/ordinal/app` (docs/security.md).
    public static let appCertificateAuthorityPath = "/etc/ordinal/app/ca.crt"

    /// The keys of the application Secret: everything a client needs to connect. While TLS is
    /// on, `uri` and `jdbc-uri` ask for `verify-full` against ``appCertificateAuthorityPath``,
    /// and `ca.crt` holds the CA (`authorityPEM`, once known).
    public static func appData(_ cluster: ResolvedCluster, password: String, authorityPEM: String? = nil) -> [String: String] {
        let host = cluster.names.readWriteService
        let qualifiedHost = "\(host).\(cluster.namespace)"
        let port = ClusterDefaults.port
        let user = cluster.owner
        let database = cluster.database
        let verify = cluster.tlsEnabled ? "sslmode=verify-full&sslrootcert=\(appCertificateAuthorityPath)" : nil
        var data = [
            "username": user,
            "password": password,
            "dbname": database,
            "host": host,
            "port": "\(port)",
            "uri": "postgresql://\(user):\(password)@\(qualifiedHost):\(port)/\(database)" + (verify.map { "?\($0)" } ?? ""),
            "jdbc-uri": "jdbc:postgresql://\(qualifiedHost):\(port)/\(database)?user=\(user)&password=\(password)" + (verify.map { "&\($0)" } ?? ""),
            "pgpass": "\(host):\(port):\(database):\(user):\(password)\n",
        ]
        if cluster.tlsEnabled { data["ca.crt"] = authorityPEM }
        return data
    }

    /// The name of the Secret in use for each role: the user's, or the generated one.
    public static func secretNames(_ cluster: ResolvedCluster) -> (superuser: String, replication: String, app: String) {
        (
            cluster.userSecrets.superuser ?? cluster.names.superuserSecret,
            cluster.userSecrets.replication ?? cluster.names.replicationSecret,
            cluster.userSecrets.app ?? cluster.names.appSecret
        )
    }

    /// A `kubernetes.io/tls` Secret Ordinal issues: `tls.crt`, `tls.key` and `ca.crt`. The CA's
    /// outlives the cluster when volumes are retained (as the passwords do); a server
    /// certificate is owned by the cluster (it is issued again from the CA).
    public static func certificateSecret(
        _ cluster: ResolvedCluster, name: String, certificatePEM: String, privateKeyPEM: String, authorityPEM: String
    ) -> Secret {
        let owned = name != cluster.names.certificateAuthoritySecret || cluster.retentionWhenDeleted == .delete
        return Secret(
            metadata: cluster.metadata(name: name, owned: owned), type: "kubernetes.io/tls",
            stringData: ["tls.crt": certificatePEM, "tls.key": privateKeyPEM, "ca.crt": authorityPEM])
    }

    private static func basicAuth(_ cluster: ResolvedCluster, name: String, data: [String: String]) -> Secret {
        let owned = cluster.retentionWhenDeleted == .delete
        return Secret(metadata: cluster.metadata(name: name, owned: owned), type: "kubernetes.io/basic-auth", stringData: data)
    }
}

extension SecretBuilder {
    /// The app Secret's keys derived from its password (and the cluster's CA).
    public static let derivedAppKeys = ["uri", "jdbc-uri", "pgpass", "ca.crt"]

    /// A content hash of the derived keys in `data` (decoded values): equal for a Secret whose
    /// derived keys say what ``appData(_:password:)`` says for its password. Held in memory only.
    public static func derivedKeysDigest(_ data: [String: String]) -> String {
        FNV1a.hex(derivedAppKeys.map { "\($0)=\(data[$0] ?? "")" }.joined(separator: "\n"))
    }

    /// The generated Secret of `role` for `cluster`, holding `password` (one PostgreSQL already
    /// holds, for a Secret made again), or `nil` when the user names that Secret.
    public static func build(_ cluster: ResolvedCluster, role: SecretRole, password: String, authorityPEM: String? = nil) -> Secret? {
        let wanted = secretName(cluster, role: role)
        return build(cluster, passwords: PasswordGenerator { password }, authorityPEM: authorityPEM).first { $0.metadata.name == wanted }
    }

    /// The name of the Secret in use for `role`: the user's, or the generated one.
    public static func secretName(_ cluster: ResolvedCluster, role: SecretRole) -> String {
        let names = secretNames(cluster)
        return switch role {
        case .superuser: names.superuser
        case .replication: names.replication
        case .app: names.app
        case .monitor: cluster.names.monitorSecret
        }
    }

    /// True when Ordinal makes the Secret of `role` (the user names none in `spec.secrets`).
    public static func isGenerated(_ cluster: ResolvedCluster, role: SecretRole) -> Bool {
        switch role {
        case .superuser: cluster.userSecrets.superuser == nil
        case .replication: cluster.userSecrets.replication == nil
        case .app: cluster.userSecrets.app == nil
        case .monitor: true
        }
    }
}
