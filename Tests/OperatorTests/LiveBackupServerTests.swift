import ClusterCertificates
import ClusterModel
import PostgresTestSupport
import Foundation
import Testing

extension BackupSuites {
/// Backups the way the Jobs take them: every instance runs Ordinal's `pgbackrest` sidecar
/// script (pgBackRest's TLS server with the instance's rendered configuration), and a client
/// with the Job's rendered configuration reaches them over mutual TLS with the backup identity
/// Ordinal issues. Real pgBackRest, real PostgreSQL; a directory stands in for the repository.
@Suite("Backups through the instances' pgBackRest servers (real pgBackRest and PostgreSQL)", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PgBackRestFixture.unavailableReason == nil, "needs pgBackRest (Debian's pgbackrest package)"))
struct LiveBackupServerTests {
    /// One instance's sidecar: its configuration directory, and the running script.
    struct Sidecar {
        var target: PgBackRestConfig.Target
        var process: FixtureProcess.BackgroundProcess
        var log: String
    }

    /// Writes an identity's two files into `directory` (0600, the fixture's user's), as the
    /// mounted Secret holds them.
    static func write(_ identity: IssuedCertificate, to directory: String, user: FixtureUser) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Replaced as the kubelet replaces a Secret volume's files: whole, by rename.
        for (name, text) in [("tls.crt", identity.certificatePEM), ("tls.key", identity.privateKeyPEM)] {
            try text.write(toFile: "\(directory)/.\(name)", atomically: false, encoding: .utf8)
            chmod("\(directory)/.\(name)", 0o600)
            try user.own("\(directory)/.\(name)")
            rename("\(directory)/.\(name)", "\(directory)/\(name)")
        }
        chmod(directory, 0o750)
        try user.own(directory)
    }

    static func identity(validFor seconds: Double = 86_400) throws -> IssuedCertificate {
        try CertificateIssuer.selfSignedIdentity(
            commonName: ClusterDefaults.backupIdentityCommonName, dnsNames: ["localhost"],
            now: Date().timeIntervalSince1970, validity: seconds)
    }

    /// Starts Ordinal's sidecar script beside `instance`, with the instance configuration
    /// Ordinal renders for a server listening on a port of its own.
    static func startSidecar(_ cluster: PostgresTestCluster, _ instance: PostgresTestInstance, backup: ResolvedBackup,
                             base: String, identityDirectory: String) async throws -> Sidecar {
        let directory = "\(base)/\(instance.podName)"
        try FileManager.default.createDirectory(atPath: "\(directory)/lock", withIntermediateDirectories: true)
        let port = try PostgresTestCluster.freePort()
        var layout = PgBackRestFixture.layout(base: base, dataDirectory: instance.dataDirectory,
                                              socketDirectory: "\(cluster.root)/run", port: instance.port)
        layout.lockDirectory = "\(directory)/lock"
        layout.configFile = "\(directory)/\(PgBackRestConfig.key)"
        layout.identityDirectory = identityDirectory
        layout.serverAddress = "127.0.0.1"
        layout.serverPort = port
        try PgBackRestConfig.render(backup, layout: layout).write(toFile: layout.configFile, atomically: true, encoding: .utf8)
        try PodScripts.backupServer.write(toFile: "\(directory)/backup-server.sh", atomically: true, encoding: .utf8)
        for path in [directory, "\(directory)/lock", layout.configFile, "\(directory)/backup-server.sh"] { try cluster.user.own(path) }
        let log = "\(directory)/server.log"
        let process = try FixtureProcess.start(
            ["/bin/bash", "\(directory)/backup-server.sh"], as: cluster.user,
            environment: ["ORDINAL_CONFIG_DIR": directory, "ORDINAL_BACKUP_IDENTITY_DIR": identityDirectory,
                          "ORDINAL_BACKUP_IDENTITY_CHECK_SECONDS": "1", "HOME": directory,
                          // The remotes the server starts lock in its default /tmp/pgbackrest (a pod's own
                          // /tmp); tests running side by side, each with a stanza "orders", each get their own.
                          "PGBACKREST_LOCK_PATH": "\(directory)/lock"],
            outputPath: log)
        // Listening once pgBackRest's own ping answers (no authentication: aliveness only).
        for _ in 0..<100 {
            let ping = try await FixtureProcess.run(
                [PgBackRestFixture.executable, "server-ping", "--tls-server-address=127.0.0.1", "--tls-server-port=\(port)"],
                as: cluster.user, timeout: .seconds(10), check: false)
            if ping.status == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let target = PgBackRestConfig.Target(
            host: "localhost", serverPort: port, dataDirectory: instance.dataDirectory, socketDirectory: "\(cluster.root)/run", port: instance.port)
        return Sidecar(target: target, process: process, log: log)
    }

    /// Runs pgBackRest as a backup Job would: with the Job's rendered configuration for
    /// `targets`, the identity in `identityDirectory`.
    static func job(_ cluster: PostgresTestCluster, _ backup: ResolvedBackup, base: String, targets: [PgBackRestConfig.Target],
                    identityDirectory: String, _ arguments: [String]) async throws -> FixtureProcess.Output {
        var layout = PgBackRestFixture.layout(base: base)
        layout.lockDirectory = "\(base)/job-lock"
        layout.configFile = "\(base)/\(PgBackRestConfig.jobKey)"
        layout.identityDirectory = identityDirectory
        try FileManager.default.createDirectory(atPath: layout.lockDirectory, withIntermediateDirectories: true)
        try PgBackRestConfig.renderJob(backup, targets: targets, layout: layout).write(toFile: layout.configFile, atomically: true, encoding: .utf8)
        for path in [layout.lockDirectory, layout.configFile] { try cluster.user.own(path) }
        return try await FixtureProcess.run(
            [PgBackRestFixture.executable, "--config=\(layout.configFile)", "--stanza=\(backup.stanza)", "--io-timeout=10"] + arguments,
            as: cluster.user, timeout: .seconds(300), check: false)
    }

    static func backups(_ fixture: PgBackRestFixture) async throws -> [[String: Any]] {
        let info = try await fixture.run(["--output=json", "info"])
        let parsed = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [[String: Any]]
        return parsed?.first?["backup"] as? [[String: Any]] ?? []
    }

    @Test("a Job's configuration makes the stanza and backs up over mutual TLS: it finds the primary among every instance, copies from a standby with fromReplica, refuses a foreign identity, and follows a new one; the backup restores")
    func backupsThroughTheServers() async throws {
        var backup = LiveBackupTests.local
        let base = try PgBackRestFixture.makeBase()
        var parameters: [String: String] = [:]
        for (name, value) in PgBackRestConfig.archiveParameters(backup, layout: PgBackRestFixture.layout(base: base)) {
            parameters[name] = value
        }
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 1, extraParameters: parameters)
        // The primary's archive_command uses the instance configuration in `base` (no stanza yet: it fails until the Job makes one).
        let fixture = try PgBackRestFixture(
            cluster: cluster, backup: backup,
            layout: PgBackRestFixture.layout(base: base, dataDirectory: cluster.primary.dataDirectory,
                                             socketDirectory: "\(cluster.root)/run", port: cluster.primary.port))
        let identityDirectory = "\(base)/identity"
        try Self.write(try Self.identity(), to: identityDirectory, user: cluster.user)
        var sidecars: [Sidecar] = []
        for instance in cluster.instances {
            sidecars.append(try await Self.startSidecar(cluster, instance, backup: backup, base: base, identityDirectory: identityDirectory))
        }
        defer {
            let processes = sidecars.map(\.process)
            Task {
                for process in processes { await process.stop() }
                await cluster.shutdown()
                LiveBackupTests.remove(fixture)
            }
        }
        let targets = sidecars.map(\.target)

        // The stanza, made by the Job through the primary's server.
        let stanza = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: identityDirectory, ["stanza-create"])
        #expect(stanza.status == 0, "\(stanza.stderr)")
        _ = try await cluster.primary.psql("CREATE TABLE orders_log (id bigserial PRIMARY KEY, batch text)")
        _ = try await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'first' FROM generate_series(1, 25)")

        // A full backup, the primary first among the hosts.
        let full = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: identityDirectory, ["--type=full", "backup"])
        #expect(full.status == 0, "\(full.stderr)")
        // The standby first: pgBackRest finds the primary itself (a Job made before a failover).
        let reordered = try await Self.job(
            cluster, backup, base: base, targets: targets.reversed(), identityDirectory: identityDirectory, ["--type=diff", "backup"])
        #expect(reordered.status == 0, "\(reordered.stderr)")

        // From the standby: files copied from it, the backup still started and stopped on the primary.
        backup.fromReplica = true
        _ = try await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'second' FROM generate_series(1, 5)")
        try await cluster.waitForStreaming(count: 1)
        let fromStandby = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: identityDirectory, ["--type=incr", "backup"])
        #expect(fromStandby.status == 0, "\(fromStandby.stderr)")
        backup.fromReplica = false
        let taken = try await Self.backups(fixture)
        #expect(taken.map { $0["type"] as? String } == ["full", "diff", "incr"], "\(taken)")

        // A client with another identity (same name, another key) is refused by every server.
        let foreignDirectory = "\(base)/foreign"
        try Self.write(try Self.identity(), to: foreignDirectory, user: cluster.user)
        let foreign = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: foreignDirectory, ["--type=incr", "backup"])
        #expect(foreign.status != 0, "a foreign identity was admitted")
        #expect(try await Self.backups(fixture).count == 3)

        // Ordinal makes the identity again: each sidecar restarts its server with the new one,
        // after which the new identity is admitted and the old one no longer is.
        let oldDirectory = "\(base)/old"
        try FileManager.default.copyItem(atPath: identityDirectory, toPath: oldDirectory)
        try cluster.user.own(oldDirectory)
        for name in ["tls.crt", "tls.key"] { try cluster.user.own("\(oldDirectory)/\(name)") }
        try Self.write(try Self.identity(), to: identityDirectory, user: cluster.user)
        var renewed: FixtureProcess.Output?
        for _ in 0..<30 {
            renewed = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: identityDirectory, ["--type=incr", "backup"])
            if renewed?.status == 0 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(renewed?.status == 0, "the new identity was not admitted: \(renewed?.stderr ?? "")")
        let stale = try await Self.job(cluster, backup, base: base, targets: targets, identityDirectory: oldDirectory, ["--type=incr", "backup"])
        #expect(stale.status != 0, "the replaced identity was still admitted")
        let restarts = sidecars.map { (try? String(contentsOfFile: "\($0.log).err", encoding: .utf8)) ?? "" }
        #expect(restarts.allSatisfy { $0.contains("the backup identity changed") }, "\(restarts)")

        // What was backed up through the servers restores: every row present.
        try await LiveBackupTests.archiveNow(cluster)
        let (port, stopRestored) = try await LiveBackupTests.startRestored(cluster, fixture, [])
        defer { stopRestored() }
        #expect(try await LiveBackupTests.psql(cluster, port: port, "SELECT count(*) FROM orders_log") == "30")
    }
}
}
