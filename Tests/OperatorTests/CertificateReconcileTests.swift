import ClusterCertificates
import ClusterModel
import KubeTypes
@testable import Operator
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Certificates through the whole shell against the API test server: the CA and the server
/// certificate made, kept, re-issued and renewed as the plan says; the CA never replaced; the
/// user's used as it is.
@Suite("Certificates against the API test server")
struct CertificateReconcileTests {
    func data(_ harness: OperatorHarness, _ name: String) throws -> [String: String] {
        ClusterReconciler.decodedData(try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: name), "\(name)"))
    }

    func delete(_ harness: OperatorHarness, _ name: String) async throws {
        try await harness.client.delete(Secret.self, name: name, namespace: harness.namespace)
        try await harness.eventually("cache sees \(name) deleted") {
            harness.controller.caches.secrets.get(namespace: harness.namespace, name: name) == nil
        }
    }

    func put(_ harness: OperatorHarness, _ secret: Secret) async throws {
        let stored = try harness.server.put(secret)
        try await harness.eventually("cache sees \(secret.metadata.name ?? "")") {
            harness.controller.caches.secrets.get(namespace: harness.namespace, name: secret.metadata.name ?? "")?.metadata.resourceVersion
                == stored.metadata.resourceVersion
        }
    }

    @Test("a new cluster: a CA and a server certificate from it for every name, in kubernetes.io/tls Secrets; status says until when")
    func madeAndKept() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        let ca = try data(harness, "orders-ca")
        let server = try data(harness, "orders-server")
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-server")?.type == "kubernetes.io/tls")
        let authority = try CertificateIssuer.summary(certificatePEM: try #require(ca["tls.crt"]), privateKeyPEM: ca["tls.key"], authorityPEM: ca["tls.crt"])
        #expect(authority.isAuthority && authority.isSignedByAuthority)
        let summary = try CertificateIssuer.summary(
            certificatePEM: try #require(server["tls.crt"]), privateKeyPEM: server["tls.key"], authorityPEM: ca["tls.crt"])
        #expect(summary.isSignedByAuthority && !summary.isAuthority)
        #expect(summary.dnsNames == ClusterNames(cluster: "orders", namespace: "shop").serverCertificateNames)
        #expect(server["ca.crt"] == ca["tls.crt"])
        let status = try #require(try harness.cluster()?.status?.certificates)
        #expect(status.server?.notAfter == KubeTime.format(summary.notAfter))
        #expect(status.authority?.notAfter == KubeTime.format(authority.notAfter))
        // Kept: the next round neither issues nor writes.
        #expect(try await harness.reconcile().writes == 0)
        #expect(try data(harness, "orders-server") == server && data(harness, "orders-ca") == ca)

        // The server Secret deleted: issued again from the same CA.
        try await delete(harness, "orders-server")
        _ = try await harness.reconcile()
        let again = try data(harness, "orders-server")
        #expect(again["tls.crt"] != server["tls.crt"])
        #expect(try CertificateIssuer.summary(certificatePEM: try #require(again["tls.crt"]), authorityPEM: ca["tls.crt"]).isSignedByAuthority)
        #expect(try data(harness, "orders-ca") == ca, "the CA stays")
    }

    @Test("a server certificate with a third of its validity left is renewed from the same CA; a CA whose key does not match is never replaced")
    func renewedAndNeverReplaced() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        let ca = try data(harness, "orders-ca")
        let authority = IssuedCertificate(certificatePEM: try #require(ca["tls.crt"]), privateKeyPEM: try #require(ca["tls.key"]))
        // A short-lived certificate: valid 70 s in all (back-dated 60 s), 10 s left: well under a third.
        let now = Date().timeIntervalSince1970
        let short = try CertificateIssuer.server(
            dnsNames: ClusterNames(cluster: "orders", namespace: "shop").serverCertificateNames, authority: authority, now: now, validity: 10)
        try await put(harness, Secret(
            metadata: ObjectMeta(name: "orders-server", namespace: harness.namespace, labels: ClusterLabels.common(cluster: "orders")),
            type: "kubernetes.io/tls", stringData: ["tls.crt": short.certificatePEM, "tls.key": short.privateKeyPEM, "ca.crt": authority.certificatePEM]))
        _ = try await harness.reconcile()
        let renewed = try data(harness, "orders-server")
        #expect(renewed["tls.crt"] != short.certificatePEM)
        let summary = try CertificateIssuer.summary(
            certificatePEM: try #require(renewed["tls.crt"]), privateKeyPEM: renewed["tls.key"], authorityPEM: authority.certificatePEM)
        #expect(summary.isSignedByAuthority && summary.notAfter > now + 80 * 86_400)
        #expect(try await harness.reconcile().writes == 0)

        // The CA's key replaced by another: reported, never replaced, no server certificate from it.
        let other = try CertificateIssuer.authority(commonName: "other", now: now, validity: 86_400)
        var broken = ca
        broken["tls.key"] = other.privateKeyPEM
        try await put(harness, Secret(
            metadata: ObjectMeta(name: "orders-ca", namespace: harness.namespace, labels: ClusterLabels.common(cluster: "orders")),
            type: "kubernetes.io/tls", stringData: broken))
        try await delete(harness, "orders-server")
        _ = try await harness.reconcile()
        #expect(try data(harness, "orders-ca") == broken)
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-server") == nil)
        let problem = try #require(try harness.cluster()?.status?.certificates?.authority?.problem)
        #expect(problem.contains("tls.key") && problem.contains("delete the Secret"), "\(problem)")
        #expect(!problem.contains("PRIVATE KEY"), "no key material in status")
    }

    @Test("the user's certificate (as cert-manager keeps one): used as it is, nothing issued, status reports it")
    func theUsersIsUsed() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        let now = Date().timeIntervalSince1970
        let authority = try CertificateIssuer.authority(commonName: "user CA", now: now, validity: 365 * 86_400)
        let server = try CertificateIssuer.server(
            dnsNames: ["orders-rw.shop.svc", "*.orders-headless.shop.svc.cluster.local"], authority: authority, now: now, validity: 30 * 86_400)
        try harness.server.put(Secret(
            metadata: ObjectMeta(name: "orders-cert", namespace: harness.namespace), type: "kubernetes.io/tls",
            stringData: ["tls.crt": server.certificatePEM, "tls.key": server.privateKeyPEM, "ca.crt": authority.certificatePEM]))
        try harness.putCluster { $0.spec.tls = TLSSpec(serverSecretName: "orders-cert") }
        _ = try await harness.reconcile()
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-ca") == nil)
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-server") == nil)
        let status = try #require(try harness.cluster()?.status?.certificates)
        #expect(status.server?.issuedBy == "User" && status.server?.secretName == "orders-cert" && status.server?.problem == nil,
                "\(status)")
        #expect(status.authority?.problem == nil)
    }
}

/// `spec.networkPolicy` through the shell against the API test server.
@Suite("NetworkPolicy against the API test server")
struct NetworkPolicyReconcileTests {
    @Test("on: made once, left alone while it matches, deleted when turned off")
    func madeKeptAndDeleted() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster { $0.spec.networkPolicy = NetworkPolicySettings(enabled: true) }
        _ = try await harness.reconcile()
        let policy = try #require(try harness.server.object(NetworkPolicy.self, namespace: harness.namespace, name: "orders"))
        #expect(policy.spec?.ingress?.first?.ports?.first?.port == .int(5432))
        try await harness.eventually("cache has the policy") {
            harness.controller.caches.networkPolicies.get(namespace: harness.namespace, name: "orders") != nil
        }
        #expect(try await harness.reconcile().writes == 0)

        try harness.putCluster { $0.spec.networkPolicy = NetworkPolicySettings(enabled: false) }
        try await harness.eventually("cache has the change") {
            harness.controller.caches.clusters.get(namespace: harness.namespace, name: "orders")?.spec.networkPolicy?.enabled == false
        }
        _ = try await harness.reconcile()
        #expect(try harness.server.object(NetworkPolicy.self, namespace: harness.namespace, name: "orders") == nil)
    }
}
