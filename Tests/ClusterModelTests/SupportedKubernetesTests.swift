import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
import Testing
@testable import OrdinalCLI

/// The Kubernetes versions Ordinal supports, and `ordinal run` refusing an older server at start.
@Suite("Supported Kubernetes versions")
struct SupportedKubernetesTests {
    @Test func versionsBelowTheMinimumAreRefusedAndOthersAccepted() {
        let table: [(ServerVersion, Bool)] = [
            (ServerVersion(major: "1", minor: "28", gitVersion: "v1.28.15"), false),
            (ServerVersion(major: "1", minor: "27+", gitVersion: "v1.27.3-eks-a5565ad"), false),
            (ServerVersion(major: "1", minor: "29", gitVersion: "v1.29.0"), true),
            (ServerVersion(major: "1", minor: "32+", gitVersion: "v1.32.13-gke.100"), true),
            (ServerVersion(major: "1", minor: "35", gitVersion: "v1.35.0"), true),
            // major/minor left empty by some builds: read from gitVersion
            (ServerVersion(major: "", minor: "", gitVersion: "v1.26.1"), false),
            (ServerVersion(major: "", minor: "", gitVersion: "v1.31.2-dispatcher"), true),
            // a version that says nothing is no reason to refuse
            (ServerVersion(major: "", minor: "", gitVersion: "unknown"), true),
        ]
        for (version, supported) in table {
            let refusal = SupportedKubernetes.refusal(of: version)
            #expect((refusal == nil) == supported, "\(version.gitVersion)")
            if let refusal {
                #expect(refusal.contains(version.gitVersion) && refusal.contains("v1.29"), "\(refusal)")
            }
        }
    }

    @Test func runRefusesToStartOnAnOlderServerAndStartsOnASupportedOne() async throws {
        let server = try await KubeTestServer.start()
        let client = KubeClient(config: KubeConfig(server: server.url, namespace: "default"))
        let logger = Logger(label: "test")

        #expect(try await client.serverVersion().gitVersion == "v1.32.13")
        try await RunCommand.checkServerVersion(client: client, logger: logger)

        server.setServerVersion(major: "1", minor: "28", gitVersion: "v1.28.15")
        do {
            try await RunCommand.checkServerVersion(client: client, logger: logger)
            Issue.record("ordinal run started on Kubernetes v1.28")
        } catch let failure as ValidationFailure {
            #expect(failure.lines.count == 1)
            #expect(failure.lines.first?.hasPrefix("the API server runs Kubernetes v1.28.15, older than v1.29") == true)
        }
        await server.shutdown()
    }
}
