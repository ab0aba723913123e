@testable import ClusterModel
import KubeTypes
import Testing

/// pgBackRest's configuration as Ordinal renders it, and what `BackupHealthy` says of a
/// primary's archiver.
struct BackupPlanTests {
    static func cluster(_ spec: BackupSpec?) -> ResolvedCluster {
        var cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop"),
            spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "10Gi")))
        cluster.spec.backup = spec
        return ResolvedCluster(cluster)
    }

    static let s3 = BackupSpec(repository: BackupRepository(s3: S3Repository(
        endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", bucket: "backups", credentialsSecret: "s3-creds")))

    @Test func anS3RepositoryHasItsSettingsAndNoCredentials() throws {
        let backup = try #require(Self.cluster(Self.s3).backup)
        let text = PgBackRestConfig.render(backup)
        for line in ["[global]", "repo1-type=s3", "repo1-s3-endpoint=s3.eu-west-1.amazonaws.com", "repo1-s3-region=eu-west-1",
                     "repo1-s3-bucket=backups", "repo1-path=/shop/orders", "repo1-s3-uri-style=host", "repo1-storage-verify-tls=y",
                     "repo1-retention-full=2", "[orders]", "pg1-path=/var/lib/postgresql/data/pgdata", "pg1-port=5432"] {
            #expect(text.contains("\(line)\n"), "\(line)")
        }
        #expect(!text.contains("s3-key"), "credentials come from the Secret as environment variables, never the file")
    }

    @Test func archivingGoesIntoTheRevisionAndTheConfigurationIntoTheSharedConfigMap() throws {
        let plain = Self.cluster(nil)
        let archiving = Self.cluster(Self.s3)
        let conf = ConfigMapBuilder.revisionConf(archiving, contexts: [:])
        #expect(conf.contains("archive_mode = 'on'") || conf.contains("archive_mode = on"), "\(conf)")
        #expect(conf.contains("pgbackrest --config=/etc/ordinal/config/pgbackrest.conf --stanza=orders archive-push %p"))
        #expect(ConfigMapBuilder.revisionHash(plain) != ConfigMapBuilder.revisionHash(archiving), "turning archiving on is a restart, walked")
        #expect(ConfigMapBuilder.build(archiving).data?[PgBackRestConfig.key]?.contains("repo1-type=s3") == true)
        #expect(ConfigMapBuilder.build(plain).data?[PgBackRestConfig.key] == nil)
        // A cluster without backups keeps its pod template (no new projected key).
        #expect(!ConfigMapBuilder.sharedPodKeys(plain).contains(PgBackRestConfig.key))
        #expect(ConfigMapBuilder.sharedPodKeys(archiving).contains(PgBackRestConfig.key))
    }

    @Test func podsGetTheCredentialsFromTheSecretTheCAAndTheImageCheck() throws {
        var spec = Self.s3
        spec.repository.s3?.caSecret = "s3-ca"
        let template = try #require(StatefulSetBuilder.build(Self.cluster(spec)).spec?.template.spec)
        let postgres = try #require(template.containers.first { $0.name == PodLayout.containerName })
        let key = postgres.env?.first { $0.name == "PGBACKREST_REPO1_S3_KEY" }
        #expect(key?.value == nil && key?.valueFrom?.secretKeyRef == KeySelector(name: "s3-creds", key: "accessKeyId"))
        #expect(postgres.env?.first { $0.name == "PGBACKREST_REPO1_S3_KEY_SECRET" }?.valueFrom?.secretKeyRef?.key == "secretAccessKey")
        #expect(postgres.volumeMounts?.contains { $0.name == "backup-ca" && $0.mountPath == "/etc/ordinal/backup-ca" } == true)
        #expect(template.volumes?.first { $0.name == "backup-ca" }?.secret?.secretName == "s3-ca")
        let bootstrap = try #require(template.initContainers?.first)
        #expect(bootstrap.env?.contains { $0.name == "ORDINAL_BACKUP" && $0.value == "pgbackrest" } == true)
        #expect(PgBackRestConfig.render(try #require(Self.cluster(spec).backup)).contains("repo1-storage-ca-file=/etc/ordinal/backup-ca/ca.crt\n"))

        // Without backups none of it, so the template stays as it was.
        let plain = try #require(StatefulSetBuilder.build(Self.cluster(nil)).spec?.template.spec)
        #expect(plain.volumes?.contains { $0.name == "backup-ca" } == false)
        #expect(plain.containers.allSatisfy { $0.env?.contains { $0.name.hasPrefix("PGBACKREST") || $0.name == "ORDINAL_BACKUP" } == false })
    }

    @Test func everyPodRunsPgBackRestsServerBesidePostgreSQLAdmittingOnlyTheBackupIdentity() throws {
        let cluster = Self.cluster(Self.s3)
        let backup = try #require(cluster.backup)
        let template = try #require(StatefulSetBuilder.build(cluster).spec?.template.spec)
        #expect(template.containers.map(\.name) == ["postgres", "pgbackrest"])
        let sidecar = try #require(template.containers.last)
        #expect(sidecar.command == ["bash", "/etc/ordinal/config/backup-server.sh"] && sidecar.image == cluster.image)
        #expect(sidecar.ports?.first?.containerPort == 8432)
        #expect(sidecar.readinessProbe == nil, "a backup problem must not take a serving instance out of the Services")
        #expect(sidecar.securityContext == StatefulSetBuilder.restrictedSecurityContext())
        #expect(sidecar.env?.contains { $0.name == "PGBACKREST_REPO1_S3_KEY" } == true)
        for container in template.containers {
            #expect(container.volumeMounts?.contains { $0.name == "backup-tls" && $0.mountPath == "/etc/ordinal/backup-tls" && $0.readOnly == true } == true)
        }
        let identity = try #require(template.volumes?.first { $0.name == "backup-tls" }?.secret)
        #expect(identity.secretName == "orders-backup-tls" && identity.defaultMode == 0o640)
        #expect(ConfigMapBuilder.sharedPodKeys(cluster).contains("backup-server.sh"))

        let server = PgBackRestConfig.render(backup)
        for line in ["tls-server-address=0.0.0.0", "tls-server-port=8432", "tls-server-cert-file=/etc/ordinal/backup-tls/tls.crt",
                     "tls-server-key-file=/etc/ordinal/backup-tls/tls.key", "tls-server-ca-file=/etc/ordinal/backup-tls/tls.crt",
                     "tls-server-auth=ordinal-backup=orders"] {
            #expect(server.contains("\(line)\n"), "\(line)")
        }
        // The Jobs' file: every pod by its stable name, over TLS with the identity; no server of its own.
        let job = try #require(ConfigMapBuilder.build(cluster).data?[PgBackRestConfig.jobKey])
        for ordinal in 0..<3 {
            let pg = "pg\(ordinal + 1)"
            for line in ["\(pg)-host=orders-\(ordinal).orders-headless.shop.svc.cluster.local", "\(pg)-host-type=tls", "\(pg)-host-port=8432",
                         "\(pg)-host-cert-file=/etc/ordinal/backup-tls/tls.crt", "\(pg)-host-ca-file=/etc/ordinal/backup-tls/tls.crt",
                         "\(pg)-path=/var/lib/postgresql/data/pgdata"] {
                #expect(job.contains("\(line)\n"), "\(line)")
            }
        }
        #expect(!job.contains("pg4-") && !job.contains("tls-server") && !job.contains("backup-standby"))
        var fromReplica = backup
        fromReplica.fromReplica = true
        #expect(PgBackRestConfig.renderJob(fromReplica, targets: PgBackRestConfig.Target.pods(cluster)).contains("backup-standby=y\n"))

        // Without backups: one container, no identity, no Job file.
        let plain = try #require(StatefulSetBuilder.build(Self.cluster(nil)).spec?.template.spec)
        #expect(plain.containers.count == 1 && plain.volumes?.contains { $0.name == "backup-tls" } == false)
        #expect(ConfigMapBuilder.build(Self.cluster(nil)).data?[PgBackRestConfig.jobKey] == nil)
    }

    static func report(_ archiver: ArchiverFacts?, primary: Bool = true) -> InstanceReport {
        var facts = DatabaseFacts(isInRecovery: !primary, serverVersionNumber: 160004)
        facts.archiver = archiver
        return InstanceReport(podName: "orders-0", database: facts)
    }

    @Test(arguments: [
        (ArchiverFacts(mode: "on", archivedCount: 4, lastArchivedWAL: "000000010000000000000004", lastArchivedAt: 1000), true, "Archiving"),
        (ArchiverFacts(mode: "on", archivedCount: 4, lastArchivedWAL: "000000010000000000000004", lastArchivedAt: 1000,
                       failedCount: 3, lastFailedWAL: "000000010000000000000005", lastFailedAt: 1010), false, "ArchivingFailed"),
        (ArchiverFacts(mode: "on", archivedCount: 5, lastArchivedWAL: "000000010000000000000005", lastArchivedAt: 1020,
                       failedCount: 3, lastFailedWAL: "000000010000000000000005", lastFailedAt: 1010), true, "Archiving"),
        (ArchiverFacts(mode: "on", failedCount: 1, lastFailedWAL: "000000010000000000000001", lastFailedAt: 1010), false, "ArchivingFailed"),
        (ArchiverFacts(mode: "on"), false, "ArchivingNotStarted"),
        (ArchiverFacts(mode: "off"), false, "ArchivingOff"),
    ])
    func healthFollowsTheArchiver(archiver: ArchiverFacts, healthy: Bool, reason: String) throws {
        let resolved = Self.cluster(Self.s3)
        var previous = PostgresClusterStatus()
        previous.backup = BackupStatus()
        previous.backup?.stanza = StanzaStatus(repository: try #require(resolved.backup).repositoryFingerprint)
        let plan = BackupPlan(resolved: resolved, previous: previous, primary: "orders-0", report: Self.report(archiver))
        let health = try #require(plan.health)
        #expect(health.0 == healthy && health.1.rawValue == reason, "\(health.2)")
        #expect(plan.status?.archive?.lastFailedWAL == archiver.lastFailedWAL)
        if reason == "ArchivingFailed" { #expect(health.2.contains(archiver.lastFailedWAL ?? "?")) }
    }

    @Test func withoutBackupThereIsNoConditionAndWithoutAPrimaryTheLastWordStaysUnconfirmed() {
        #expect(BackupPlan(resolved: Self.cluster(nil), previous: nil, primary: "orders-0", report: Self.report(ArchiverFacts(mode: "on"))).health == nil)
        var previous = PostgresClusterStatus()
        previous.backup = BackupStatus(archive: ArchiveStatus(primary: "orders-0", lastArchivedWAL: "000000010000000000000009"))
        previous.backup?.stanza = StanzaStatus(repository: Self.cluster(Self.s3).backup?.repositoryFingerprint ?? "")
        let blind = BackupPlan(resolved: Self.cluster(Self.s3), previous: previous, primary: nil, report: nil)
        #expect(blind.health?.0 == false && blind.health?.1 == .archiveUnknown)
        #expect(blind.status == previous.backup, "the last archived segment stays in status")
        #expect(blind.health?.2.contains("000000010000000000000009") == true)
    }

    @Test func theArchiveLagIsWhatThePrimaryWrotePastTheLastArchivedSegment() throws {
        let segment = ArchiverFacts.segmentBytes
        #expect(ArchiverFacts.endPosition(ofSegment: "000000010000000000000004") == 5 * segment)
        #expect(ArchiverFacts.endPosition(ofSegment: "0000000200000001000000FF") == (Int64(1) << 32) + 256 * segment)
        #expect(ArchiverFacts.endPosition(ofSegment: "000000010000000000000009.00000028.backup") == 10 * segment)
        #expect(ArchiverFacts.endPosition(ofSegment: "00000002.history") == nil)
        let archiver = ArchiverFacts(mode: "on", archivedCount: 4, lastArchivedWAL: "000000010000000000000004", lastArchivedAt: 1000)
        #expect(archiver.lagBytes(at: 0x5000060) == 0x60, "96 bytes into the segment after it")
        #expect(archiver.lagBytes(at: 0x4FFFFFF) == 0, "never negative")
        #expect(archiver.lagBytes(at: nil) == nil)

        var facts = DatabaseFacts(isInRecovery: false, serverVersionNumber: 160004)
        facts.archiver = archiver
        facts.walPosition = 0x7000000
        var previous = PostgresClusterStatus()
        previous.backup = BackupStatus()
        previous.backup?.stanza = StanzaStatus(repository: try #require(Self.cluster(Self.s3).backup).repositoryFingerprint)
        let plan = BackupPlan(resolved: Self.cluster(Self.s3), previous: previous, primary: "orders-0",
                              report: InstanceReport(podName: "orders-0", database: facts))
        #expect(plan.status?.archive?.lagBytes == 2 * segment)
    }

    /// Found on a real API server: with pods Pending (no primary), the message quoted the last
    /// one, so it grew every round until the API server refused the status (32768 bytes) in a
    /// hot loop. The status a plan writes must be a fixed point of the next plan.
    @Test func withNoPrimaryTheStatusIsAFixedPointAndMessagesAreBounded() throws {
        var cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop", generation: 1),
            spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "10Gi")))
        cluster.spec.backup = Self.s3
        var written: [PostgresClusterStatus] = []
        for round in 0..<4 {
            let observation = ClusterObservation(
                cluster: cluster, now: 1_796_684_430 + Double(round),
                secrets: Dictionary(uniqueKeysWithValues: SecretRole.allCases.map { ($0, .present(username: "u", hasPassword: true)) }),
                pods: (0..<3).map { PodObservation(name: "orders-\($0)", isReady: false) })
            let status = ClusterPlanner.plan(observation).status
            written.append(status)
            cluster.status = status
        }
        #expect(written[2] == written[3], "the status settles: no write every round")
        let message = try #require(written[3].conditions?.first { $0.type == StatusComputer.backupHealthy }?.message)
        #expect(message.utf8.count < 1_000, "\(message)")
        #expect(StatusComputer.bounded(String(repeating: "é", count: 5_000)).utf8.count <= StatusComputer.messageLimit)
    }
}
