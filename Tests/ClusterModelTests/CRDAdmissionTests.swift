import ClusterModel
import KubeAPI
@testable import KubeTestServer
import KubeTypes
import Testing

/// The test server refuses a CRD whose rules a real API server refuses, with the real server's
/// causes (seen on v1.32.13 for the CRD this project shipped before), and accepts Ordinal's.
@Suite("CRD admission on the test server")
struct CRDAdmissionTests {
    static let crds = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition",
        isNamespaced: false)

    func apply(_ crd: JSONValue) async throws -> KubeAPIError? {
        let server = try await KubeTestServer.start()
        let client = KubeClient(config: KubeConfig(server: server.url, namespace: "default"))
        defer { Task { await server.shutdown() } }
        do {
            _ = try await client.applyRaw(Self.crds, object: crd, fieldManager: "ordinal-tests", force: true)
            return nil
        } catch {
            return error
        }
    }

    /// Ordinal's CRD with one root rule's field changed.
    func withRootRule(_ index: Int, _ key: String, _ value: JSONValue?) -> JSONValue {
        var crd = CustomResourceDefinition.postgresCluster
        guard case .object(var spec) = crd["spec"], case .array(var versions) = spec["versions"],
            case .object(var version) = versions[0], case .object(var schema) = version["schema"],
            case .object(var root) = schema["openAPIV3Schema"], case .array(var rules) = root["x-kubernetes-validations"],
            case .object(var rule) = rules[index]
        else { return crd }
        rule[key] = value
        rules[index] = .object(rule)
        root["x-kubernetes-validations"] = .array(rules)
        schema["openAPIV3Schema"] = .object(root)
        version["schema"] = .object(schema)
        versions[0] = .object(version)
        spec["versions"] = .array(versions)
        crd = .object((crd.objectValue ?? [:]).merging(["spec": .object(spec)]) { $1 })
        return crd
    }

    @Test func ordinalsCRDIsAccepted() async throws {
        #expect(try await apply(CustomResourceDefinition.postgresCluster) == nil)
    }

    @Test func theShippedCRDsRefusalsAreTheRealServers() async throws {
        // The CRD as first shipped: reason FieldValueTooLong, and metadata.name undeclared.
        var crd = withRootRule(0, "reason", "FieldValueTooLong")
        let declared = #""metadata":{"properties":{"name":{"type":"string"}},"type":"object"}"#
        let text = try crd.jsonText()
        #expect(text.contains(declared))
        crd = try JSONValue(parsing: Array(text.replacingOccurrences(of: declared, with: #""metadata":{"type":"object"}"#).utf8))
        let error = try #require(try await apply(crd))
        #expect(error.httpStatus == 422)
        let causes = (error.status?.details?.causes ?? []).map { "\($0.field ?? ""): \($0.message ?? "")" }
        #expect(causes == [
            #"spec.validation.openAPIV3Schema.x-kubernetes-validations[0].reason: Unsupported value: "FieldValueTooLong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#,
            #"spec.validation.openAPIV3Schema.x-kubernetes-validations[0].fieldPath: Invalid value: ".metadata.name": fieldPath must be a valid path"#,
            #"spec.validation.openAPIV3Schema.x-kubernetes-validations[1].fieldPath: Invalid value: ".metadata.name": fieldPath must be a valid path"#,
        ])
    }

    @Test func fieldPathsResolveThroughPropertiesMapsAndLists() async throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "spec": [
                    "type": "object",
                    "properties": [
                        "storage": ["type": "object", "properties": ["size": ["type": "string"]]],
                        "parameters": ["type": "object", "additionalProperties": ["type": "string"]],
                        "hosts": ["type": "array", "items": ["type": "object", "properties": ["name": ["type": "string"]]]],
                    ],
                ],
            ],
        ]
        let valid = [".spec.storage.size", ".spec['storage'].size", ".spec.parameters.work_mem", ".spec.parameters['a.b']", ".spec.hosts[0].name"]
        let invalid = [".metadata.name", ".spec.storage.class", ".spec.hosts.name", "spec.storage", ".spec.hosts[x]", ".spec['storage"]
        for path in valid { #expect(CRDValidationRules.resolves(path, in: schema), "\(path)") }
        for path in invalid { #expect(!CRDValidationRules.resolves(path, in: schema), "\(path)") }
    }
}
