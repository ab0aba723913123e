/// pgBackRest's configuration for a cluster, and the server settings that archive through it.
///
/// pgBackRest reads its configuration file on every run, so a change (retention, say) needs
/// no restart: the file lives in the shared ConfigMap (key ``key``), not a template revision.
/// S3 credentials never enter the file: the pods get them as `PGBACKREST_REPO1_S3_KEY` and
/// `PGBACKREST_REPO1_S3_KEY_SECRET` from the user's Secret.
public enum PgBackRestConfig {
    /// The ConfigMap key, and the file's name in the config directory.
    public static let key = "pgbackrest.conf"

    /// The environment variables that carry an S3 repository's credentials, and the keys of
    /// the user's Secret they come from.
    public static let credentialEnvironment = [
        (variable: "PGBACKREST_REPO1_S3_KEY", secretKey: "accessKeyId"),
        (variable: "PGBACKREST_REPO1_S3_KEY_SECRET", secretKey: "secretAccessKey"),
    ]

    /// Where things are on the machine that runs pgBackRest (an instance pod, or a test's
    /// directory standing in for one).
    public struct Layout: Sendable, Hashable {
        /// `PGDATA`.
        public var dataDirectory: String
        public var socketDirectory: String
        public var port: Int
        /// A volume repository's mount point (unused for S3).
        public var repositoryPath: String
        /// Lock and spool files (a writable directory).
        public var lockDirectory: String
        /// The configuration file itself.
        public var configFile: String
        /// The S3 endpoint's CA, when the spec names one (`caSecret`, mounted).
        public var storageCAFile: String
        /// pgBackRest's identity: `tls.crt` (also the only trusted anchor) and `tls.key`.
        public var identityDirectory: String
        /// Where this machine's `pgbackrest server` listens (an instance's; unused by a Job).
        public var serverAddress: String
        public var serverPort: Int

        public init(dataDirectory: String, socketDirectory: String, port: Int, repositoryPath: String, lockDirectory: String,
                    configFile: String, storageCAFile: String = "\(PodLayout.backupAuthorityDirectory)/ca.crt",
                    identityDirectory: String = PodLayout.backupIdentityDirectory, serverAddress: String = "0.0.0.0",
                    serverPort: Int = ClusterDefaults.backupServerPort) {
            self.identityDirectory = identityDirectory
            self.serverAddress = serverAddress
            self.serverPort = serverPort
            self.storageCAFile = storageCAFile
            self.dataDirectory = dataDirectory
            self.socketDirectory = socketDirectory
            self.port = port
            self.repositoryPath = repositoryPath
            self.lockDirectory = lockDirectory
            self.configFile = configFile
        }

        /// An instance pod's layout (docs/pod-contract.md).
        public static let pod = Layout(
            dataDirectory: PodLayout.pgdata, socketDirectory: PodLayout.socketDirectory, port: ClusterDefaults.port,
            repositoryPath: "/var/lib/pgbackrest", lockDirectory: "/tmp/pgbackrest", configFile: "\(PodLayout.configDirectory)/\(key)")
    }

    /// An instance a backup Job reaches through its `pgbackrest server`.
    public struct Target: Sendable, Hashable {
        public var host: String
        /// The `pgbackrest server`'s port.
        public var serverPort: Int
        /// The instance's own layout (`PGDATA`, socket, port) on its machine.
        public var dataDirectory: String
        public var socketDirectory: String
        public var port: Int

        public init(host: String, serverPort: Int = ClusterDefaults.backupServerPort, dataDirectory: String = PodLayout.pgdata,
                    socketDirectory: String = PodLayout.socketDirectory, port: Int = ClusterDefaults.port) {
            self.host = host
            self.serverPort = serverPort
            self.dataDirectory = dataDirectory
            self.socketDirectory = socketDirectory
            self.port = port
        }

        /// Every instance pod of `cluster`, by its stable DNS name.
        public static func pods(_ cluster: ResolvedCluster) -> [Target] {
            (0..<cluster.instances).map { Target(host: cluster.names.podHost($0)) }
        }
    }

    /// The ConfigMap key of the backup Jobs' configuration.
    public static let jobKey = "pgbackrest-job.conf"

    /// The instances' file: the repository (`repo1-*`), retention, the stanza's local server,
    /// and the `pgbackrest server` that backup Jobs reach it through (mutual TLS with the
    /// backup identity; only its common name is admitted, and only for this stanza).
    public static func render(_ backup: ResolvedBackup, layout: Layout = .pod) -> String {
        let server: [(String, String)] = [
            ("tls-server-address", layout.serverAddress),
            ("tls-server-port", "\(layout.serverPort)"),
            ("tls-server-cert-file", "\(layout.identityDirectory)/tls.crt"),
            ("tls-server-key-file", "\(layout.identityDirectory)/tls.key"),
            ("tls-server-ca-file", "\(layout.identityDirectory)/tls.crt"),
            ("tls-server-auth", "\(ClusterDefaults.backupIdentityCommonName)=\(backup.stanza)"),
        ]
        let stanza: [(String, String)] = [
            ("pg1-path", layout.dataDirectory),
            ("pg1-socket-path", layout.socketDirectory),
            ("pg1-port", "\(layout.port)"),
        ]
        return file(global: repository(backup, layout: layout) + server, stanza: backup.stanza, options: stanza)
    }

    /// A backup Job's file: the same repository, and every instance as a `pgN-host` reached
    /// over TLS; pgBackRest finds the primary among them itself (so a Job made before a
    /// failover still backs up the right server), and with `fromReplica` copies files from a
    /// streaming standby.
    public static func renderJob(_ backup: ResolvedBackup, targets: [Target], layout: Layout = .pod) -> String {
        var stanza: [(String, String)] = []
        for (index, target) in targets.enumerated() {
            let pg = "pg\(index + 1)"
            stanza += [
                ("\(pg)-host", target.host),
                ("\(pg)-host-type", "tls"),
                ("\(pg)-host-port", "\(target.serverPort)"),
                ("\(pg)-host-cert-file", "\(layout.identityDirectory)/tls.crt"),
                ("\(pg)-host-key-file", "\(layout.identityDirectory)/tls.key"),
                ("\(pg)-host-ca-file", "\(layout.identityDirectory)/tls.crt"),
                ("\(pg)-path", target.dataDirectory),
                ("\(pg)-socket-path", target.socketDirectory),
                ("\(pg)-port", "\(target.port)"),
            ]
        }
        var global = repository(backup, layout: layout)
        if backup.fromReplica { global.append(("backup-standby", "y")) }
        return file(global: global, stanza: backup.stanza, options: stanza)
    }

    private static func file(global: [(String, String)], stanza name: String, options: [(String, String)]) -> String {
        func section(_ name: String, _ options: [(String, String)]) -> String {
            "[\(name)]\n" + options.map { "\($0.0)=\($0.1)\n" }.joined()
        }
        return "# Managed by Ordinal: edit spec.backup instead.\n" + section("global", global) + "\n" + section(name, options)
    }

    /// The repository, retention and logging options every pgBackRest run shares.
    private static func repository(_ backup: ResolvedBackup, layout: Layout) -> [(String, String)] {
        var global: [(String, String)] = []
        switch backup.repository {
        case .s3(let s3):
            global += [
                ("repo1-type", "s3"),
                ("repo1-s3-endpoint", s3.host),
                ("repo1-storage-port", "\(s3.port)"),
                ("repo1-s3-region", s3.region),
                ("repo1-s3-bucket", s3.bucket),
                ("repo1-path", s3.path),
                ("repo1-s3-uri-style", s3.pathStyle ? "path" : "host"),
                ("repo1-storage-verify-tls", s3.verifyTLS ? "y" : "n"),
            ]
            if s3.caSecret != nil { global.append(("repo1-storage-ca-file", layout.storageCAFile)) }
        case .posix:
            global += [("repo1-type", "posix"), ("repo1-path", layout.repositoryPath)]
        }
        global += [
            ("repo1-retention-full", "\(backup.retentionFull)"),
            ("repo1-retention-full-type", "count"),
            ("start-fast", "y"),
            ("lock-path", layout.lockDirectory),
            ("log-level-console", "warn"),
            ("log-level-stderr", "error"),
            ("log-level-file", "off"),
        ]
        return global
    }

    /// The server settings that archive every WAL segment through pgBackRest (restart-bound:
    /// `archive_mode`). `archive_timeout` bounds how old the newest archived WAL can be on a
    /// quiet primary.
    public static func archiveParameters(_ backup: ResolvedBackup, layout: Layout = .pod) -> [(String, String)] {
        [
            ("archive_mode", "on"),
            ("archive_command", "pgbackrest --config=\(layout.configFile) --stanza=\(backup.stanza) archive-push %p"),
            ("archive_timeout", "\(ClusterDefaults.archiveTimeoutSeconds)s"),
        ]
    }

    /// The `restore_command` a server restored from the repository replays WAL with.
    public static func restoreCommand(_ backup: ResolvedBackup, layout: Layout = .pod) -> String {
        "pgbackrest --config=\(layout.configFile) --stanza=\(backup.stanza) archive-get %f \"%p\""
    }
}
