import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport
import Foundation
import Testing

/// Passwords follow the Secrets on real PostgreSQL: rotations of each of the three, standbys
/// streaming throughout (and reconnecting with the new password), the app Secret's derived keys,
/// and generated Secrets deleted from a running cluster.
@Suite("Passwords follow the Secrets, with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LivePasswordTests {
    /// True when `user` logs in to `instance` over TCP with `password`.
    static func logsIn(_ user: String, _ password: String, to instance: PostgresTestInstance, database: String = "postgres") async -> Bool {
        let settings = ConnectionSettings(
            host: instance.host, port: instance.port, user: user, password: PostgresPassword(password), database: database,
            sslMode: "require", connectTimeout: .seconds(5))
        guard let connection = try? await PostgresConnection.connect(settings) else { return false }
        connection.close()
        return true
    }

    static func secret(_ harness: OperatorHarness, _ name: String) throws -> [String: String] {
        let secret = try harness.server.object(Secret.self, namespace: harness.namespace, name: name)
        return secret.map(ClusterReconciler.decodedData) ?? [:]
    }

    /// Replaces `key`s of Secret `name` (what `kubectl edit` or a GitOps commit does).
    static func edit(_ harness: OperatorHarness, _ name: String, _ values: [String: String]) throws {
        var secret = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: name))
        var data = ClusterReconciler.decodedData(secret)
        for (key, value) in values { data[key] = value }
        secret.data = nil
        secret.stringData = data
        _ = try harness.server.put(secret)
    }

    static func version(_ harness: OperatorHarness, _ name: String) throws -> String? {
        try harness.server.object(Secret.self, namespace: harness.namespace, name: name)?.metadata.resourceVersion
    }

    func reconcile(_ harness: OperatorHarness, until condition: () async throws -> Bool, attempts: Int = 40) async throws {
        for _ in 0..<attempts {
            _ = try await harness.reconcile()
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("condition not reached; status: \(String(describing: try harness.cluster()?.status))")
    }

    @Test func rotatingEachPasswordReachesPostgreSQLAndStandbysKeepStreaming() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let logs = LogRecorder()
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600, logs: logs)
        defer { Task { await harness.stop() } }

        // Bootstrapped: every role's password is recorded as set from its Secret's version.
        try await reconcile(harness) {
            let status = try harness.cluster()?.status
            return status?.phase == .healthy && status?.passwords?.app != nil && status?.passwords?.superuser != nil
        }
        let start = try #require(try harness.cluster()?.status?.passwords)
        #expect(start.replication?.secretVersion == (try Self.version(harness, "orders-replication")))
        #expect(start.superuser?.primary == "orders-0")
        let app = try Self.secret(harness, "orders-app")
        let appPassword = try #require(app["password"])
        #expect(await Self.logsIn("app", appPassword, to: cluster.primary, database: "app"))
        // Once WAL positions settle, a round writes nothing: no password is set again.
        var steady = false
        for _ in 0..<20 where !steady {
            steady = try await harness.reconcile().writes == 0
        }
        #expect(steady)
        #expect(try harness.cluster()?.status?.passwords == start)

        // The app password is changed in its Secret: PostgreSQL follows within a round, the old
        // one is refused, and the Secret's uri, jdbc-uri and pgpass say the new one.
        let newApp = "rotated-app-" + String(UUID().uuidString.prefix(8))
        try Self.edit(harness, "orders-app", ["password": newApp])
        try await reconcile(harness) { await Self.logsIn("app", newApp, to: cluster.primary, database: "app") }
        #expect(!(await Self.logsIn("app", appPassword, to: cluster.primary, database: "app")))
        let rotatedApp = try Self.secret(harness, "orders-app")
        #expect(rotatedApp["uri"]?.contains(":\(newApp)@") == true)
        #expect(rotatedApp["jdbc-uri"]?.contains("password=\(newApp)") == true)
        #expect(rotatedApp["pgpass"]?.hasSuffix(":\(newApp)\n") == true)
        #expect(try harness.cluster()?.status?.passwords?.app?.secretVersion == (try Self.version(harness, "orders-app")))

        // The replication password: set on the primary, then every standby's passfile follows;
        // they stream throughout, and a standby restarted (its bootstrap does not run) streams
        // again with the new password.
        let newReplication = "rotated:repl\\" + String(UUID().uuidString.prefix(8))
        try Self.edit(harness, "orders-replication", ["password": newReplication])
        let expected = Passfile.content(user: cluster.replicationUser, password: PostgresPassword(newReplication))
        try await reconcile(harness) {
            cluster.replicas.allSatisfy { (try? String(contentsOfFile: $0.passfile, encoding: .utf8)) == expected }
        }
        #expect(await Self.logsIn(cluster.replicationUser, newReplication, to: cluster.primary))
        #expect(!(await Self.logsIn(cluster.replicationUser, cluster.replicationPassword, to: cluster.primary)))
        try await cluster.waitForStreaming(count: 2)
        try await cluster.replicas[0].restart()
        try await cluster.waitForStreaming(applicationName: "orders-1")
        try await cluster.waitForStreaming(count: 2)
        for replica in cluster.replicas {
            let mode = try FileManager.default.attributesOfItem(atPath: replica.passfile)[.posixPermissions] as? Int
            #expect(mode == 0o600, "libpq ignores a passfile others can read")
        }

        // The superuser password: the operator sets it with the one PostgreSQL held, then logs in
        // with the new one; probing goes on.
        let newSuperuser = "rotated-su-" + String(UUID().uuidString.prefix(8))
        try Self.edit(harness, "orders-superuser", ["password": newSuperuser])
        try await reconcile(harness) { await Self.logsIn("postgres", newSuperuser, to: cluster.primary) }
        #expect(!(await Self.logsIn("postgres", cluster.superuserPassword, to: cluster.primary)))
        try await reconcile(harness) { try harness.cluster()?.status?.passwords?.superuser?.secretVersion == (try Self.version(harness, "orders-superuser")) }
        #expect(try harness.cluster()?.status?.phase == .healthy)
        // Steady again once status shows the WAL the ALTER ROLE wrote: nothing more is set.
        var quiet = false
        for _ in 0..<5 where !quiet { quiet = try await harness.reconcile().writes == 0 }
        #expect(quiet)
        #expect(try await cluster.primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "2")

        // A password never reaches PostgreSQL's log (the statements carried a verifier, the
        // passfile line a bind parameter), nor any line the operator logged at any level, nor
        // an Event.
        let passwords = [appPassword, newApp, newReplication, newSuperuser, cluster.superuserPassword, cluster.replicationPassword]
        for instance in cluster.instances {
            let log = (try? String(contentsOfFile: instance.logFile, encoding: .utf8)) ?? ""
            for password in [appPassword, newApp, newReplication, newSuperuser] {
                #expect(!log.contains(password), "a password in \(instance.podName)'s server log")
            }
        }
        #expect(logs.all.count >= 10, "the operator's lines were recorded")
        #expect(logs.all.contains { $0.contains("set a password from its Secret") })
        for line in logs.all {
            for password in passwords { #expect(!line.contains(password), "a password in the operator's log: \(line)") }
        }
        for event in harness.server.objects(in: ResourceKey(Event.self)) {
            let text = "\(event)"
            for password in passwords { #expect(!text.contains(password), "a password in an Event") }
        }
    }

    @Test func aDeletedGeneratedSecretIsMadeAgainWithThePasswordPostgreSQLHolds() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        try await reconcile(harness) { try harness.cluster()?.status?.passwords?.app != nil }

        // Deleted while the operator runs: made again with the same passwords.
        let before = try ["orders-superuser", "orders-replication", "orders-app"].map { try Self.secret(harness, $0)["password"] }
        for name in ["orders-superuser", "orders-replication", "orders-app"] {
            harness.server.remove(in: ResourceKey(Secret.self), namespace: harness.namespace, name: name)
        }
        try await reconcile(harness) {
            try ["orders-superuser", "orders-replication", "orders-app"].allSatisfy { try Self.secret(harness, $0)["password"] != nil }
        }
        let after = try ["orders-superuser", "orders-replication", "orders-app"].map { try Self.secret(harness, $0)["password"] }
        #expect(after == before)
        #expect(await Self.logsIn("postgres", cluster.superuserPassword, to: cluster.primary))
        try await reconcile(harness) {
            try harness.cluster()?.status?.passwords?.app?.secretVersion == (try Self.version(harness, "orders-app"))
                && harness.cluster()?.status?.phase == .healthy
        }

        // The app Secret is deleted while the operator is down (its memory is gone when it
        // starts again): a new password is drawn and set in PostgreSQL.
        let options = harness.run.controller.options
        await harness.run.stop()
        harness.server.remove(in: ResourceKey(Secret.self), namespace: harness.namespace, name: "orders-app")
        let restarted = OperatorRun(server: harness.server, options: options, key: harness.key)
        defer { Task { await restarted.stop() } }
        var newApp: String?
        for _ in 0..<40 {
            _ = try await restarted.reconcile()
            newApp = try Self.secret(harness, "orders-app")["password"]
            if let newApp, await Self.logsIn("app", newApp, to: cluster.primary, database: "app") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        let drawn = try #require(newApp)
        #expect(drawn != before[2])
        #expect(await Self.logsIn("app", drawn, to: cluster.primary, database: "app"))
        #expect(!(await Self.logsIn("app", before[2] ?? "", to: cluster.primary, database: "app")))

        // Then the superuser Secret, while the operator is down: a new one cannot be set (no
        // way in); status says what to do.
        await restarted.stop()
        harness.server.remove(in: ResourceKey(Secret.self), namespace: harness.namespace, name: "orders-superuser")
        let fresh = OperatorRun(server: harness.server, options: options, key: harness.key)
        defer { Task { await fresh.stop() } }
        var ready: Condition?
        for _ in 0..<40 {
            _ = try await fresh.reconcile()
            ready = try harness.condition("Ready")
            if ready?.reason == "SuperuserPasswordRefused" { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(ready?.reason == "SuperuserPasswordRefused")
        #expect(ready?.message.contains("kubectl exec -it -n shop orders-0 -c postgres -- psql -U postgres -c '\\password postgres'") == true)
        #expect(ready?.message.contains(cluster.superuserPassword) == false)
        // PostgreSQL still holds the old password, untouched.
        #expect(await Self.logsIn("postgres", cluster.superuserPassword, to: cluster.primary))
    }
}
