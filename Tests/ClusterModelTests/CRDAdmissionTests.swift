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

    @Test func fieldPathsResolveThroughPropertiesAndMapsNotListIndexes() async throws {
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
        let valid = [".spec.storage.size", ".spec['storage'].size", ".spec.parameters.work_mem", ".spec.parameters['a.b']", ".spec.hosts"]
        // A list index is refused as the server refuses it (its check never steps into items).
        let invalid = [".metadata.name", ".spec.storage.class", ".spec.hosts.name", "spec.storage", ".spec.hosts[0].name", ".spec.hosts[x]", ".spec['storage"]
        for path in valid { #expect(CRDValidationRules.resolves(path, in: schema), "\(path)") }
        for path in invalid { #expect(!CRDValidationRules.resolves(path, in: schema), "\(path)") }
    }

    /// A CRD of one version whose spec has these properties.
    static func probe(_ properties: JSONValue) -> JSONValue {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "probes.cost.example"],
            "spec": [
                "group": "cost.example", "scope": "Namespaced", "names": ["kind": "Probe", "plural": "probes"],
                "versions": [[
                    "name": "v1", "served": true, "storage": true,
                    "schema": ["openAPIV3Schema": ["type": "object", "properties": ["spec": ["type": "object", "properties": properties]]]],
                ]],
            ],
        ]
    }

    static func rule(_ text: String) -> JSONValue { ["x-kubernetes-validations": [["rule": .string(text), "message": "m"]]] }

    static func merged(_ schema: JSONValue, _ extra: JSONValue) -> JSONValue {
        .object((schema.objectValue ?? [:]).merging(extra.objectValue ?? [:]) { $1 })
    }

    @Test func rulesOverTheCostBudgetAreRefusedAsTheRealServerRefusesThem() {
        // The same CRD on a real v1.32.13 server: `names` and `labels` refused ("more than 100x"),
        // both named as contributing to the total, the total refused; `bounded` and `name` admitted.
        let crd = Self.probe([
            "names": Self.merged(["type": "array", "items": ["type": "string"]], Self.rule("self.all(x, x.matches('^[a-z]+$'))")),
            "bounded": Self.merged(
                ["type": "array", "maxItems": 10, "items": ["type": "string", "maxLength": 63]], Self.rule("self.all(x, x.matches('^[a-z]+$'))")),
            "name": Self.merged(["type": "string"], Self.rule("self.matches('^[a-z]+$')")),
            "labels": Self.merged(["type": "object", "additionalProperties": ["type": "string"]], Self.rule("self.all(k, self[k].contains('x'))")),
        ])
        let causes = CRDValidationRules.causes(crd: crd).map { "\($0.field ?? ""): \($0.message ?? "")" }
        let prefix = "spec.validation.openAPIV3Schema.properties[spec].properties"
        let advice = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
        #expect(Set(causes) == [
            "\(prefix)[labels].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x \(advice)",
            "\(prefix)[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x \(advice)",
            "\(prefix)[names].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
            "\(prefix)[labels].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
            "spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x \(advice)",
        ])
    }

    @Test func costFiguresFollowTheEstimatorsFormulas() throws {
        // parameters: `self.all(k, k.matches(R) && k.size() <= 63)`, a map of at most 256 entries.
        // k: 1; matches: ceil((0 + 1) × 0.1) × ceil(18 × 0.25) = 1 × 5, + k = 6; k.size() <= 63: 1 + 1 + ceil(1 × 0.1) = 3;
        // && : 9; one iteration: 2 (loop condition) + 1 (accumulator) + 9 = 12; all: self 1 + result 1 + 256 × 12 = 3074.
        let parameters: JSONValue = ["type": "object", "maxProperties": 256, "additionalProperties": ["type": "string", "maxLength": 1024]]
        let rule = try CELParser.parse("self.all(k, k.matches('^[a-z][a-z0-9_.]*$') && k.size() <= 63)")
        #expect(try CELCostEstimator.cost(of: rule, schema: parameters, isRoot: false) == 3074)
        // name: `self.matches('^[a-z]+$')` on an unbounded string: ceil((3145726 + 1) × 0.1) × ceil(8 × 0.25) + self = 314573 × 2 + 1.
        let name = try CELParser.parse("self.matches('^[a-z]+$')")
        #expect(try CELCostEstimator.cost(of: name, schema: ["type": "string"], isRoot: false) == 629_147)
        // self == oldSelf on a string of maxLength 253: ceil(1012 × 0.1) + 2 = 104.
        let same = try CELParser.parse("self == oldSelf")
        #expect(try CELCostEstimator.cost(of: same, schema: ["type": "string", "maxLength": 253], isRoot: false) == 104)
    }

    @Test func rulesThatDoNotCompileAreRefused() {
        let table: [(String, String)] = [
            ("self.all(x, x.matches('^[a-z]+$')", "Syntax error"),
            ("self.nosuchfield == 'a'", "undefined field 'nosuchfield'"),
            ("self.name.frobnicate()", "undeclared reference to 'frobnicate'"),
            ("other == 1", "undeclared reference to 'other'"),
        ]
        for (text, expected) in table {
            let schema = Self.merged(["type": "object", "properties": ["name": ["type": "string", "maxLength": 10]]], Self.rule(text))
            let causes = CRDValidationRules.causes(crd: Self.probe(["inner": schema]))
            #expect(causes.count == 1 && causes.first?.message?.contains(expected) == true, "\(text): \(causes)")
            #expect(causes.first?.message?.hasPrefix("Invalid value: ") == true)
        }
    }
}
