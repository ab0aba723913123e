import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import PostgresTestSupport
import Foundation
import Testing

extension BackupSuites {
/// The operator's backup Jobs end to end: the operator (against the API test server) makes each
/// Job, the test runs it as its pod would (``BackupJobRunner``: the ConfigMap's script, real
/// pgBackRest through every instance's sidecar over mutual TLS with Ordinal's identity), and the
/// operator reads the outcome into status, conditions and Events. Real PostgreSQL; a directory
/// stands in for the repository volume.
@Suite("Backup Jobs made by the operator, with real pgBackRest and PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"),
       .enabled(if: PgBackRestFixture.unavailableReason == nil, "needs pgBackRest (Debian's pgbackrest package)"))
struct LiveBackupJobTests {
    /// A cluster archiving through pgBackRest with no stanza yet, each instance with Ordinal's
    /// sidecar, the operator for it, and the Jobs' runner.
    struct World {
        var cluster: PostgresTestCluster
        var fixture: PgBackRestFixture
        var sidecars: [LiveBackupServerTests.Sidecar]
        var harness: OperatorHarness
        var runner: BackupJobRunner

        func stop() async {
            await harness.stop()
            for sidecar in sidecars { await sidecar.process.stop() }
            await cluster.shutdown()
            LiveBackupTests.remove(fixture)
        }

        func backup() throws -> BackupStatus? { try harness.cluster()?.status?.backup }
        func healthy() throws -> Condition? { try harness.condition(StatusComputer.backupHealthy) }

        /// Sets the annotation `ordinal backup` sets, and waits until the cache has it.
        func request(_ id: String, type: String? = nil) async throws {
            var stored = try #require(try harness.cluster())
            var annotations = stored.metadata.annotations ?? [:]
            annotations[ClusterLabels.backupRequestAnnotation] = id
            annotations[ClusterLabels.backupTypeAnnotation] = type
            stored.metadata.annotations = annotations
            _ = try harness.server.put(stored)
            try await harness.eventually("the cache sees the request") {
                harness.run.controller.caches.clusters.get(namespace: harness.namespace, name: "orders")?
                    .metadata.annotations?[ClusterLabels.backupRequestAnnotation] == id
            }
        }

        func eventReasons() -> [String] {
            harness.server.objects(in: ResourceKey(Event.self)).compactMap { $0["reason"]?.stringValue }
        }
    }

    /// The bucket's keys, as a user stores them (`credentialsSecret`).
    static func credentials(_ keys: [String: String] = ["accessKeyId": "AKIAORDINALTEST", "secretAccessKey": "ordinal-test-secret-key"]) -> Secret {
        Secret(metadata: ObjectMeta(name: "orders-s3", namespace: "shop"), type: "Opaque", stringData: keys)
    }

    static func start(_ spec: BackupSpec, clock: WallClock, credentials: Bool = true) async throws -> World {
        // The operator is told of a bucket; the stand-ins for its pods and Jobs use a directory.
        let backup = LiveBackupTests.local
        let base = try PgBackRestFixture.makeBase()
        var parameters: [String: String] = [:]
        for (name, value) in PgBackRestConfig.archiveParameters(backup, layout: PgBackRestFixture.layout(base: base)) {
            parameters[name] = value
        }
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2, extraParameters: parameters)
        let fixture = try PgBackRestFixture(
            cluster: cluster, backup: backup,
            layout: PgBackRestFixture.layout(base: base, dataDirectory: cluster.primary.dataDirectory,
                                             socketDirectory: "\(cluster.root)/run", port: cluster.primary.port))
        let identityDirectory = "\(base)/identity"
        try LiveBackupServerTests.write(try LiveBackupServerTests.identity(), to: identityDirectory, user: cluster.user)
        var sidecars: [LiveBackupServerTests.Sidecar] = []
        for instance in cluster.instances {
            sidecars.append(try await LiveBackupServerTests.startSidecar(
                cluster, instance, backup: backup, base: base, identityDirectory: identityDirectory))
        }
        let harness = try await LivePostgresTests.harness(for: cluster, clock: clock, failoverDelay: 3600) { $0.backup = spec }
        if credentials { _ = try harness.server.put(Self.credentials()) }
        let runner = BackupJobRunner(
            harness: harness, cluster: cluster, backup: backup, base: base, targets: sidecars.map(\.target),
            identityDirectory: identityDirectory)
        return World(cluster: cluster, fixture: fixture, sidecars: sidecars, harness: harness, runner: runner)
    }

    @Test("the operator makes the stanza, takes an asked-for full backup and a scheduled differential, reports each in status and Events, turns BackupHealthy False with pgBackRest's error when a backup fails, prunes old Jobs, and what it backed up restores")
    func jobsEndToEnd() async throws {
        let time = MovableClock()
        var spec = LiveBackupTests.spec
        spec.schedule = BackupSchedule(differential: "0 * * * *")
        let world = try await Self.start(spec, clock: time.clock, credentials: false)
        defer { Task { await world.stop() } }
        let (cluster, runner) = (world.cluster, world.runner)

        // No Job without the bucket's keys: it would wait in CreateContainerConfigError for a day.
        _ = try await runner.reconcile { try world.healthy()?.reason == "BackupSecretMissing" }
        let missing = try world.healthy()
        #expect(missing?.message.contains("Secret orders-s3 does not exist in shop") == true, "\(String(describing: missing))")
        _ = try world.harness.server.put(Self.credentials(["accessKeyId": "AKIAORDINALTEST"]))
        _ = try await runner.reconcile { try world.healthy()?.message.contains("Secret orders-s3 has no secretAccessKey") == true }
        #expect(world.harness.server.objects(in: ResourceKey(Job.self)).isEmpty, "no Job while a key is missing")
        _ = try world.harness.server.put(Self.credentials())

        // The stanza first: archiving fails until it exists, then works.
        var runs = try await runner.reconcile { try world.backup()?.stanza != nil }
        #expect(runs.map(\.action) == ["stanza-create"] && runs.first?.status == 0, "\(runs.map { ($0.job, $0.status, $0.output) })")
        #expect(runs.first?.job.hasPrefix("orders-init-") == true)
        try await LiveBackupTests.archiveNow(cluster)
        runs = try await runner.reconcile {
            try world.healthy()?.status == "True" && world.harness.cluster()?.status?.phase == .healthy
        }
        #expect(runs.isEmpty, "nothing else runs without a request or a due schedule: \(runs.map(\.job))")
        let schedule = try #require(try world.backup()?.schedules?.first)
        #expect(schedule.type == "diff" && schedule.nextScheduleTime != nil)

        // Asked for (what `ordinal backup` sets), under writes.
        _ = try await cluster.primary.psql("CREATE TABLE orders_log (id bigserial PRIMARY KEY, batch text)")
        _ = try await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'first' FROM generate_series(1, 40)")
        let writer = Task {
            while !Task.isCancelled {
                _ = try? await cluster.primary.psql("INSERT INTO orders_log (batch) SELECT 'during' FROM generate_series(1, 10)")
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        try await world.request("20261207T230000Z")
        runs = try await runner.reconcile { try world.backup()?.lastBackup != nil }
        writer.cancel()
        #expect(runs.count == 1 && runs.first?.action == "full" && runs.first?.status == 0, "\(runs.map { ($0.job, $0.output) })")
        let full = try #require(try world.backup()?.lastBackup)
        let taken = try await LiveBackupServerTests.backups(world.fixture)
        #expect(taken.count == 1 && (taken.last?["label"] as? String) == full.label, "status names the backup pgBackRest holds: \(full)")
        #expect(full.type == "full" && (full.size ?? 0) > 1_000_000 && (full.repositorySize ?? 0) > 0, "\(full)")
        #expect(full.startTime != nil && full.stopTime != nil && full.job == runs.first?.job)
        #expect(try world.backup()?.lastRequest == "20261207T230000Z")
        try await world.harness.eventually("the Events say it") {
            world.eventReasons().contains("StanzaCreated") && world.eventReasons().contains("BackupSucceeded")
        }
        #expect(try world.healthy()?.message.contains(full.label ?? "?") == true)
        let labels = "{namespace=\"shop\",cluster=\"orders\"}"
        var metrics = world.harness.metrics.render()
        #expect(metrics.contains("ordinal_backup_healthy\(labels) 1") && metrics.contains("ordinal_backup_failing\(labels) 0"), "\(metrics)")
        #expect(metrics.contains("ordinal_backup_last_size_bytes\(labels) \(full.size ?? -1)"))
        let lag = try #require(try world.backup()?.archive?.lagBytes, "the archive lag is in status")
        #expect(lag >= 0 && lag < 4 * ArchiverFacts.segmentBytes, "\(lag)")
        #expect(metrics.contains("ordinal_archive_lag_bytes\(labels) "))
        #expect(metrics.contains("ordinal_backup_last_success_timestamp_seconds\(labels) \(Int64(KubeTime.parse(full.stopTime ?? "") ?? -1))"))

        // The differential schedule's next hour comes.
        let next = try #require(schedule.nextScheduleTime.flatMap(KubeTime.parse))
        time.advance(next - time.clock.now() + 5)
        runs = try await runner.reconcile { try world.backup()?.lastBackup?.type == "diff" }
        #expect(runs.map(\.job) == ["orders-diff-\(ClusterNames.minuteID(next))"] && runs.first?.status == 0, "\(runs.map { ($0.job, $0.output) })")
        #expect(try world.backup()?.schedules?.first?.lastScheduleTime == KubeTime.format(next))

        // The repository's backup directory breaks: the asked-for backup fails and says why.
        let backups = "\(world.fixture.repository)/backup/orders"
        chmod(backups, 0o000)
        try await world.request("broken")
        runs = try await runner.reconcile { try world.healthy()?.reason == "BackupFailed" }
        chmod(backups, 0o750)
        #expect(runs.count == 1 && runs.first?.status != 0)
        let failed = try #require(try world.healthy())
        #expect(failed.status == "False" && failed.message.contains("ERROR: ["), "pgBackRest's own words: \(failed.message)")
        #expect(try world.backup()?.lastFailure?.job == runs.first?.job)
        #expect(world.eventReasons().contains("BackupFailed"))
        metrics = world.harness.metrics.render()
        #expect(metrics.contains("ordinal_backup_healthy\(labels) 0") && metrics.contains("ordinal_backup_failing\(labels) 1"))

        // Mended: the next one succeeds and the condition clears.
        try await world.request("mended", type: "incr")
        runs = try await runner.reconcile { try world.healthy()?.status == "True" && world.backup()?.lastBackup?.type == "incr" }
        #expect(runs.count == 1 && runs.first?.status == 0, "\(runs.map { ($0.job, $0.output) })")

        // Old Jobs go once status holds them: the newest three that succeeded, the newest that failed.
        _ = try await world.harness.reconcile()
        try await world.harness.settle()
        _ = try await world.harness.reconcile()
        let jobs = world.harness.server.objects(in: ResourceKey(Job.self)).compactMap { $0["metadata"]?["name"]?.stringValue }
        #expect(jobs.count == ClusterDefaults.succeededBackupJobsKept + ClusterDefaults.failedBackupJobsKept, "\(jobs)")
        #expect(!jobs.contains { $0.hasPrefix("orders-init-") }, "the oldest, the stanza's, was pruned: \(jobs)")
        #expect(try world.backup()?.stanza != nil, "what it did stays in status")

        // What the operator's Jobs backed up restores, every row archived.
        try await LiveBackupTests.archiveNow(cluster)
        let rows = try await cluster.primary.psql("SELECT count(*) FROM orders_log")
        let (port, stopRestored) = try await LiveBackupTests.startRestored(cluster, world.fixture, [])
        defer { stopRestored() }
        #expect(try await LiveBackupTests.psql(cluster, port: port, "SELECT count(*) FROM orders_log") == rows)
    }
}
}
