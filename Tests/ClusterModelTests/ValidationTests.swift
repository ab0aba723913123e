import ClusterModel
import KubeTypes
import Testing
import Foundation

/// A table of bad specs, each with the error a user sees.
@Suite("Validation")
struct ValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var label: String
        var yaml: String
        var field: String
        var message: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "zero instances", yaml: manifest(instances: "0"), field: "spec.instances", message: "must be at least 1, got 0"),
        Case(label: "too many instances", yaml: manifest(instances: "17"), field: "spec.instances", message: "must be at most 16, got 17"),
        Case(label: "instances as a string", yaml: manifest(instances: "three"), field: "spec.instances", message: "must be an integer, got a string"),
        Case(label: "version without quotes becomes a number", yaml: manifest(version: "16.4"), field: "spec.postgresVersion", message: "must be a string, got a number"),
        Case(label: "version with three parts", yaml: manifest(version: "\"16.4.1\""), field: "spec.postgresVersion", message: "invalid value \"16.4.1\""),
        Case(label: "too old a version", yaml: manifest(version: "\"12.9\""), field: "spec.postgresVersion", message: "postgresVersion must be 13 or newer"),
        Case(label: "size that is not a quantity", yaml: manifest(size: "ten-gigs"), field: "spec.storage.size", message: "must match"),
        Case(label: "missing storage", yaml: """
            apiVersion: ordinal.dev/v1alpha1
            kind: PostgresCluster
            metadata:
              name: orders
            spec:
              instances: 1
              postgresVersion: "16.4"
            """, field: "spec.storage", message: "required field is missing"),
        Case(label: "unknown field", yaml: manifest(spec: "replicas: 3"), field: "spec.replicas", message: "unknown field"),
        Case(label: "unknown nested field", yaml: manifest(spec: "upgrade:\n  pause: true"), field: "spec.upgrade.pause", message: "unknown field"),
        Case(label: "bad anti-affinity preset", yaml: manifest(spec: "scheduling:\n  antiAffinity: strict"), field: "spec.scheduling.antiAffinity", message: "unsupported value \"strict\": must be one of \"soft\", \"hard\", \"none\""),
        Case(label: "bad retention", yaml: manifest(spec: "pvcRetention:\n  whenDeleted: Destroy"), field: "spec.pvcRetention.whenDeleted", message: "must be one of \"Retain\", \"Delete\""),
        Case(label: "managed parameter", yaml: manifest(spec: "postgresql:\n  parameters:\n    listen_addresses: \"localhost\""), field: "spec.postgresql.parameters.listen_addresses", message: "managed by Ordinal"),
        Case(label: "parameter as a number", yaml: manifest(spec: "postgresql:\n  parameters:\n    max_connections: 200"), field: "spec.postgresql.parameters.max_connections", message: "must be a string, got an integer"),
        Case(label: "parameter name with capitals", yaml: manifest(spec: "postgresql:\n  parameters:\n    Work_Mem: \"4MB\""), field: "spec.postgresql.parameters.Work_Mem", message: "lowercase PostgreSQL setting names"),
        Case(label: "reserved database", yaml: manifest(spec: "bootstrap:\n  database: postgres"), field: "spec.bootstrap.database", message: "cannot be a built-in database"),
        Case(label: "reserved owner", yaml: manifest(spec: "bootstrap:\n  owner: streaming_replica"), field: "spec.bootstrap.owner", message: "cannot be a role Ordinal owns"),
        Case(label: "owner that is not an identifier", yaml: manifest(spec: "bootstrap:\n  owner: App-User"), field: "spec.bootstrap.owner", message: "must match"),
        Case(label: "zero maxUnavailable", yaml: manifest(spec: "podDisruptionBudget:\n  maxUnavailable: 0"), field: "spec.podDisruptionBudget.maxUnavailable", message: "must be at least 1"),
        Case(label: "step timeout too short", yaml: manifest(spec: "upgrade:\n  stepTimeoutSeconds: 5"), field: "spec.upgrade.stepTimeoutSeconds", message: "must be at least 30"),
        Case(label: "secret name with capitals", yaml: manifest(spec: "secrets:\n  app: My_Secret"), field: "spec.secrets.app", message: "must match"),
        Case(label: "over-long name", yaml: manifest(name: String(repeating: "a", count: 53)), field: "metadata.name", message: "must be at most 52 characters"),
        Case(label: "name starting with a digit", yaml: manifest(name: "1orders"), field: "metadata.name", message: "must start with a lowercase letter"),
    ]

    @Test("a bad spec gets an error naming the field", arguments: cases)
    func badSpecGetsFieldError(_ testCase: Case) throws {
        let errors = try fieldErrors(inYAML: testCase.yaml)
        #expect(errors.contains { $0.field == testCase.field && $0.message.contains(testCase.message) }, "got \(errors)")
    }

    @Test func validManifestsHaveNoErrors() throws {
        #expect(try fieldErrors(inYAML: manifest()).isEmpty)
        #expect(try fieldErrors(inYAML: Repository.read("examples/production.yaml")).isEmpty)
        #expect(try fieldErrors(inYAML: manifest(name: String(repeating: "a", count: 52))).isEmpty)
    }

    @Test func wrongKindIsNamed() throws {
        let errors = try fieldErrors(inYAML: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n")
        #expect(errors.first?.message == "expected apiVersion ordinal.dev/v1alpha1 and kind PostgresCluster, got apps/v1 Deployment")
    }

    struct UpdateCase: CustomTestStringConvertible, Sendable {
        var label: String
        var old: String
        var new: String
        var field: String
        var message: String
        var testDescription: String { label }
    }

    static let updateCases: [UpdateCase] = [
        UpdateCase(label: "major version change", old: manifest(version: "\"15.8\""), new: manifest(version: "\"16.4\""), field: "spec.postgresVersion", message: "postgresVersion cannot change major version in place"),
        UpdateCase(label: "storage shrink", old: manifest(size: "10Gi"), new: manifest(size: "9Gi"), field: "spec.storage.size", message: "storage.size cannot shrink: volumes can only grow"),
        UpdateCase(label: "storage shrink across units", old: manifest(size: "1Ti"), new: manifest(size: "1000Gi"), field: "spec.storage.size", message: "cannot shrink"),
        UpdateCase(label: "storage class change", old: manifest(spec: "storage:\n  size: 1Gi\n  storageClassName: a").replacingOnce("  storage:\n    size: 10Gi\n", with: ""), new: manifest(spec: "storage:\n  size: 1Gi\n  storageClassName: b").replacingOnce("  storage:\n    size: 10Gi\n", with: ""), field: "spec.storage.storageClassName", message: "cannot change"),
        UpdateCase(label: "bootstrap change", old: manifest(spec: "bootstrap:\n  database: a"), new: manifest(spec: "bootstrap:\n  database: b"), field: "spec.bootstrap", message: "cannot change after creation"),
        UpdateCase(label: "user secret change", old: manifest(spec: "secrets:\n  app: one"), new: manifest(spec: "secrets:\n  app: two"), field: "spec.secrets.app", message: "cannot change"),
    ]

    @Test("a forbidden change gets an error naming the field", arguments: updateCases)
    func forbiddenChangeGetsFieldError(_ testCase: UpdateCase) throws {
        let errors = SpecValidator.transitionErrors(from: try cluster(fromYAML: testCase.old), to: try cluster(fromYAML: testCase.new))
        #expect(errors.contains { $0.field == testCase.field && $0.message.contains(testCase.message) }, "got \(errors)")
    }

    @Test func allowedChangesHaveNoErrors() throws {
        let pairs = [
            (manifest(version: "\"16.3\""), manifest(version: "\"16.4\"")),
            (manifest(version: "\"16.4\""), manifest(version: "\"16.3\"")),
            (manifest(size: "10Gi"), manifest(size: "20Gi")),
            (manifest(instances: "3"), manifest(instances: "5")),
        ]
        for (old, new) in pairs {
            #expect(SpecValidator.transitionErrors(from: try cluster(fromYAML: old), to: try cluster(fromYAML: new)).isEmpty)
        }
    }
}

extension String {
    func replacingOnce(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
