import KubeAPI
import KubeTestServer
import KubeTypes
import Testing

/// A workload-like custom resource with associative lists (containers by
/// name, conditions by type) and an atomic one (args).
struct Workload: KubernetesResource, Equatable {
    static let group = "example.ordinal.dev"
    static let version = "v1"
    static let kind = "Workload"
    static let plural = "workloads"

    var apiVersion: String? = Workload.apiVersion
    var kind: String? = Workload.kind
    var metadata: ObjectMeta
    var spec: Spec?
    var status: Status?

    struct Container: Codable, Sendable, Equatable {
        var name: String
        var image: String?
        var args: [String]?
    }

    struct Spec: Codable, Sendable, Equatable {
        var containers: [Container]?
    }

    struct Condition: Codable, Sendable, Equatable {
        var type: String
        var status: String?
    }

    struct Status: Codable, Sendable, Equatable {
        var conditions: [Condition]?
    }

    init(name: String, containers: [Container]? = nil, conditions: [Condition]? = nil) {
        metadata = ObjectMeta(name: name, namespace: "default")
        spec = containers.map { Spec(containers: $0) }
        status = conditions.map { Status(conditions: $0) }
    }
}

@Suite("Server-side apply on the test server")
struct ServerSideApplyTests {
    @Test func managersApplyingDifferentListElementsKeepEachOthers() async throws {
        try await withServer { server, client in
            _ = try await client.apply(
                Workload(name: "w", containers: [.init(name: "postgres", image: "postgres:16.4")]), fieldManager: "ordinal")
            let both = try await client.apply(
                Workload(name: "w", containers: [.init(name: "exporter", image: "exporter:1")]), fieldManager: "sidecar-injector")
            #expect(both.spec?.containers?.map(\.name) == ["postgres", "exporter"])

            // The operator re-applies its intent: the other manager's element stays.
            let again = try await client.apply(
                Workload(name: "w", containers: [.init(name: "postgres", image: "postgres:16.5")]), fieldManager: "ordinal")
            #expect(again.spec?.containers?.map(\.name) == ["postgres", "exporter"])
            #expect(again.spec?.containers?.first?.image == "postgres:16.5")
            #expect(again.metadata.managedFields?.contains { $0.manager == "ordinal" && $0.operation == "Apply" } == true)
            let stored = server.objects(in: ResourceKey(Workload.self)).first { $0["metadata"]?["name"] == "w" }
            let owned = stored?["metadata"]?["managedFields"]?.arrayValue?.first { $0["manager"] == "ordinal" }
            #expect(owned?["fieldsV1"]?["f:spec"]?["f:containers"]?["k:{\"name\":\"postgres\"}"]?["f:image"] != nil)
        }
    }

    @Test func elementsAManagerStopsApplyingAreRemoved() async throws {
        try await withServer { _, client in
            _ = try await client.apply(
                Workload(name: "w", containers: [.init(name: "a", image: "a:1"), .init(name: "b", image: "b:1")]),
                fieldManager: "ordinal")
            _ = try await client.apply(
                Workload(name: "w", containers: [.init(name: "c", image: "c:1")]), fieldManager: "other")
            let result = try await client.apply(
                Workload(name: "w", containers: [.init(name: "a", image: "a:1")]), fieldManager: "ordinal")
            #expect(result.spec?.containers?.map(\.name) == ["a", "c"])
        }
    }

    @Test func sameElementDifferentValueConflictsAndAtomicListsReplaceWhole() async throws {
        try await withServer { _, client in
            _ = try await client.apply(
                Workload(name: "w", containers: [.init(name: "a", image: "a:1", args: ["-x", "-y"])]), fieldManager: "ordinal")
            let conflict = await expectKubeError {
                try await client.apply(
                    Workload(name: "w", containers: [.init(name: "a", image: "a:2")]), fieldManager: "kubectl")
            }
            #expect(conflict?.code == .conflict)
            #expect(conflict?.causes.first?.field == ".spec.containers[name=\"a\"].image")
            let forced = try await client.apply(
                Workload(name: "w", containers: [.init(name: "a", image: "a:2", args: ["-z"])]), fieldManager: "kubectl",
                force: true)
            #expect(forced.spec?.containers?.first?.image == "a:2")
            #expect(forced.spec?.containers?.first?.args == ["-z"])
        }
    }

    @Test func statusConditionsMergeByType() async throws {
        try await withServer { _, client in
            _ = try await client.apply(Workload(name: "w", containers: [.init(name: "a")]), fieldManager: "ordinal")
            _ = try await client.applyStatus(
                Workload(name: "w", conditions: [.init(type: "Ready", status: "True")]), fieldManager: "ordinal")
            let result = try await client.applyStatus(
                Workload(name: "w", conditions: [.init(type: "Audited", status: "True")]), fieldManager: "auditor")
            #expect(result.status?.conditions?.map(\.type) == ["Ready", "Audited"])
            #expect(result.spec?.containers?.map(\.name) == ["a"])
        }
    }
}
