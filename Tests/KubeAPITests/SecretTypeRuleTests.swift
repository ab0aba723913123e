import Foundation
import KubeAPI
import KubeTypes
import Testing

/// The Secret rules the real API server enforces by type, met the same way by the test server
/// (and checked against a real one when a kubeconfig is given).
@Suite("Secret types refuse what the real server refuses")
struct SecretTypeRuleTests {
    /// Creates and updates that must fail, with the fields the refusal names; and one that must pass.
    static func exercise(_ client: KubeClient, namespace: String) async throws {
        let tls = Secret(metadata: ObjectMeta(name: "tls-half", namespace: namespace), type: "kubernetes.io/tls", data: ["tls.crt": "YQ=="])
        let refusedTLS = await expectKubeError { try await client.create(tls, namespace: namespace) }
        #expect(refusedTLS?.code == .invalid && refusedTLS?.causes.map(\.field) == ["data[tls.key]"], "\(String(describing: refusedTLS))")

        let basic = Secret(metadata: ObjectMeta(name: "basic-none", namespace: namespace), type: "kubernetes.io/basic-auth", data: ["other": "YQ=="])
        let refusedBasic = await expectKubeError { try await client.create(basic, namespace: namespace) }
        #expect(Set(refusedBasic?.causes.compactMap(\.field) ?? []) == ["data[username]", "data[password]"], "\(String(describing: refusedBasic))")

        // stringData counts (it becomes data before validation); a type never changes.
        let whole = Secret(metadata: ObjectMeta(name: "tls-whole", namespace: namespace), type: "kubernetes.io/tls",
                           stringData: ["tls.crt": "a", "tls.key": "b"])
        _ = try await client.create(whole, namespace: namespace)
        var opaque = try await client.get(Secret.self, name: "tls-whole", namespace: namespace)
        opaque.type = "Opaque"
        let refusedType = await expectKubeError { try await client.update(opaque) }
        #expect(refusedType?.code == .invalid && refusedType?.causes.map(\.field) == ["type"], "\(String(describing: refusedType))")
    }

    @Test func theTestServerRefusesAsTheRealOneDoes() async throws {
        try await withServer { _, client in try await Self.exercise(client, namespace: "default") }
    }

    @Test(.enabled(if: realClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"))
    func theRealServerRefuses() async throws {
        let client = KubeClient(config: try KubeConfig.fromKubeconfig(path: try #require(realClusterKubeconfig)))
        let namespace = "ordinal-secret-rules-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
        defer { Task { try? await client.delete(Namespace.self, name: namespace) } }
        try await Self.exercise(client, namespace: namespace)
    }
}
