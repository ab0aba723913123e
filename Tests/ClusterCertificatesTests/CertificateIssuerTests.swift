import ClusterCertificates
import ClusterModel
import Foundation
import PostgresHealth
import PostgresTestSupport
import Testing

@Suite("Certificates Ordinal issues")
struct CertificateIssuerTests {
    static let names = ClusterNames(cluster: "orders", namespace: "shop")
    static let now = 1_800_000_000.0
    static let day = 86_400.0

    @Test func theServerCertificateCoversEveryNameAndChainsToItsAuthority() throws {
        let authority = try CertificateIssuer.authority(commonName: "orders.shop", now: Self.now, validity: 3650 * Self.day)
        let server = try CertificateIssuer.server(
            dnsNames: Self.names.serverCertificateNames, authority: authority, now: Self.now, validity: 90 * Self.day)
        let summary = try CertificateIssuer.summary(
            certificatePEM: server.certificatePEM, privateKeyPEM: server.privateKeyPEM, authorityPEM: authority.certificatePEM)
        #expect(summary.isSignedByAuthority)
        #expect(!summary.isAuthority)
        #expect(summary.notAfter - summary.notBefore == 90 * Self.day + 60)
        for name in ["orders-rw", "orders-ro.shop", "orders-rw.shop.svc", "orders-ro.shop.svc.cluster.local",
                     "orders-headless.shop.svc.cluster.local", "orders-0.orders-headless.shop.svc.cluster.local",
                     "orders-15.orders-headless.shop.svc.cluster.local", "orders-2.orders-headless"] {
            #expect(summary.dnsNames.contains(name), "\(name)")
        }
        let ca = try CertificateIssuer.summary(certificatePEM: authority.certificatePEM, authorityPEM: authority.certificatePEM)
        #expect(ca.isAuthority && ca.isSignedByAuthority)
        #expect(server.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(server.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    @Test func anotherAuthorityOrAnotherKeyIsNotOurs() throws {
        let authority = try CertificateIssuer.authority(commonName: "orders.shop", now: Self.now, validity: 3650 * Self.day)
        let other = try CertificateIssuer.authority(commonName: "orders.shop", now: Self.now, validity: 3650 * Self.day)
        let server = try CertificateIssuer.server(dnsNames: ["orders-rw"], authority: authority, now: Self.now, validity: Self.day)
        let elsewhere = try CertificateIssuer.server(dnsNames: ["orders-rw"], authority: other, now: Self.now, validity: Self.day)
        // Same subject name, another key: the signature tells them apart.
        #expect(try !CertificateIssuer.summary(certificatePEM: elsewhere.certificatePEM, authorityPEM: authority.certificatePEM).isSignedByAuthority)
        #expect(try !CertificateIssuer.summary(
            certificatePEM: server.certificatePEM, privateKeyPEM: elsewhere.privateKeyPEM, authorityPEM: authority.certificatePEM).isSignedByAuthority)
        #expect(throws: CertificateIssueError.self) { try CertificateIssuer.summary(certificatePEM: "not a certificate", authorityPEM: nil) }
    }

    @Test func renewalIsDueWithAThirdOfTheValidityLeft() throws {
        let authority = try CertificateIssuer.authority(commonName: "orders.shop", now: Self.now, validity: 3650 * Self.day)
        let server = try CertificateIssuer.server(dnsNames: ["orders-rw"], authority: authority, now: Self.now, validity: 90 * Self.day)
        let summary = try CertificateIssuer.summary(certificatePEM: server.certificatePEM, authorityPEM: authority.certificatePEM)
        #expect(!summary.isDueForRenewal(at: Self.now + 59 * Self.day))
        #expect(summary.isDueForRenewal(at: Self.now + 61 * Self.day))
        #expect(summary.isDueForRenewal(at: Self.now + 91 * Self.day))
    }

    /// Real PostgreSQL serving the certificate: libpq with `sslmode=verify-full` accepts it
    /// through every kind of name it covers and refuses a name it does not, or another CA.
    @Test(.enabled(if: (try? PostgresBinaries.locate()) != nil, "needs PostgreSQL server binaries (Debian's postgresql)"))
    func postgresServesItAndVerifyFullAcceptsEveryCoveredName() async throws {
        let now = Date().timeIntervalSince1970
        let authority = try CertificateIssuer.authority(commonName: "orders.shop", now: now, validity: 30 * Self.day)
        let server = try CertificateIssuer.server(
            dnsNames: Self.names.serverCertificateNames, authority: authority, now: now, validity: Self.day)
        let other = try CertificateIssuer.authority(commonName: "orders.shop", now: now, validity: 30 * Self.day)
        let user = try FixtureUser.current()
        let directory = "/tmp/ordinal-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try server.certificatePEM.write(toFile: "\(directory)/tls.crt", atomically: true, encoding: .utf8)
        try server.privateKeyPEM.write(toFile: "\(directory)/tls.key", atomically: true, encoding: .utf8)
        try authority.certificatePEM.write(toFile: "\(directory)/ca.crt", atomically: true, encoding: .utf8)
        try other.certificatePEM.write(toFile: "\(directory)/other.crt", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: "\(directory)/tls.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try user.own(directory)

        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 0, extraParameters: [
            "ssl": "on", "ssl_cert_file": "\(directory)/tls.crt", "ssl_key_file": "\(directory)/tls.key",
        ])
        defer { cluster.shutdownNow() }
        let primary = cluster.primary

        func connect(as host: String, trusting ca: String) async throws(PostgresError) -> String? {
            var settings = ConnectionSettings(
                host: host, port: primary.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
                sslMode: "verify-full", applicationName: "ordinal-tests",
                // A loaded machine (a full suite beside it) once needed more than the default 5 s.
                connectTimeout: .seconds(30))
            settings.sslRootCertificate = "\(directory)/\(ca)"
            settings.hostAddress = "127.0.0.1"
            let connection = try await PostgresConnection.connect(settings)
            defer { connection.close() }
            let row = try await connection.query("SELECT ssl::text AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .singleRow(for: "pg_stat_ssl", host: host, port: primary.port)
            return try row.decode(String.self, "ssl")
        }
        for host in ["orders-rw.shop.svc.cluster.local", "orders-ro", "orders-rw.shop",
                     "orders-0.orders-headless.shop.svc.cluster.local", "orders-7.orders-headless.shop.svc"] {
            #expect(try await connect(as: host, trusting: "ca.crt") == "true", "\(host)")
        }
        await #expect(throws: PostgresError.self, "a name the certificate does not cover") {
            _ = try await connect(as: "db.example.com", trusting: "ca.crt")
        }
        await #expect(throws: PostgresError.self, "another authority") {
            _ = try await connect(as: "orders-rw", trusting: "other.crt")
        }
    }
}
