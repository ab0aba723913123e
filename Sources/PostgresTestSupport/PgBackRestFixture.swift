import ClusterModel

import Foundation

/// Real pgBackRest (Debian's `pgbackrest`) beside a ``PostgresTestCluster``: the configuration
/// Ordinal renders, with a directory of the cluster's standing in for the repository volume,
/// and commands run as the fixture's user, as the pod's would run as `postgres`.
public struct PgBackRestFixture: Sendable {
    /// Where Debian installs it.
    public static let executable = "/usr/bin/pgbackrest"

    /// Nil when pgBackRest is installed, else why the tests that need it are skipped.
    public static var unavailableReason: String? {
        FileManager.default.isExecutableFile(atPath: executable) ? nil : "needs pgBackRest (Debian's pgbackrest package)"
    }

    public let cluster: PostgresTestCluster
    public let backup: ResolvedBackup
    public let layout: PgBackRestConfig.Layout
    /// The environment pgBackRest runs with (an S3 repository's credentials).
    public let environment: [String: String]

    /// The repository directory (the volume's stand-in).
    public var repository: String { layout.repositoryPath }

    /// A new directory for pgBackRest's files (configuration, repository, locks), made before
    /// the cluster starts so its `archive_command` can name the configuration.
    public static func makeBase() throws(FixtureError) -> String {
        var template = Array("/tmp/ordinal-pgbackrest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw FixtureError("could not make a directory for pgBackRest: errno \(errno)") }
        let base = String(cString: made)
        chmod(base, 0o755)
        return base
    }

    /// The layout under `base` for the server whose data directory, socket folder and port are given.
    public static func layout(base: String, dataDirectory: String = "", socketDirectory: String = "", port: Int = 0) -> PgBackRestConfig.Layout {
        PgBackRestConfig.Layout(
            dataDirectory: dataDirectory, socketDirectory: socketDirectory, port: port, repositoryPath: "\(base)/repo",
            lockDirectory: "\(base)/lock", configFile: "\(base)/pgbackrest.conf")
    }

    /// Writes the rendered configuration and makes the repository and lock directories, owned
    /// by the fixture's user.
    public init(cluster: PostgresTestCluster, backup: ResolvedBackup, layout: PgBackRestConfig.Layout,
                environment: [String: String] = [:]) throws(FixtureError) {
        self.environment = environment
        self.cluster = cluster
        self.backup = backup
        self.layout = layout
        let base = (layout.configFile as NSString).deletingLastPathComponent
        do {
            for directory in [base, layout.repositoryPath, layout.lockDirectory] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                chmod(directory, 0o750)
            }
            try PgBackRestConfig.render(backup, layout: layout).write(toFile: layout.configFile, atomically: true, encoding: .utf8)
        } catch {
            throw FixtureError("could not write pgBackRest's files under \(base): \(error)")
        }
        for path in [base, layout.repositoryPath, layout.lockDirectory, layout.configFile] { try cluster.user.own(path) }
    }

    /// Runs `pgbackrest --config=... --stanza=... <arguments>` as the fixture's user.
    @discardableResult
    public func run(_ arguments: [String], check: Bool = true, timeout: Duration = .seconds(300)) async throws(FixtureError) -> FixtureProcess.Output {
        try await FixtureProcess.run(
            [Self.executable, "--config=\(layout.configFile)", "--stanza=\(backup.stanza)"] + arguments,
            as: cluster.user, environment: environment, timeout: timeout, check: check)
    }
}
