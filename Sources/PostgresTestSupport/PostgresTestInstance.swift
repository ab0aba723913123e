import Foundation
import Synchronization

/// One real PostgreSQL server of a ``PostgresTestCluster``, laid out like a pod: its own
/// data volume folder (`PGDATA` is `<pod>/data/pgdata`, the replication passfile beside it),
/// the cluster's shared config and secrets folders, a loopback port.
public final class PostgresTestInstance: Sendable {
    /// The pod name this instance plays (`<cluster>-<ordinal>`).
    public let podName: String
    /// Always `127.0.0.1`.
    public let host = "127.0.0.1"
    /// The loopback port it listens on.
    public let port: Int
    /// `PGDATA`.
    public let dataDirectory: String
    /// Where the bootstrap script writes the replication passfile (next to `PGDATA`).
    public let passfile: String
    /// The server log.
    public let logFile: String
    let layout: ClusterLayout
    private let currentBinaries: Mutex<PostgresBinaries>
    private let ownConfigFile = Mutex<String?>(nil)

    /// The `postgresql.conf` it starts with: its own (see
    /// ``PostgresTestCluster/useOwnConfiguration(_:postgresqlConf:)``) or the cluster's shared one.
    public internal(set) var configFile: String {
        get { ownConfigFile.withLock { $0 } ?? "\(layout.configDirectory)/postgresql.conf" }
        set { ownConfigFile.withLock { $0 = newValue } }
    }

    init(podName: String, port: Int, layout: ClusterLayout, binaries: PostgresBinaries) {
        self.podName = podName
        self.port = port
        self.layout = layout
        let podDirectory = "\(layout.root)/pods/\(podName)"
        dataDirectory = "\(podDirectory)/data/pgdata"
        passfile = "\(podDirectory)/data/replication.pgpass"
        logFile = "\(podDirectory)/postgres.log"
        currentBinaries = Mutex(binaries)
    }

    /// The binaries this instance starts with; change them with ``restart(with:)``.
    public var binaries: PostgresBinaries { currentBinaries.withLock { $0 } }

    /// The ordinal (the pod name's suffix).
    public var ordinal: Int { Int(podName.split(separator: "-").last ?? "") ?? -1 }

    /// The environment a pod of the StatefulSet gives its containers (docs/pod-contract.md),
    /// pointed at this machine's folders and ports.
    public func podEnvironment(primaryPort: Int) -> [String: String] {
        [
            "PGDATA": dataDirectory,
            "PGPORT": String(port),
            "POD_NAME": podName,
            "POD_NAMESPACE": "fixture",
            "ORDINAL_CLUSTER": layout.clusterName,
            "ORDINAL_PRIMARY_HOST": host,
            "ORDINAL_PRIMARY_PORT": String(primaryPort),
            "ORDINAL_SECRETS_DIR": layout.secretsDirectory,
            "ORDINAL_CONFIG_DIR": layout.configDirectory,
            "ORDINAL_TLS_DIR": "\(layout.secretsDirectory)/tls",
            "ORDINAL_APP_DATABASE": layout.appDatabase,
            "ORDINAL_APP_OWNER": layout.appOwner,
            "ORDINAL_PRIMARY_WAIT_SECONDS": "60",
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD_FILE": "\(layout.secretsDirectory)/superuser/password",
            "PGBINDIR": binaries.directory,
        ]
    }

    /// Starts the server the way the pod's main container does (`-c config_file=... -c
    /// hba_file=...`; the fixture's configuration file sets loopback and its own socket folder)
    /// on its port, and waits until it accepts connections.
    public func start() async throws(FixtureError) {
        try await startServer(listenAddresses: nil)
    }

    /// Stops the server (`fast`: roll back sessions, clean shutdown; `immediate`: crash-like).
    public func stop(mode: String = "fast") async throws(FixtureError) {
        guard isRunning else { return }
        try await FixtureProcess.run(
            [binaries.path("pg_ctl"), "-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"], as: layout.user)
    }

    /// Stops the server and starts it again, possibly with other binaries (a minor upgrade).
    public func restart(with binaries: PostgresBinaries? = nil) async throws(FixtureError) {
        try await stop()
        if let binaries { currentBinaries.withLock { $0 = binaries } }
        try await start()
    }

    /// True while `postmaster.pid` names a live process.
    public var isRunning: Bool {
        guard let text = try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = Int32(first)
        else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Promotes a standby (`pg_ctl promote`), waiting until it accepts writes.
    public func promote() async throws(FixtureError) {
        try await FixtureProcess.run([binaries.path("pg_ctl"), "-D", dataDirectory, "-w", "-t", "60", "promote"], as: layout.user)
    }

    /// Runs SQL with psql over the local socket as the superuser; returns the unaligned,
    /// tuples-only output, trimmed.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws(FixtureError) -> String {
        let output = try await FixtureProcess.run(
            [binaries.path("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", layout.socketDirectory,
             "-p", String(port), "-U", "postgres", "-d", database, "-c", sql],
            as: layout.user, timeout: .seconds(60))
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `sql` until it prints `expected`, failing after `timeout`.
    public func waitFor(_ sql: String, toPrint expected: String, timeout: Duration = .seconds(30)) async throws(FixtureError) {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            if let output = try? await psql(sql) {
                last = output
                if output == expected { return }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        throw FixtureError("\(podName): '\(sql)' printed '\(last)', not '\(expected)', within \(timeout)")
    }

    /// The last lines of the server log, for failure messages.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Starts the server; `listenAddresses` overrides the configuration file's (the image's
    /// entrypoint starts its temporary init server with `listen_addresses=''`).
    func startServer(listenAddresses: String?) async throws(FixtureError) {
        var options = [
            "-c config_file=\(configFile)",
            "-c hba_file=\(layout.configDirectory)/pg_hba.conf",
            "-p \(port)",
        ]
        if let listenAddresses { options.append("-c listen_addresses='\(listenAddresses)'") }
        let optionString = options.joined(separator: " ")
        do {
            try await FixtureProcess.run(
                [binaries.path("pg_ctl"), "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", optionString, "start"],
                as: layout.user, environment: layout.serverEnvironment)
        } catch {
            throw FixtureError("\(podName) did not start: \(error.message)\n\(logTail())")
        }
        FixtureRegistry.shared.register(self)
    }
}
