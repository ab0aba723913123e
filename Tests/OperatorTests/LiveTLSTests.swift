import ClusterCertificates
import ClusterModel
import KubeTypes
@testable import Operator
import PostgresHealth
import PostgresTestSupport
import Foundation
import Testing

/// TLS against real PostgreSQL serving the certificates as Ordinal's pods do: clear-text
/// network logins refused, verification by each name, replication encrypted, the operator's
/// probes verifying the servers against the cluster's CA, and a renewed certificate picked up
/// with a reload.
@Suite("TLS with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveTLSTests {
    static func connect(_ cluster: PostgresTestCluster, host: String = "127.0.0.1", hostAddress: String? = nil,
                        sslMode: String, rootCertificate: String? = nil) async throws -> String {
        var settings = ConnectionSettings(
            host: host, port: cluster.primary.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
            sslMode: sslMode, connectTimeout: .seconds(5))
        settings.sslRootCertificate = rootCertificate
        settings.hostAddress = hostAddress
        let connection = try await PostgresConnection.connect(settings, deadline: .now + .seconds(5))
        defer { connection.close() }
        let row = try await connection.query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", timeout: .seconds(5))
            .singleRow(for: "tls check", host: host, port: cluster.primary.port)
        return try row.require(String.self, "ssl")
    }

    @Test("a clear-text network login is refused; over TLS it is verified by address and by each DNS name the certificate covers, and refused for another CA")
    func loginsNeedTLS() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 1)
        defer { Task { await cluster.shutdown() } }
        let ca = "\(cluster.tlsDirectory)/ca.crt"
        await #expect(throws: PostgresError.self) { _ = try await Self.connect(cluster, sslMode: "disable") }
        do {
            _ = try await Self.connect(cluster, sslMode: "disable")
        } catch {
            #expect((error as? PostgresError)?.serverMessage.contains("no encryption") == true, "\(error)")
        }
        #expect(try await Self.connect(cluster, sslMode: "verify-full", rootCertificate: ca) == "true")
        let names = ClusterNames(cluster: "orders", namespace: "shop")
        for name in [names.readWriteService, "\(names.readOnlyService).shop.svc", names.podHost(0), names.podHost(1)] {
            #expect(try await Self.connect(cluster, host: name, hostAddress: "127.0.0.1", sslMode: "verify-full", rootCertificate: ca) == "true",
                    "\(name)")
        }
        let other = try CertificateIssuer.authority(commonName: "another CA", now: Date().timeIntervalSince1970, validity: 3600)
        let otherFile = "\(cluster.root)/other-ca.crt"
        try other.certificatePEM.write(toFile: otherFile, atomically: true, encoding: .utf8)
        await #expect(throws: PostgresError.self) { _ = try await Self.connect(cluster, sslMode: "verify-full", rootCertificate: otherFile) }
        await #expect(throws: PostgresError.self) {
            _ = try await Self.connect(cluster, host: "orders-rw.elsewhere.svc", hostAddress: "127.0.0.1", sslMode: "verify-full", rootCertificate: ca)
        }
        // Replication runs over TLS too (pg_stat_ssl beside pg_stat_replication).
        #expect(try await cluster.primary.psql("SELECT count(*) FROM pg_stat_replication JOIN pg_stat_ssl USING (pid) WHERE ssl") == "1")
    }

    @Test("the operator verifies the servers: with another CA in the cluster's Secrets its probes are refused and nothing is labelled; with the servers' CA they pass")
    func theOperatorVerifies() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        for ordinal in 0..<3 { try harness.putPod(ordinal, tls: true) }
        // No certificates yet: Ordinal makes its own CA, which did not sign the servers' certificate.
        for _ in 0..<3 { _ = try await harness.reconcile() }
        let status = try #require(try harness.cluster()?.status)
        #expect(status.certificates?.authority?.issuedBy == "Ordinal")
        #expect(status.primary == nil, "a server that fails verification is not trusted as the primary")
        let errors = status.instanceStatus?.compactMap(\.message) ?? []
        #expect(errors.contains { $0.contains("certificate") }, "\(errors)")

        // The servers' own CA and certificate in the cluster's Secrets: verified, labelled, healthy.
        for secret in cluster.certificateSecrets(namespace: harness.namespace) {
            try await harness.client.delete(Secret.self, name: secret.metadata.name ?? "", namespace: harness.namespace)
        }
        for secret in cluster.certificateSecrets(namespace: harness.namespace) { _ = try harness.server.put(secret) }
        try await harness.eventually("cache sees the servers' CA") {
            harness.controller.caches.secrets.get(namespace: harness.namespace, name: "orders-ca")?.data?["tls.crt"]
                == Data(cluster.authority.certificatePEM.utf8).base64EncodedString()
        }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        #expect(try harness.cluster()?.status?.primary == "orders-0")
        #expect(try await cluster.primary.psql(
            "SELECT bool_and(ssl) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE application_name = 'ordinal'") == "t")

        // The app Secret follows the CA: its ca.crt verifies the server by the name its uri uses.
        let app = ClusterReconciler.decodedData(try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-app")))
        #expect(app["ca.crt"] == cluster.authority.certificatePEM)
        let uri = try #require(app["uri"])
        #expect(uri.hasPrefix("postgresql://") && uri.contains("@orders-rw.shop:5432/") && uri.hasSuffix("?sslmode=verify-full&sslrootcert=/etc/ordinal/app/ca.crt"))
        let mounted = "\(cluster.root)/app-ca.crt"
        try (app["ca.crt"] ?? "").write(toFile: mounted, atomically: true, encoding: .utf8)
        #expect(try await Self.connect(cluster, host: "orders-rw.shop", hostAddress: "127.0.0.1", sslMode: "verify-full", rootCertificate: mounted) == "true")
    }

    @Test("a renewed certificate written over the files (as the kubelet does with the Secret) is reloaded by the operator, no restart; new connections see it")
    func renewalIsAReload() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        for secret in cluster.certificateSecrets(namespace: harness.namespace) { _ = try harness.server.put(secret) }
        for ordinal in 0..<3 { try harness.putPod(ordinal, tls: true) }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        // The reload file as the kubelet delivers it (the operator reloads only once it is there).
        try LiveReloadTests.deliverReloadFile(harness, to: cluster)
        for _ in 0..<2 { _ = try await harness.reconcile() }
        let started = try await cluster.primary.psql("SELECT pg_postmaster_start_time()")

        let renewed = try CertificateIssuer.server(
            dnsNames: ClusterNames(cluster: "orders", namespace: "shop").serverCertificateNames + ["renewed.example"],
            ipAddresses: ["127.0.0.1"], authority: cluster.authority, now: Date().timeIntervalSince1970, validity: 7200)
        // Whole seconds: the probe compares the file's time with the last reload's.
        try await Task.sleep(for: .milliseconds(1100))
        try renewed.privateKeyPEM.write(toFile: "\(cluster.tlsDirectory)/tls.key.new", atomically: false, encoding: .utf8)
        try renewed.certificatePEM.write(toFile: "\(cluster.tlsDirectory)/tls.crt.new", atomically: false, encoding: .utf8)
        try cluster.user.own(cluster.tlsDirectory)
        chmod("\(cluster.tlsDirectory)/tls.key.new", 0o600)
        rename("\(cluster.tlsDirectory)/tls.key.new", "\(cluster.tlsDirectory)/tls.key")
        rename("\(cluster.tlsDirectory)/tls.crt.new", "\(cluster.tlsDirectory)/tls.crt")
        let ca = "\(cluster.tlsDirectory)/ca.crt"
        await #expect(throws: PostgresError.self, "not reloaded yet: the old certificate") {
            _ = try await Self.connect(cluster, host: "renewed.example", hostAddress: "127.0.0.1", sslMode: "verify-full", rootCertificate: ca)
        }
        // The operator sees the newer file and reloads; the postmaster then loads the new
        // certificate for connections made after it (a moment later on a busy machine).
        let loadedBefore = try await cluster.primary.psql("SELECT pg_conf_load_time()")
        var served = false
        for _ in 0..<20 where !served {
            _ = try await harness.reconcile()
            served = (try? await Self.connect(cluster, host: "renewed.example", hostAddress: "127.0.0.1",
                                             sslMode: "verify-full", rootCertificate: ca)) == "true"
            if !served { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(served, "the renewed certificate is served after the operator's reload")
        #expect(try await cluster.primary.psql("SELECT pg_conf_load_time()") != loadedBefore, "the operator reloaded")
        #expect(try await cluster.primary.psql("SELECT pg_postmaster_start_time()") == started, "no restart")
        let final = try harness.cluster()?.status
        #expect(final?.phase == .healthy, "\(String(describing: final?.conditions))")
    }
}
