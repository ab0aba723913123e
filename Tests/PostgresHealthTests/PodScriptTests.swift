import Foundation
import PostgresHealth
import PostgresTestSupport
import Testing

@Suite("Pod scripts: shellcheck")
struct PodScriptLintTests {
    static let scripts = ["bootstrap-replica.sh", "init-primary.sh"].map {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ClusterModel/PodScripts/\($0)").path
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/shellcheck"), "needs shellcheck (apt-get install shellcheck)"))
    func scriptsPassShellcheck() async throws {
        let user = try FixtureUser.current()
        let output = try await FixtureProcess.run(["/usr/bin/shellcheck", "--severity=style"] + Self.scripts, as: user, check: false)
        #expect(output.status == 0, "\(output.stdout)")
    }
}

extension LiveClusterTests {
    @Suite("Pod scripts on live servers")
    struct PodScriptTests {
        @Test func replicaBootstrappedByTheScriptStreamsWritesFromThePrimary() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            try await cluster.primary.psql(
                "CREATE TABLE IF NOT EXISTS visible (id int primary key, note text); INSERT INTO visible VALUES (1, 'from the primary') ON CONFLICT DO NOTHING")
            for replica in cluster.replicas {
                try await replica.waitFor("SELECT note FROM visible WHERE id = 1", toPrint: "from the primary")
                #expect(try await replica.psql("SELECT pg_is_in_recovery()") == "t")
                #expect(FileManager.default.fileExists(atPath: "\(replica.dataDirectory)/standby.signal"))
            }
        }

        @Test func rerunningTheBootstrapOnAReplicaWithDataLeavesTheDataAlone() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let replica = cluster.replicas[0]
            try await cluster.primary.psql("CREATE TABLE IF NOT EXISTS kept (n int); INSERT INTO kept VALUES (7)")
            try await replica.waitFor("SELECT count(*) > 0 FROM kept", toPrint: "t")
            let identifier = try await replica.psql("SELECT system_identifier FROM pg_control_system()")
            try await replica.stop()
            let marker = try String(contentsOfFile: "\(replica.dataDirectory)/PG_VERSION", encoding: .utf8)
            let output = try await cluster.runBootstrapScript(for: replica)
            #expect(output.stderr.contains("keeping it"))
            try await replica.start()
            #expect(try String(contentsOfFile: "\(replica.dataDirectory)/PG_VERSION", encoding: .utf8) == marker)
            #expect(try await replica.psql("SELECT system_identifier FROM pg_control_system()") == identifier)
            #expect(try await replica.psql("SELECT count(*) > 0 FROM kept") == "t")
            try await cluster.waitForStreaming(applicationName: replica.podName)
        }

        @Test func initScriptIsSafeToRerunAndItsRolesWork() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            var environment = cluster.primary.podEnvironment(primaryPort: cluster.primary.port)
            environment["PGHOST"] = cluster.root + "/run"
            let output = try await FixtureProcess.run(["/bin/bash", cluster.initScript], as: cluster.user, environment: environment)
            #expect(output.stderr.contains("done"))
            #expect(!output.stderr.contains(cluster.appPassword) && !output.stderr.contains(cluster.replicationPassword))
            #expect(try await cluster.primary.psql("SELECT rolreplication FROM pg_roles WHERE rolname = 'streaming_replica'") == "t")
            #expect(try await cluster.primary.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'") == "app")

            // The app owner logs in over TCP with its Secret's password (scram-sha-256) ...
            let app = ConnectionSettings(
                host: "127.0.0.1", port: cluster.primary.port, user: "app", password: PostgresPassword(cluster.appPassword),
                database: "app", sslMode: "require")
            let connection = try await PostgresConnection.connect(app)
            defer { connection.close() }
            _ = try await connection.query("CREATE TABLE IF NOT EXISTS owned_by_app (n int)")
            // ... and may not open a replication connection: pg_hba allows that for the replication user only.
            let basebackup = try await FixtureProcess.run(
                [cluster.primary.binaries.path("pg_basebackup"), "-h", "127.0.0.1", "-p", String(cluster.primary.port),
                 "-U", "app", "-D", cluster.root + "/never", "--no-password"],
                as: cluster.user, environment: ["PGPASSWORD": cluster.appPassword], check: false)
            #expect(basebackup.status != 0)
            #expect(basebackup.stderr.contains("no pg_hba.conf entry for replication connection"))
        }

        @Test func bootstrapFailsLoudlyWhenThePrimaryNeverAnswers() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            let replica = cluster.replicas[0]
            let closed = try PostgresTestCluster.freePort()
            let started = ContinuousClock.now
            let output = try await FixtureProcess.run(
                ["/bin/bash", cluster.bootstrapScript], as: cluster.user,
                environment: replica.podEnvironment(primaryPort: closed).merging([
                    "PGDATA": cluster.root + "/pods/orders-7/data/pgdata", "POD_NAME": "orders-7",
                    "ORDINAL_PRIMARY_WAIT_SECONDS": "2",
                ]) { $1 },
                check: false)
            #expect(output.status != 0)
            #expect(output.stderr.contains("ERROR: the primary 127.0.0.1:\(closed) did not accept connections within 2s"))
            #expect(ContinuousClock.now - started < .seconds(15))
        }

        @Test func bootstrapFailsLoudlyWithoutTheReplicationSecret() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            let output = try await FixtureProcess.run(
                ["/bin/bash", cluster.bootstrapScript], as: cluster.user,
                environment: cluster.replicas[0].podEnvironment(primaryPort: cluster.primary.port).merging([
                    "PGDATA": cluster.root + "/pods/orders-8/data/pgdata", "POD_NAME": "orders-8",
                    "ORDINAL_SECRETS_DIR": cluster.root + "/no-secrets",
                ]) { $1 },
                check: false)
            #expect(output.status != 0)
            #expect(output.stderr.contains("ERROR: secret file \(cluster.root)/no-secrets/replication/password is missing"))
        }

        @Test("pod 0 with an empty data directory in a bootstrapped cluster stops with DataDirectoryLost instead of letting initdb run")
        func emptiedPodZeroWaitsInsteadOfInitdb() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            let pod = cluster.root + "/pods/lost-0"
            let config = cluster.root + "/lost-config"
            try FileManager.default.createDirectory(atPath: pod + "/data", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
            try cluster.user.own(pod)
            try cluster.user.own(config)
            let environment = cluster.replicas[0].podEnvironment(primaryPort: cluster.primary.port).merging([
                "PGDATA": pod + "/data/pgdata", "POD_NAME": "orders-0", "ORDINAL_CONFIG_DIR": config,
                "ORDINAL_TERMINATION_LOG": pod + "/termination-log",
            ]) { $1 }

            // Never bootstrapped: the image's initdb makes the first primary.
            let first = try await FixtureProcess.run(["/bin/bash", cluster.bootstrapScript], as: cluster.user, environment: environment, check: false)
            #expect(first.status == 0)
            #expect(first.stderr.contains("never bootstrapped"))

            // Bootstrapped (the operator wrote the identifier): the pod waits, and says why.
            try "7312000000000000001".write(toFile: config + "/system-identifier", atomically: true, encoding: .utf8)
            try cluster.user.own(config + "/system-identifier")
            let second = try await FixtureProcess.run(["/bin/bash", cluster.bootstrapScript], as: cluster.user, environment: environment, check: false)
            #expect(second.status != 0)
            #expect(second.stderr.contains("DataDirectoryLost"))
            let message = try String(contentsOfFile: pod + "/termination-log", encoding: .utf8)
            #expect(message.hasPrefix("DataDirectoryLost: orders-0's data directory is empty"))
            #expect(message.contains("7312000000000000001"))
            #expect(!FileManager.default.fileExists(atPath: pod + "/data/pgdata/PG_VERSION"))
        }

        @Test("with backups on, an image without pgBackRest stops the pod with ImageWithoutPgBackRest before anything is touched")
        func backupsNeedPgBackRestInTheImage() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            let pod = cluster.root + "/pods/nobackrest-3"
            try FileManager.default.createDirectory(atPath: pod + "/data", withIntermediateDirectories: true)
            try cluster.user.own(pod)
            let environment = cluster.replicas[0].podEnvironment(primaryPort: cluster.primary.port).merging([
                "PGDATA": pod + "/data/pgdata", "POD_NAME": "orders-3", "ORDINAL_TERMINATION_LOG": pod + "/termination-log",
                "ORDINAL_BACKUP": "pgbackrest", "ORDINAL_PGBACKREST": "/nonexistent/pgbackrest",
            ]) { $1 }
            let output = try await FixtureProcess.run(["/bin/bash", cluster.bootstrapScript], as: cluster.user, environment: environment, check: false)
            #expect(output.status != 0)
            let message = try String(contentsOfFile: pod + "/termination-log", encoding: .utf8)
            #expect(message.hasPrefix("ImageWithoutPgBackRest: spec.backup archives through pgBackRest"), "\(message)")
            #expect(!FileManager.default.fileExists(atPath: pod + "/data/pgdata"), "nothing was cloned")
        }

        @Test func bootstrapRefusesANonEmptyDataDirectoryWithoutACluster() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            let data = cluster.root + "/pods/orders-6/data/pgdata"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try "precious".write(toFile: data + "/somebody.txt", atomically: true, encoding: .utf8)
            try cluster.user.own(cluster.root + "/pods/orders-6")
            let output = try await FixtureProcess.run(
                ["/bin/bash", cluster.bootstrapScript], as: cluster.user,
                environment: cluster.replicas[0].podEnvironment(primaryPort: cluster.primary.port).merging([
                    "PGDATA": data, "POD_NAME": "orders-6",
                ]) { $1 },
                check: false)
            #expect(output.status != 0)
            #expect(output.stderr.contains("is not empty but holds no cluster"))
            #expect(try String(contentsOfFile: data + "/somebody.txt", encoding: .utf8) == "precious")
        }
    }
}

@Suite("Pod scripts: recovery from an interrupted bootstrap", .enabled(if: PostgresBinaries.isAvailable, realPostgresMissing))
struct BootstrapRecoveryTests {
    @Test func bootstrapRestartsFromALeftoverStagingFolderAndReusesAnExistingSlot() async throws {
        let cluster = try await PostgresTestCluster.start(name: "again", replicas: 0)
        defer { cluster.shutdownNow() }
        let replica = try cluster.addUnbootstrappedReplica()
        // What a killed pg_basebackup leaves: a half-filled staging folder and its slot.
        let staging = replica.dataDirectory + ".bootstrap"
        try FileManager.default.createDirectory(atPath: staging + "/base", withIntermediateDirectories: true)
        try "half".write(toFile: staging + "/base/garbage", atomically: true, encoding: .utf8)
        try cluster.user.own(staging)
        try await cluster.primary.psql("SELECT pg_create_physical_replication_slot('again_1')")

        let output = try await cluster.runBootstrapScript(for: replica)
        #expect(output.stderr.contains("replication slot again_1 already exists on the primary: reusing it"))
        #expect(!FileManager.default.fileExists(atPath: staging))
        #expect(!FileManager.default.fileExists(atPath: replica.dataDirectory + "/base/garbage"))
        let passfile = try FileManager.default.attributesOfItem(atPath: replica.passfile)
        #expect((passfile[.posixPermissions] as? Int) == 0o600)

        try await cluster.primary.psql("CREATE TABLE after_retry AS SELECT 1 AS n")
        try await replica.start()
        try await cluster.waitForStreaming(applicationName: replica.podName)
        try await replica.waitFor("SELECT n FROM after_retry", toPrint: "1")
        #expect(try await cluster.primary.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'again_1'") == "t")
    }
}
