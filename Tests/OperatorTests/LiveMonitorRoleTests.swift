import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
@testable import PostgresHealth
import PostgresTestSupport
import Foundation
import OperatorTestSupport
import Testing

/// The operator's probes log in as the monitoring role, not the superuser: Ordinal makes the
/// role on the primary, the standbys replay it, the probes then read the same facts through
/// `pg_monitor` and the `ordinal` schema's functions, and the role can write nothing.
@Suite("Probes as the monitoring role, with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveMonitorRoleTests {
    static let role = ClusterDefaults.monitorUserName

    /// The monitoring role's password, from the Secret Ordinal made.
    static func monitorPassword(_ harness: OperatorHarness) throws -> String {
        let secret = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-monitor"))
        #expect(secret.type == "kubernetes.io/basic-auth")
        let data = ClusterReconciler.decodedData(secret)
        #expect(data["username"] == role)
        return try #require(data["password"])
    }

    static func login(_ instance: PostgresTestInstance, password: String) -> ConnectionSettings {
        ConnectionSettings(host: instance.host, port: instance.port, user: role, password: PostgresPassword(password),
                           sslMode: "require", applicationName: "ordinal-tests", connectTimeout: .seconds(5))
    }

    /// Sessions of the operator (`application_name` ordinal) on `instance`, by user.
    static func operatorSessions(_ instance: PostgresTestInstance) async throws -> String {
        try await instance.psql(
            "SELECT string_agg(DISTINCT usename::text, ',' ORDER BY usename::text) FROM pg_stat_activity WHERE application_name = 'ordinal'")
    }

    /// The facts that do not move between two probes a moment apart (LSNs and lag do).
    static func settled(_ facts: InstanceFacts) -> String {
        let slots = facts.replicationSlots.map { "\($0.name):\($0.isActive):\($0.walStatus ?? "-")" }
        return "\(String(describing: facts.isInRecovery)) \(String(describing: facts.serverVersionNumber)) \(facts.walReceiverStatus ?? "-") "
            + "\(slots) \(facts.systemIdentifier ?? "-") \(String(describing: facts.timeline)) \(facts.isReadOnlyByDefault) "
            + "\(facts.passfileDigest ?? "-") \(facts.pendingRestart) \(String(describing: facts.reloadFile)) \(facts.reloadPending) "
            + "\(facts.parameterContexts) \(facts.limits.sorted { $0.key < $1.key })"
    }

    /// Reconciles until the operator's sessions on every instance include the monitoring
    /// role's (Ordinal made it on the primary, the standbys replayed it); returns the users seen.
    static func reconcileUntilProbedAsMonitor(_ harness: OperatorHarness, _ cluster: PostgresTestCluster) async throws -> [String: String] {
        var seen: [String: String] = [:]
        for _ in 0..<30 {
            _ = try await harness.reconcile()
            for instance in cluster.instances { seen[instance.podName] = try await operatorSessions(instance) }
            if seen.values.allSatisfy({ $0.contains(role) }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return seen
    }

    @Test("Ordinal makes the monitoring role; every instance is then probed as it; it reads what the superuser reads and can write nothing")
    func probesRunAsTheMonitoringRole() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let logs = LogRecorder()
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600, logs: logs)
        defer { Task { await harness.stop() } }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        let seen = try await Self.reconcileUntilProbedAsMonitor(harness, cluster)
        let password = try Self.monitorPassword(harness)

        // The role: no superuser, no other attribute, a member of pg_monitor; the setup's version recorded.
        #expect(try await cluster.primary.psql(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = '\(Self.role)'")
            == "f|f|f|f|f|t")
        #expect(try await cluster.primary.psql("SELECT pg_has_role('\(Self.role)', 'pg_monitor', 'MEMBER')") == "t")
        #expect(try await cluster.primary.psql("SELECT obj_description('ordinal'::regnamespace, 'pg_namespace')") == MonitoringAccess.version)

        // Once the standbys replayed it, the operator's probes on every instance log in as the role.
        // (The superuser's pooled sessions come from actions: slots, primary_conninfo, roles.)
        for instance in cluster.instances {
            #expect(seen[instance.podName]?.contains(Self.role) == true, "\(instance.podName): \(seen[instance.podName] ?? "-")")
        }
        // A reload the operator decides (a changed reload file, as the kubelet delivers one) runs as the role.
        try await Task.sleep(for: .milliseconds(1100))
        let before = logs.all.count
        try LiveReloadTests.deliverReloadFile(harness, to: cluster)
        var reloads: [String] = []
        for _ in 0..<20 where reloads.count < cluster.instances.count {
            _ = try await harness.reconcile()
            reloads = logs.all.dropFirst(before).filter { $0.contains("reloaded the configuration") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reloads.count >= cluster.instances.count && reloads.allSatisfy { $0.contains("as=\(Self.role)") }, "\(reloads)")
        #expect(try harness.cluster()?.status?.phase == .healthy)
        #expect(try harness.cluster()?.status?.passwords?.monitor != nil, "the role's password is Ordinal's to follow, as the others")

        // The same facts as the superuser reads, on the primary and on a standby (the passfile digest, the reload state).
        let pool = ConnectionPool()
        for instance in [cluster.primary, cluster.replicas[0]] {
            let address = InstanceAddress(podName: instance.podName, host: instance.host, port: instance.port, passfile: instance.passfile)
            let superuser = ConnectionSettings(
                host: instance.host, port: instance.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
                sslMode: "require", applicationName: "ordinal-tests", connectTimeout: .seconds(5))
            let asMonitor = await ClusterProber(pool: pool, monitor: Self.login(instance, password: password), superuser: superuser)
                .probe(address, deadline: .now + .seconds(10))
            let asSuperuser = await ClusterProber(pool: pool, monitor: nil, superuser: superuser)
                .probe(address, deadline: .now + .seconds(10))
            #expect(asMonitor.error == nil, "\(String(describing: asMonitor.error))")
            #expect(!asMonitor.probedAsSuperuser)
            #expect(asSuperuser.probedAsSuperuser)
            #expect(Self.settled(asMonitor) == Self.settled(asSuperuser), "\(instance.podName): the monitoring role reads every fact the superuser does")
            #expect(asMonitor.systemIdentifier != nil && asMonitor.timeline != nil && asMonitor.oldestWAL != nil || asMonitor.isInRecovery == true)
            if instance.podName != cluster.primary.podName {
                #expect(asMonitor.passfileDigest != nil && asMonitor.passfileDigest != "absent")
            }
        }

        // It can write nothing, read no file, change no setting, signal no server, end no session.
        let connection = try await PostgresConnection.connect(Self.login(cluster.primary, password: password), deadline: .now + .seconds(5))
        defer { connection.close() }
        let keep = ConnectionSettings(
            host: cluster.primary.host, port: cluster.primary.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
            sslMode: "require", applicationName: "ordinal-tests-keep", connectTimeout: .seconds(5))
        let superuserSession = try await PostgresConnection.connect(keep, deadline: .now + .seconds(5))
        defer { superuserSession.close() }
        _ = try await cluster.primary.psql("CREATE TABLE IF NOT EXISTS public.orders_probe_check (id int)")
        let refused = [
            "CREATE TABLE public.monitor_wrote (id int)",
            "INSERT INTO public.orders_probe_check VALUES (1)",
            "UPDATE public.orders_probe_check SET id = 2",
            "CREATE SCHEMA monitor_wrote",
            "ALTER SYSTEM SET work_mem = '1MB'",
            "SELECT pg_read_file('/etc/passwd')",
            "SELECT pg_stat_file('\(cluster.tlsDirectory)/tls.key')",
            "SELECT pg_read_binary_file('\(cluster.replicas[0].passfile)')",
            "COPY (SELECT 1) TO '/tmp/ordinal-monitor-wrote'",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ordinal-tests-keep'",
            "SELECT pg_create_physical_replication_slot('monitor_wrote')",
            "ALTER ROLE postgres PASSWORD 'x'",
            "CREATE OR REPLACE FUNCTION ordinal.passfile_digest() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
        ]
        for statement in refused {
            await #expect(throws: PostgresError.self, "refused: \(statement)") {
                _ = try await connection.query(statement, timeout: .seconds(5))
            }
        }
        #expect(try await cluster.primary.psql("SELECT count(*) FROM public.orders_probe_check") == "0")
        #expect(try await cluster.primary.psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'monitor_wrote'") == "0")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/ordinal-monitor-wrote"))
        _ = try await superuserSession.query("SELECT 1", timeout: .seconds(5))
        // What it may call: the two fixed questions, and the statistics of pg_monitor.
        let answers = try await connection.query(
            "SELECT (ordinal.configuration_files()).reload_pending::text AS pending, (SELECT count(*) FROM pg_stat_replication)::text AS streaming",
            timeout: .seconds(5)).singleRow(for: "monitor check", host: "primary", port: cluster.primary.port)
        #expect(try answers.require(String.self, "streaming") == "2")
        // And the two actions that change no data: a reload and (PostgreSQL 15: pg_checkpoint) a checkpoint.
        _ = try await connection.query("SELECT pg_reload_conf()", timeout: .seconds(5))
        _ = try await connection.query("CHECKPOINT", timeout: .seconds(30))
    }

    @Test("a monitoring role whose password PostgreSQL no longer holds: the superuser probes meanwhile, Ordinal sets the Secret's password again, the role probes again")
    func aRefusedMonitorPasswordIsSetAgain() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        _ = try await Self.reconcileUntilProbedAsMonitor(harness, cluster)
        let password = try Self.monitorPassword(harness)

        // Changed by hand, and the operator's sessions ended (a session outlives a password change;
        // only a new login is refused, as after a restart).
        _ = try await cluster.primary.psql("ALTER ROLE \(Self.role) PASSWORD 'changed-by-hand'")
        _ = try await cluster.primary.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '\(Self.role)'")
        await #expect(throws: PostgresError.self, "the Secret's password is refused now") {
            _ = try await PostgresConnection.connect(Self.login(cluster.primary, password: password), deadline: .now + .seconds(5))
        }
        var healed = false
        for _ in 0..<20 where !healed {
            _ = try await harness.reconcile()
            healed = (try? await PostgresConnection.connect(Self.login(cluster.primary, password: password), deadline: .now + .seconds(5)))
                .map { $0.close(); return true } ?? false
            if !healed { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(healed, "Ordinal set the Secret's password again")
        #expect(try harness.cluster()?.status?.phase == .healthy)
        _ = try await harness.reconcile()
        #expect(try await Self.operatorSessions(cluster.primary).contains(Self.role))
    }
}
