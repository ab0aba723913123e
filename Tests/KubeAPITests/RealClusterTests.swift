import Foundation
import KubeAPI
import KubeTypes
import Testing

/// The kubeconfig of a real cluster to run the client suite against, if any.
let realClusterKubeconfig: String? = {
    let path = ProcessInfo.processInfo.environment["ORDINAL_TEST_KUBECONFIG"] ?? ""
    if path.isEmpty {
        print("note: KubeAPI real-cluster tests SKIPPED: set ORDINAL_TEST_KUBECONFIG to a kubeconfig to run them")
        return nil
    }
    return path
}()

/// The client suite against a real API server. It creates a namespace of its
/// own and deletes it at the end.
@Suite(
    "KubeClient against a real cluster",
    .enabled(if: realClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"),
    .serialized)
struct RealClusterTests {
    @Test func operationsWatchAndApplyAgainstARealAPIServer() async throws {
        let path = try #require(realClusterKubeconfig)
        let client = KubeClient(config: try KubeConfig.fromKubeconfig(path: path))
        let namespace = "ordinal-kubeapi-test-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
        do {
            try await exercise(client, namespace: namespace)
        } catch {
            try? await client.delete(Namespace.self, name: namespace)
            throw error
        }
        try await client.delete(Namespace.self, name: namespace)
    }

    private func exercise(_ client: KubeClient, namespace: String) async throws {
        let created = try await client.create(
            TestConfigMap(name: "one", data: ["k": "v"], labels: ["suite": "kubeapi"]), namespace: namespace)
        #expect(created.metadata.uid != nil)

        let duplicate = await expectKubeError {
            try await client.create(TestConfigMap(name: "one"), namespace: namespace)
        }
        #expect(duplicate?.code == .alreadyExists)
        let missing = await expectKubeError { try await client.get(TestConfigMap.self, name: "absent", namespace: namespace) }
        #expect(missing?.code == .notFound)

        var stale = created
        stale.data = ["k": "first"]
        _ = try await client.update(stale)
        stale.data = ["k": "second"]
        let conflict = await expectKubeError { try await client.update(stale) }
        #expect(conflict?.code == .conflict)

        let list = try await client.list(
            TestConfigMap.self, namespace: namespace, options: ListOptions(labelSelector: "suite=kubeapi"))
        #expect(list.items.count == 1)

        let stream = client.watch(
            TestConfigMap.self, namespace: namespace,
            options: WatchOptions(resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 30))
        let watcher = Task { () -> [String] in
            var names: [String] = []
            for try await event in stream {
                if case .added(let object) = event { names.append(object.metadata.name ?? "") }
                if names.count == 1 { break }
            }
            return names
        }
        _ = try await client.apply(
            TestConfigMap(name: "applied", namespace: namespace, data: ["a": "1"]), fieldManager: "ordinal-test")
        #expect(try await watcher.value == ["applied"])

        let conflicted = await expectKubeError {
            try await client.apply(
                TestConfigMap(name: "applied", namespace: namespace, data: ["a": "2"]), fieldManager: "someone-else")
        }
        #expect(conflicted?.code == .conflict)
        let forced = try await client.apply(
            TestConfigMap(name: "applied", namespace: namespace, data: ["a": "2"]), fieldManager: "someone-else", force: true)
        #expect(forced.data?["a"] == "2")

        let patched = try await client.patchMerge(
            TestConfigMap.self, name: "one", namespace: namespace, patch: ["metadata": ["labels": ["suite": .null]]])
        #expect(patched.metadata.labels?["suite"] == nil)
        try await client.delete(TestConfigMap.self, name: "one", namespace: namespace)
    }
}
