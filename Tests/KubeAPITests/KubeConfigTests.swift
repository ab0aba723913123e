import Foundation
@testable import KubeAPI
import KubeTestServer
import KubeTypes
import Synchronization
import Testing

@Suite("Configuration loading and credentials")
struct KubeConfigTests {
    @Test func kindStyleKubeconfigResolvesContextAndInlineMaterial() throws {
        let certificates = try #require(sharedCertificates, "openssl is needed to make test certificates")
        let yaml = try kindKubeconfig(server: "https://127.0.0.1:6443", certificates: certificates)
        let config = try KubeConfig.fromKubeconfig(yaml: yaml, directory: "/tmp")
        #expect(config.server == "https://127.0.0.1:6443")
        #expect(config.namespace == "default")
        #expect(config.tls.certificateAuthorityPEM == Array(try Data(contentsOf: URL(fileURLWithPath: certificates.caCertificatePath))))
        #expect(config.tls.clientCertificatePEM != nil)
        #expect(config.tls.clientKeyPEM != nil)
        #expect(config.tls.insecureSkipVerify == false)
        #expect(config.origin.contains("kind-ordinal"))
    }

    @Test func insecureSkipTLSVerifyIsFalseUnlessTheFileSaysTrue() throws {
        func config(_ line: String) throws -> KubeConfig {
            try KubeConfig.fromKubeconfig(
                yaml: """
                    clusters:
                    - name: c
                      cluster:
                        server: https://example.invalid
                        \(line)
                    contexts:
                    - name: x
                      context: {cluster: c, user: u}
                    users:
                    - name: u
                      user: {token: abc}
                    current-context: x
                    """, directory: "/tmp")
        }
        #expect(try config("").tls.insecureSkipVerify == false)
        #expect(try config("insecure-skip-tls-verify: false").tls.insecureSkipVerify == false)
        #expect(try config("insecure-skip-tls-verify: true").tls.insecureSkipVerify == true)
    }

    @Test func relativeFilePathsAndTokenFileAreTakenFromTheKubeconfigDirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CA-PEM".write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        try "token-from-file\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let path = directory + "/config"
        try """
            clusters:
            - name: c
              cluster: {server: "https://10.0.0.1:6443", certificate-authority: ca.pem}
            contexts:
            - name: a
              context: {cluster: c, user: u, namespace: team-a}
            - name: b
              context: {cluster: c, user: v}
            users:
            - name: u
              user: {tokenFile: token}
            - name: v
              user: {token: inline}
            current-context: a
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try KubeConfig.fromKubeconfig(path: path)
        #expect(config.tls.certificateAuthorityPEM == Array("CA-PEM".utf8))
        #expect(config.namespace == "team-a")
        guard case .tokenFile(let tokenPath, _) = config.credentials else {
            Issue.record("expected a token file, got \(config.credentials)")
            return
        }
        #expect(tokenPath == directory + "/token")
        let other = try KubeConfig.fromKubeconfig(path: path, context: "b")
        #expect(other.namespace == "default")
        #expect("\(other.credentials)" == "token(redacted)")
    }

    @Test func brokenKubeconfigsAreConfigurationErrors() {
        for yaml in ["not: [valid", "current-context: missing\ncontexts: []", "clusters: []"] {
            #expect(throws: KubeAPIError.self) { try KubeConfig.fromKubeconfig(yaml: yaml, directory: "/tmp") }
        }
        do {
            _ = try KubeConfig.fromKubeconfig(yaml: "current-context: nope\ncontexts: []", directory: "/tmp")
            Issue.record("a kubeconfig without the context loaded")
        } catch {
            #expect(error.code == .configuration)
        }
    }

    @Test func loadingOrderIsExplicitThenKUBECONFIGThenHomeThenInCluster() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ name: String, server: String) throws -> String {
            let path = directory + "/" + name
            try """
                clusters: [{name: c, cluster: {server: "\(server)"}}]
                contexts: [{name: x, context: {cluster: c}}]
                current-context: x
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let explicit = try write("explicit", server: "https://explicit")
        let fromEnv = try write("env", server: "https://env")
        try FileManager.default.createDirectory(atPath: directory + "/home/.kube", withIntermediateDirectories: true)
        _ = try write("home/.kube/config", server: "https://home")
        let serviceAccount = directory + "/sa"
        try FileManager.default.createDirectory(atPath: serviceAccount, withIntermediateDirectories: true)
        try "sa-token".write(toFile: serviceAccount + "/token", atomically: true, encoding: .utf8)
        try "ordinal-system\n".write(toFile: serviceAccount + "/namespace", atomically: true, encoding: .utf8)

        var environment = [
            "KUBECONFIG": directory + "/missing:" + fromEnv + ":" + explicit, "HOME": directory + "/home",
            "KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443",
        ]
        func load(_ path: String? = nil) throws -> KubeConfig {
            try KubeConfig.load(explicitPath: path, environment: environment, serviceAccountDirectory: serviceAccount)
        }
        #expect(try load(explicit).server == "https://explicit")
        #expect(try load().server == "https://env")
        environment["KUBECONFIG"] = nil
        #expect(try load().server == "https://home")
        environment["HOME"] = directory + "/nowhere"
        let inCluster = try load()
        #expect(inCluster.server == "https://[fd00::1]:6443")
        #expect(inCluster.namespace == "ordinal-system")
        #expect(inCluster.origin == "in-cluster")
        environment["KUBERNETES_SERVICE_HOST"] = nil
        do {
            _ = try load()
            Issue.record("loading with nothing configured succeeded")
        } catch let error as KubeAPIError {
            #expect(error.code == .configuration)
        }
    }

    @Test(.enabled(if: TestCertificates.isOpenSSLAvailable, "needs the openssl tool to make certificates"))
    func inClusterConfigSpeaksHTTPSAndPicksUpRotatedTokens() async throws {
        let certificates = try #require(sharedCertificates)
        let server = try await KubeTestServer.start(
            tls: KubeTestServer.TLS(certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath))
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: certificates.caCertificatePath, toPath: directory + "/ca.crt")
        try "ordinal-system".write(toFile: directory + "/namespace", atomically: true, encoding: .utf8)
        try "token-one".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        server.requireBearerTokens(["token-one", "token-two"])
        let config = try KubeConfig.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": String(server.port)],
            serviceAccountDirectory: directory, tokenRefreshInterval: .milliseconds(200))
        #expect(config.server == server.url)
        let client = KubeClient(config: config, retryPolicy: .none)
        let created = try await client.create(Widget(name: "w1", namespace: nil))
        #expect(created.metadata.namespace == "ordinal-system")
        try "token-two".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(300))
        _ = try await client.get(Widget.self, name: "w1")
        let tokens = server.requests.map { $0.bearerToken ?? "" }
        #expect(tokens == ["token-one", "token-two"])
        await server.shutdown()
    }

    @Test func rejectedTokenIsReReadOnceAfter401() async throws {
        let server = try await KubeTestServer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "old".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        let config = KubeConfig(
            server: server.url, credentials: .tokenFile(path: directory + "/token", refreshInterval: .seconds(3600)))
        let client = KubeClient(config: config, retryPolicy: .none)
        _ = try await client.list(Widget.self)
        try "new".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        server.requireBearerTokens(["new"])
        _ = try await client.list(Widget.self)
        #expect(server.requests.map { $0.bearerToken ?? "" } == ["old", "old", "new"])
        await server.shutdown()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/sh"), "needs /bin/sh for the plugin script"))
    func execPluginCredentialIsCachedAcrossRequests() async throws {
        let server = try await KubeTestServer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try writeExecPlugin(in: directory, lifetime: 3600)
        let path = directory + "/kubeconfig"
        try managedKubeconfig(server: server.url, caData: nil, command: "./credential-plugin.sh")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let config = try KubeConfig.fromKubeconfig(path: path)
        #expect(config.namespace == "prod")
        #expect(!"\(config)".contains("tok-"))
        let client = KubeClient(config: config, retryPolicy: .none)
        _ = try await client.list(Widget.self)
        _ = try await client.list(Widget.self)
        #expect(invocations(in: directory) == 1)
        #expect(server.requests.map { $0.bearerToken ?? "" } == ["tok-1", "tok-1"])
        await server.shutdown()
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/sh"), "needs /bin/sh for the plugin script"))
    func execPluginCredentialIsRefreshedTenSecondsBeforeItExpires() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plugin = try writeExecPlugin(in: directory, lifetime: 120)
        let clock = Mutex(Date().timeIntervalSince1970)
        let provider = CredentialProvider(
            source: .exec(
                ExecConfig(
                    command: plugin, environment: ["PLUGIN_MODE": "test"],
                    clusterInfo: ExecClusterInfo(server: "http://127.0.0.1:1"))),
            now: { clock.withLock { $0 } })
        let before = Date().timeIntervalSince1970
        #expect(try await provider.current().bearerToken == "tok-1")
        let after = Date().timeIntervalSince1970
        // The plugin's expiry (whole seconds) lies between before + 119 and after + 120.
        #expect(after - before < 10, "the plugin ran in reasonable time")
        clock.withLock { $0 = after + 95 }  // at least 14 s left: still good
        #expect(try await provider.current().bearerToken == "tok-1")
        clock.withLock { $0 = after + 111 }  // at most 9 s left: inside the 10 s margin
        #expect(try await provider.current().bearerToken == "tok-2")
        #expect(invocations(in: directory) == 2)
    }

    @Test func execPluginRunsAgainWhenItsTokenIsRefused() async throws {
        let server = try await KubeTestServer.start()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plugin = try writeExecPlugin(in: directory, lifetime: 3600)
        server.requireBearerTokens(["tok-2"])
        let config = try KubeConfig.fromKubeconfig(
            yaml: managedKubeconfig(server: server.url, caData: nil, command: plugin), directory: directory)
        let client = KubeClient(config: config, retryPolicy: .none)
        _ = try await client.list(Widget.self)
        #expect(invocations(in: directory) == 2)
        await server.shutdown()
    }

    @Test func failingExecPluginIsACredentialsError() async throws {
        let config = KubeConfig(
            server: "http://127.0.0.1:1",
            credentials: .exec(ExecConfig(command: "/bin/false", installHint: "install it")))
        let client = KubeClient(config: config, retryPolicy: .none)
        let error = await expectKubeError { try await client.list(Widget.self) }
        #expect(error?.code == .credentials)
    }
}
