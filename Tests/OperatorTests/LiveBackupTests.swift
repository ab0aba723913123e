import ClusterModel
import KubeTypes
@testable import Operator
import PostgresHealth
import PostgresTestSupport
import Foundation
import Testing

extension BackupSuites {
/// WAL archiving and base backups through real pgBackRest with the configuration Ordinal
/// renders, a directory standing in for the repository volume; a point-in-time restore; and
/// `BackupHealthy` following a repository that breaks and mends.
@Suite("Backups with real pgBackRest and PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PgBackRestFixture.unavailableReason == nil, "needs pgBackRest (Debian's pgbackrest package)"))
struct LiveBackupTests {
    /// What the operator is told: a bucket. The tests' stand-ins for the pods and Jobs keep the
    /// repository in a directory instead (``local``): the operator never touches it itself.
    static let spec = BackupSpec(
        repository: BackupRepository(s3: S3Repository(endpoint: "s3.example.com", region: "eu-west-1", bucket: "orders-backups",
                                                      credentialsSecret: "orders-s3")),
        retention: BackupRetention(full: 2))
    /// The repository the fixtures use: a directory pgBackRest writes itself.
    static let local = ResolvedBackup(posixStanza: "orders", retentionFull: 2)

    /// A cluster whose primary archives through pgBackRest, with its stanza made.
    static func archivingCluster(replicas: Int, backup: ResolvedBackup = local, environment: [String: String] = [:],
                                 storageCAFile: String? = nil) async throws -> (PostgresTestCluster, PgBackRestFixture) {
        // The archive command names the configuration, so its place is chosen first.
        let base = try PgBackRestFixture.makeBase()
        var parameters: [String: String] = [:]
        for (name, value) in PgBackRestConfig.archiveParameters(backup, layout: PgBackRestFixture.layout(base: base)) {
            parameters[name] = value
        }
        let cluster = try await PostgresTestCluster.start(
            name: "orders", replicas: replicas, extraParameters: parameters, serverEnvironment: environment)
        var layout = PgBackRestFixture.layout(base: base, dataDirectory: cluster.primary.dataDirectory,
                                              socketDirectory: "\(cluster.root)/run", port: cluster.primary.port)
        if let storageCAFile { layout.storageCAFile = storageCAFile }
        let fixture = try PgBackRestFixture(cluster: cluster, backup: backup, layout: layout, environment: environment)
        try await fixture.run(["stanza-create"])
        return (cluster, fixture)
    }

    static func remove(_ fixture: PgBackRestFixture) {
        try? FileManager.default.removeItem(atPath: (fixture.layout.configFile as NSString).deletingLastPathComponent)
    }

    /// psql against a server on `port` over the cluster's socket folder.
    static func psql(_ cluster: PostgresTestCluster, port: Int, _ sql: String) async throws -> String {
        try await FixtureProcess.run(
            [cluster.primary.binaries.path("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "\(cluster.root)/run",
             "-p", String(port), "-U", "postgres", "-d", "postgres", "-c", sql],
            as: cluster.user, timeout: .seconds(60)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Restores with `arguments` into an empty directory, as a new cluster's pod 0 would, starts
    /// the server there (archiving off) and waits until it leaves recovery. Returns its port and
    /// a function that stops it.
    static func startRestored(_ cluster: PostgresTestCluster, _ pgbackrest: PgBackRestFixture, _ arguments: [String],
                              environment: [String: String] = [:]) async throws -> (port: Int, stop: @Sendable () -> Void) {
        let restored = "\(cluster.root)/restored"
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        chmod(restored, 0o700)
        try cluster.user.own(restored)
        let restore = try await pgbackrest.run(["--pg1-path=\(restored)"] + arguments + ["restore"])
        #expect(restore.status == 0, "\(restore.stderr)")
        let port = try PostgresTestCluster.freePort()
        let binaries = cluster.primary.binaries
        let options = "-c config_file=\(cluster.configDirectory)/postgresql.conf -c hba_file=\(cluster.configDirectory)/pg_hba.conf "
            + "-c archive_mode=off -p \(port)"
        try await FixtureProcess.run(
            [binaries.path("pg_ctl"), "-D", restored, "-l", "\(cluster.root)/restored.log", "-w", "-t", "120", "-o", options, "start"],
            as: cluster.user, environment: environment, timeout: .seconds(150))
        let user = cluster.user
        let stop: @Sendable () -> Void = {
            Task { try? await FixtureProcess.run([binaries.path("pg_ctl"), "-D", restored, "-m", "immediate", "stop"], as: user) }
        }
        for _ in 0..<120 {
            if (try? await psql(cluster, port: port, "SELECT pg_is_in_recovery()")) == "f" { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        return (port, stop)
    }

    /// Switches WAL on the primary and waits until pgBackRest archived the segment.
    static func archiveNow(_ cluster: PostgresTestCluster) async throws {
        let segment = try await cluster.primary.psql("SELECT pg_walfile_name(pg_switch_wal())")
        try await cluster.primary.waitFor(
            "SELECT last_archived_wal >= '\(segment)' FROM pg_stat_archiver", toPrint: "t", timeout: .seconds(60))
    }

    @Test("archiving through pgBackRest, a full backup under writes, and a restore to a time between two writes: rows before it present, after it absent")
    func backupAndPointInTimeRestore() async throws {
        let (cluster, pgbackrest) = try await Self.archivingCluster(replicas: 1)
        defer { Task { await cluster.shutdown(); Self.remove(pgbackrest) } }
        _ = try await cluster.primary.psql("CREATE TABLE orders_log (id bigserial PRIMARY KEY, batch text, at timestamptz DEFAULT now())")

        // A full backup while a writer inserts.
        let writer = Task {
            var written = 0
            while !Task.isCancelled, written < 2000 {
                _ = try? await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'during' FROM generate_series(1, 50)")
                written += 50
            }
            return written
        }
        let backup = try await pgbackrest.run(["--type=full", "backup"])
        writer.cancel()
        _ = await writer.value
        #expect(backup.status == 0, "\(backup.stderr)")
        let info = try await pgbackrest.run(["--output=json", "info"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [[String: Any]])
        let backups = parsed.first?["backup"] as? [[String: Any]] ?? []
        #expect(backups.count == 1 && backups.first?["type"] as? String == "full", "\(info.stdout.prefix(400))")

        // Two known writes with a moment between them; the target is that moment.
        _ = try await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'before' FROM generate_series(1, 10)")
        try await Task.sleep(for: .milliseconds(1100))
        let target = try await cluster.primary.psql("SELECT now()")
        try await Task.sleep(for: .milliseconds(1100))
        _ = try await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'after' FROM generate_series(1, 7)")
        try await Self.archiveNow(cluster)
        let duringCount = try await cluster.primary.psql("SELECT count(*) FROM orders_log WHERE batch = 'during'")

        // Restore into an empty directory, as a new cluster's pod 0 would, and start it.
        let (port, stopRestored) = try await Self.startRestored(
            cluster, pgbackrest, ["--type=time", "--target=\(target)", "--target-action=promote"])
        defer { stopRestored() }
        #expect(try await Self.psql(cluster, port: port, "SELECT pg_is_in_recovery()") == "f", "recovery reached the target and promoted")
        #expect(try await Self.psql(cluster, port: port, "SELECT count(*) FROM orders_log WHERE batch = 'before'") == "10")
        #expect(try await Self.psql(cluster, port: port, "SELECT count(*) FROM orders_log WHERE batch = 'after'") == "0")
        #expect(try await Self.psql(cluster, port: port, "SELECT count(*) FROM orders_log WHERE batch = 'during'") == duringCount,
                "every row written during the backup is there")

        // Retention (2 full backups): after two more, the first is expired.
        let first = backups.first?["label"] as? String
        for _ in 0..<2 { try await pgbackrest.run(["--type=full", "backup"]) }
        let after = try #require(try JSONSerialization.jsonObject(with: Data(try await pgbackrest.run(["--output=json", "info"]).stdout.utf8)) as? [[String: Any]])
        let kept = (after.first?["backup"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(kept.count == 2 && first.map { !kept.contains($0) } == true, "kept \(kept), first \(first ?? "-")")
    }

    @Test("BackupHealthy follows the primary's archiver: True while archiving works, False with the failing segment when the repository breaks, True again once it mends")
    func backupHealthyFollowsTheRepository() async throws {
        // The operator makes the stanza with its Job (run by the test as its pod would).
        let world = try await LiveBackupJobTests.start(Self.spec, clock: .system)
        defer { Task { await world.stop() } }
        let (cluster, pgbackrest, harness) = (world.cluster, world.fixture, world.harness)
        _ = try await world.runner.reconcile { try world.backup()?.stanza != nil }
        try await Self.archiveNow(cluster)
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        var healthy = try harness.condition(StatusComputer.backupHealthy)
        #expect(healthy?.status == "True" && healthy?.reason == "Archiving", "\(String(describing: healthy))")
        let archived = try #require(try harness.cluster()?.status?.backup?.archive)
        #expect(archived.primary == "orders-0" && archived.lastArchivedWAL != nil && archived.lastArchivedTime != nil)

        // The repository's archive becomes unwritable: the next segment fails.
        let archive = "\(pgbackrest.repository)/archive"
        chmod(archive, 0o000)
        // Some WAL to switch away from (a switch with nothing written since the last is no switch).
        _ = try await cluster.primary.psql("CREATE TABLE archive_probe (id int)")
        let failing = try await cluster.primary.psql("SELECT pg_walfile_name(pg_switch_wal())")
        try await cluster.primary.waitFor("SELECT last_failed_wal = '\(failing)' FROM pg_stat_archiver", toPrint: "t", timeout: .seconds(30))
        _ = try await harness.reconcile()
        healthy = try harness.condition(StatusComputer.backupHealthy)
        #expect(healthy?.status == "False" && healthy?.reason == "ArchivingFailed", "\(String(describing: healthy))")
        #expect(healthy?.message.contains(failing) == true, "names the segment: \(healthy?.message ?? "")")
        #expect(try harness.cluster()?.status?.backup?.archive?.lastFailedWAL == failing)

        // Mended: the archiver retries (woken by the next segment) and succeeds.
        chmod(archive, 0o750)
        try await Self.archiveNow(cluster)
        _ = try await harness.reconcile()
        healthy = try harness.condition(StatusComputer.backupHealthy)
        #expect(healthy?.status == "True", "\(String(describing: healthy))")
        #expect(try harness.cluster()?.status?.phase == .healthy)
    }

    @Test("an S3 repository (moto's S3-compatible server under gunicorn, over verified HTTPS): archiving, a full backup and a restore of the latest",
          .enabled(if: S3TestServer.unavailableReason == nil, "needs moto and gunicorn on PATH (scripts/setup.sh installs them)"))
    func s3Repository() async throws {
        let s3 = try await S3TestServer.start()
        defer { s3.stop() }
        let spec = BackupSpec(repository: BackupRepository(s3: S3Repository(
            endpoint: "localhost:\(s3.port)", region: "us-east-1", bucket: s3.bucket, credentialsSecret: "orders-s3",
            uriStyle: "path", caSecret: "orders-s3-ca")))
        // The pods get the keys from the Secret as these variables; any value opens moto.
        var environment: [String: String] = [:]
        for (variable, key) in PgBackRestConfig.credentialEnvironment { environment[variable] = "test-\(key)" }
        let (cluster, pgbackrest) = try await Self.archivingCluster(
            replicas: 0, backup: try #require(ResolvedBackup(spec, cluster: "orders", namespace: "shop")), environment: environment,
            storageCAFile: s3.authorityFile)
        defer { Task { await cluster.shutdown(); Self.remove(pgbackrest) } }
        let config = try String(contentsOfFile: pgbackrest.layout.configFile, encoding: .utf8)
        #expect(config.contains("repo1-type=s3\n") && config.contains("repo1-storage-port=\(s3.port)\n")
                && config.contains("repo1-path=/shop/orders\n") && !config.contains("test-"), "no credential in the file")

        _ = try await cluster.primary.psql("CREATE TABLE orders_log (id int)")
        try await pgbackrest.run(["--type=full", "backup"])
        _ = try await cluster.primary.psql("INSERT INTO orders_log SELECT generate_series(1, 25)")
        try await Self.archiveNow(cluster)
        let check = try await pgbackrest.run(["check"], check: false)
        #expect(check.status == 0, "pgbackrest check: \(check.stderr)")

        let (port, stopRestored) = try await Self.startRestored(cluster, pgbackrest, ["--type=default"], environment: environment)
        defer { stopRestored() }
        #expect(try await Self.psql(cluster, port: port, "SELECT count(*) FROM orders_log") == "25", "every archived row is restored")
    }
}
}
