import KubeAPI
import KubeTestServer
import KubeTypes
import Testing

/// `dryRun=All` on the test server, as on a real one: the answer is what would be stored, and
/// nothing is.
@Suite("Dry runs on the test server")
struct DryRunTests {
    @Test func aDryRunApplyIsAdmittedAndAnsweredButNotStored() async throws {
        try await withServer { server, client in
            let resource = ResourceType(ConfigMap.self)
            let object: JSONValue = [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "dry", "namespace": "default"], "data": ["a": "b"],
            ]
            let answered = try await client.applyRaw(resource, object: object, fieldManager: "ordinal", dryRun: true)
            #expect(answered["data"]?["a"]?.stringValue == "b")
            #expect(server.object(in: ResourceKey(ConfigMap.self), namespace: "default", name: "dry") == nil)

            // Stored for real, then a dry-run change leaves it as it was.
            _ = try await client.applyRaw(resource, object: object, fieldManager: "ordinal")
            let changed = try await client.applyRaw(
                resource, object: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "dry", "namespace": "default"], "data": ["a": "c"]],
                fieldManager: "ordinal", dryRun: true)
            #expect(changed["data"]?["a"]?.stringValue == "c")
            #expect(try await client.get(ConfigMap.self, name: "dry").data == ["a": "b"])
        }
    }
}
