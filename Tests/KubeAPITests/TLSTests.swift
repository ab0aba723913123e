import Foundation
import KubeAPI
import KubeTestServer
import KubeTypes
import Testing

@Suite("TLS against a self-signed CA", .enabled(if: TestCertificates.isOpenSSLAvailable, "needs the openssl tool to make certificates"))
struct TLSTests {
    func startServer(requireClientCertificate: Bool) async throws -> (KubeTestServer, TestCertificates) {
        let certificates = try #require(sharedCertificates)
        let server = try await KubeTestServer.start(
            tls: KubeTestServer.TLS(
                certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath,
                clientCAPath: requireClientCertificate ? certificates.caCertificatePath : nil))
        return (server, certificates)
    }

    @Test func kindKubeconfigWithClientCertificateWorksOverHTTPS() async throws {
        let (server, certificates) = try await startServer(requireClientCertificate: true)
        let config = try KubeConfig.fromKubeconfig(
            yaml: try kindKubeconfig(server: server.url, certificates: certificates), directory: "/tmp")
        let client = KubeClient(config: config, retryPolicy: .none)
        _ = try await client.create(Widget(name: "secure"))
        let read = try await client.get(Widget.self, name: "secure")
        #expect(read.metadata.name == "secure")
        #expect(server.url.hasPrefix("https://"))
        await server.shutdown()
    }

    @Test func watchWorksOverHTTPS() async throws {
        let (server, certificates) = try await startServer(requireClientCertificate: true)
        let config = try KubeConfig.fromKubeconfig(
            yaml: try kindKubeconfig(server: server.url, certificates: certificates), directory: "/tmp")
        let client = KubeClient(config: config)
        _ = try await client.create(Widget(name: "a"))
        var seen: [String] = []
        for try await event in client.watch(Widget.self) {
            seen.append(event.object?.metadata.name ?? "")
            break
        }
        #expect(seen == ["a"])
        await server.shutdown()
    }

    @Test func missingClientCertificateIsRefused() async throws {
        let (server, certificates) = try await startServer(requireClientCertificate: true)
        let ca = Array(try Data(contentsOf: URL(fileURLWithPath: certificates.caCertificatePath)))
        let client = KubeClient(
            config: KubeConfig(server: server.url, tls: TLSSettings(certificateAuthorityPEM: ca)), retryPolicy: .none)
        let error = await expectKubeError { try await client.list(Widget.self) }
        #expect(error?.code == .transport)
        await server.shutdown()
    }

    @Test func serverSignedByAnotherCAIsRefused() async throws {
        let (server, certificates) = try await startServer(requireClientCertificate: false)
        let otherCA = Array(try Data(contentsOf: URL(fileURLWithPath: certificates.otherCACertificatePath)))
        let client = KubeClient(
            config: KubeConfig(server: server.url, tls: TLSSettings(certificateAuthorityPEM: otherCA)), retryPolicy: .none)
        let error = await expectKubeError { try await client.list(Widget.self) }
        #expect(error?.code == .transport)
        #expect(error?.detail?.contains("SSL") == true || error?.detail?.contains("certificate") == true)

        let noCA = KubeClient(config: KubeConfig(server: server.url), retryPolicy: .none)
        let systemTrust = await expectKubeError { try await noCA.list(Widget.self) }
        #expect(systemTrust?.code == .transport)
        await server.shutdown()
    }

    @Test func insecureSkipVerifyConnectsWithoutTheCA() async throws {
        let (server, _) = try await startServer(requireClientCertificate: false)
        let client = KubeClient(
            config: KubeConfig(server: server.url, tls: TLSSettings(insecureSkipVerify: true)), retryPolicy: .none)
        let list = try await client.list(Widget.self)
        #expect(list.items.isEmpty)
        await server.shutdown()
    }

    @Test func managedCloudKubeconfigWithExecPluginWorksOverHTTPS() async throws {
        let (server, certificates) = try await startServer(requireClientCertificate: false)
        server.requireBearerTokens(["tok-1"])
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plugin = try writeExecPlugin(in: directory, lifetime: 3600)
        let config = try KubeConfig.fromKubeconfig(
            yaml: managedKubeconfig(
                server: server.url, caData: try base64(ofFile: certificates.caCertificatePath), command: plugin),
            directory: directory)
        let client = KubeClient(config: config, retryPolicy: .none)
        _ = try await client.create(Widget(name: "w", namespace: nil))
        let read = try await client.get(Widget.self, name: "w")
        #expect(read.metadata.namespace == "prod")
        await server.shutdown()
    }
}
