import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import OrdinalCLI
import Testing

/// One source for each rule: the CRD's CEL rules are exactly the catalogue's, and what the API
/// server refuses an object with is the sentence ``SpecValidator`` reports for it. The API server
/// here is the test server, which evaluates the CRD's rules at admission as a real one does.
@Suite("Rule catalogue")
struct RuleCatalogueTests {
    struct Entry: Hashable, CustomStringConvertible {
        var path: String
        var rule: String
        var message: String
        var reason: String?
        var fieldPath: String?
        var description: String { "\(path.isEmpty ? "<root>" : path): \(rule)" }
    }

    /// Every rule in a schema's JSON, with the dotted path of the node it sits on.
    static func rules(in schema: JSONValue, path: [String] = []) -> [Entry] {
        var found = (schema["x-kubernetes-validations"]?.arrayValue ?? []).map { rule in
            Entry(
                path: path.joined(separator: "."), rule: rule["rule"]?.stringValue ?? "", message: rule["message"]?.stringValue ?? "",
                reason: rule["reason"]?.stringValue, fieldPath: rule["fieldPath"]?.stringValue)
        }
        for (name, child) in (schema["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            found += rules(in: child, path: path + [name])
        }
        for key in ["items", "additionalProperties"] {
            if let child = schema[key], child.objectValue != nil { found += rules(in: child, path: path + ["*"]) }
        }
        return found
    }

    @Test func everyCELRuleInTheCRDHasASwiftTwin() throws {
        let version = try #require(CustomResourceDefinition.postgresCluster["spec"]?["versions"]?.arrayValue?.first)
        let schema = try #require(version["schema"]?["openAPIV3Schema"])
        let inCRD = Self.rules(in: schema)
        let catalogue = SpecRules.all.map {
            Entry(path: $0.schemaPath.joined(separator: "."), rule: $0.rule, message: $0.message, reason: $0.reason, fieldPath: $0.fieldPath)
        }
        #expect(inCRD.count == catalogue.count)
        #expect(Set(inCRD).subtracting(catalogue).isEmpty, "rules in the CRD without a Swift twin")
        #expect(Set(catalogue).subtracting(inCRD).isEmpty, "catalogue rules missing from the CRD")
        #expect(Set(catalogue.map(\.message)).count == catalogue.count, "two rules share a message")
        for rule in SpecRules.all {
            #expect(rule.isTransition == rule.rule.contains("oldSelf"), "\(rule.rule)")
        }
        #expect(SpecRules.all.count == SpecRules.objectRules.count + SpecRules.transitionRules.count)
    }

    // MARK: - One sentence, end to end

    static let clusters = ResourceType(PostgresCluster.self)
    static let crds = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition",
        isNamespaced: false)

    static func object(_ change: (inout JSONValue) -> Void = { _ in }) -> JSONValue {
        var object: JSONValue = [
            "apiVersion": .string(PostgresCluster.apiVersion), "kind": "PostgresCluster",
            "metadata": ["name": "orders", "namespace": "default"],
            "spec": ["instances": 3, "postgresVersion": "16.4", "storage": ["size": "10Gi"]],
        ]
        change(&object)
        return object
    }

    static let bucket: JSONValue = ["s3": ["endpoint": "s3.example.com", "region": "eu-west-1", "bucket": "orders-backups", "credentialsSecret": "orders-s3"]]

    /// Each breaks one CEL rule and nothing else in the schema.
    static let badObjects: [(String, JSONValue)] = [
        ("name too long", object { $0.set(["metadata", "name"], .string(String(repeating: "a", count: 53))) }),
        ("name not a DNS-1035 label", object { $0.set(["metadata", "name"], "9orders") }),
        ("version 12", object { $0.set(["spec", "postgresVersion"], "12.9") }),
        ("parameter name with capitals", object { $0.set(["spec", "postgresql", "parameters"], ["Work_Mem": "4MB"]) }),
        ("managed parameter", object { $0.set(["spec", "postgresql", "parameters"], ["port": "5433", "work_mem": "4MB"]) }),
        ("newline in a value", object { $0.set(["spec", "postgresql", "parameters"], ["work_mem": "4MB\nport = 1"]) }),
        ("reserved database", object { $0.set(["spec", "bootstrap", "database"], "postgres") }),
        ("reserved owner", object { $0.set(["spec", "bootstrap", "owner"], "streaming_replica") }),
        ("backup without a bucket", object { $0.set(["spec", "backup"], ["repository": [:]]) }),
        ("backup schedule with hour 25", object { $0.set(["spec", "backup"], ["repository": bucket, "schedule": ["full": "0 25 * * *"]]) }),
        ("backup with archive_command", object {
            $0.set(["spec", "backup"], ["repository": bucket])
            $0.set(["spec", "postgresql", "parameters"], ["archive_command": "cp %p /x/%f"])
        }),
        ("two rules at once", object {
            $0.set(["spec", "postgresVersion"], "12")
            $0.set(["spec", "bootstrap", "owner"], "postgres")
        }),
    ]

    /// A test server with Ordinal's CRD applied, and a client of it.
    static func withServer(_ body: (KubeClient) async throws -> Void) async throws {
        let server = try await KubeTestServer.start()
        defer { Task { await server.shutdown() } }
        let client = KubeClient(config: KubeConfig(server: server.url, namespace: "default"))
        _ = try await client.applyRaw(crds, object: CustomResourceDefinition.postgresCluster, fieldManager: "ordinal-tests", force: true)
        try await body(client)
    }

    /// The causes of the server's refusal of `body`, or `nil` when it was admitted.
    static func refusal(_ body: () async throws -> Void) async -> (message: String, causes: [StatusCause])? {
        do {
            try await body()
            return nil
        } catch let error as KubeAPIError {
            return (error.status?.message ?? "\(error)", error.status?.details?.causes ?? [])
        } catch {
            return ("\(error)", [])
        }
    }

    /// A cause's message without the server's prefix (`Invalid value: "string": `, `Forbidden: `).
    static func ruleMessage(_ cause: StatusCause) -> String {
        let text = cause.message ?? ""
        if text.hasPrefix("Forbidden: ") { return String(text.dropFirst("Forbidden: ".count)) }
        if text.hasPrefix("Invalid value: "), let range = text.range(of: "\": ") { return String(text[range.upperBound...]) }
        return text
    }

    @Test func admissionRefusesABadObjectWithTheSentenceSpecValidatorReports() async throws {
        try await Self.withServer { client in
            for (label, object) in Self.badObjects {
                let swift = SpecValidator.errors(in: try object.decode(as: PostgresCluster.self))
                #expect(!swift.isEmpty, "\(label): SpecValidator found nothing")
                let refused = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests") }
                let refusal = try #require(refused, "\(label): admitted")
                for error in swift {
                    #expect(refusal.message.contains(error.message), "\(label): \(refusal.message) lacks \(error.message)")
                    #expect(refusal.causes.contains { Self.ruleMessage($0) == error.message && error.field.hasPrefix($0.field ?? "?") }, "\(label): \(refusal.causes)")
                }
                #expect(Set(refusal.causes.map(Self.ruleMessage)) == Set(swift.map(\.message)), "\(label)")
            }
        }
    }

    @Test func admissionAndSpecValidatorBothAcceptTheExamples() async throws {
        try await Self.withServer { client in
            for example in ["examples/minimal.yaml", "examples/production.yaml", "examples/backups.yaml"] {
                for document in try YAMLDocuments.parse(try Repository.read(example), source: example) {
                    var object = document
                    object.set(["metadata", "namespace"], "default")
                    #expect(SpecValidator.errors(in: try object.decode(as: PostgresCluster.self)).isEmpty, "\(example)")
                    let refused = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests") }
                    #expect(refused == nil, "\(example): \(refused?.message ?? "")")
                }
            }
        }
    }

    static let forbiddenChanges: [(String, @Sendable (inout JSONValue) -> Void)] = [
        ("major version", { $0.set(["spec", "postgresVersion"], "17.0") }),
        ("major version without a minor", { $0.set(["spec", "postgresVersion"], "15") }),
        ("shrink", { $0.set(["spec", "storage", "size"], "9Gi") }),
        ("shrink across units", { $0.set(["spec", "storage", "size"], "10000Mi") }),
        ("storage class changed", { $0.set(["spec", "storage", "storageClassName"], "fast") }),
        ("storage class removed", { $0.set(["spec", "storage"], ["size": "10Gi"]) }),
        ("bootstrap", { $0.set(["spec", "bootstrap", "database"], "shop2") }),
        ("named Secret", { $0.set(["spec", "secrets", "app"], "other-app") }),
        ("named superuser Secret", { $0.set(["spec", "secrets", "superuser"], "other-superuser") }),
    ]

    @Test func admissionRefusesAForbiddenChangeWithTheSentenceOfItsTransitionTwin() async throws {
        let base = Self.object {
            $0.set(["spec", "storage", "storageClassName"], "standard")
            $0.set(["spec", "bootstrap", "database"], "shop")
            $0.set(["spec", "secrets"], ["app": "shop-app", "superuser": "shop-superuser"])
        }
        let old = try base.decode(as: PostgresCluster.self)
        try await Self.withServer { client in
            _ = try await client.applyRaw(Self.clusters, object: base, fieldManager: "ordinal-tests")
            for (label, change) in Self.forbiddenChanges {
                var object = base
                change(&object)
                let swift = SpecValidator.transitionErrors(from: old, to: try object.decode(as: PostgresCluster.self))
                #expect(swift.count == 1, "\(label): \(swift)")
                let refused = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests") }
                let refusal = try #require(refused, "\(label): admitted")
                #expect(Set(refusal.causes.map(Self.ruleMessage)) == Set(swift.map(\.message)), "\(label): \(refusal.message)")
                #expect(Set(refusal.causes.compactMap(\.field)) == Set(swift.map(\.field)), "\(label): \(refusal.causes)")
            }
            // Allowed changes: a minor downgrade, a larger volume, more instances.
            var allowed = base
            allowed.set(["spec", "postgresVersion"], "16.3")
            allowed.set(["spec", "storage", "size"], "1Ti")
            allowed.set(["spec", "instances"], 5)
            #expect(SpecValidator.transitionErrors(from: old, to: try allowed.decode(as: PostgresCluster.self)).isEmpty)
            let refused = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: allowed, fieldManager: "ordinal-tests") }
            #expect(refused == nil, "\(refused?.message ?? "")")
        }
    }
}
