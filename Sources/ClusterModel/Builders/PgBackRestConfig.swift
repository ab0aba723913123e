/// pgBackRest's configuration for a cluster, and the server settings that archive through it.
///
/// pgBackRest reads its configuration file on every run, so a change (retention, say) needs
/// no restart: the file lives in the shared ConfigMap (key ``key``), not a template revision.
/// S3 credentials never enter the file: the pods get them as `PGBACKREST_REPO1_S3_KEY` and
/// `PGBACKREST_REPO1_S3_KEY_SECRET` from the user's Secret.
public enum PgBackRestConfig {
    /// The ConfigMap key, and the file's name in the config directory.
    public static let key = "pgbackrest.conf"

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

        public init(dataDirectory: String, socketDirectory: String, port: Int, repositoryPath: String, lockDirectory: String,
                    configFile: String) {
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

    /// The file: the repository (`repo1-*`), retention, and the stanza's server.
    public static func render(_ backup: ResolvedBackup, layout: Layout = .pod) -> String {
        var global: [(String, String)] = []
        switch backup.repository {
        case .s3(let endpoint, let region, let bucket, let path, _, let pathStyle, let verifyTLS):
            global += [
                ("repo1-type", "s3"),
                ("repo1-s3-endpoint", endpoint),
                ("repo1-s3-region", region),
                ("repo1-s3-bucket", bucket),
                ("repo1-path", path),
                ("repo1-s3-uri-style", pathStyle ? "path" : "host"),
                ("repo1-storage-verify-tls", verifyTLS ? "y" : "n"),
            ]
        case .volume:
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
        let stanza: [(String, String)] = [
            ("pg1-path", layout.dataDirectory),
            ("pg1-socket-path", layout.socketDirectory),
            ("pg1-port", "\(layout.port)"),
        ]
        func section(_ name: String, _ options: [(String, String)]) -> String {
            "[\(name)]\n" + options.map { "\($0.0)=\($0.1)\n" }.joined()
        }
        return "# Managed by Ordinal: edit spec.backup instead.\n" + section("global", global) + "\n" + section(backup.stanza, stanza)
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
