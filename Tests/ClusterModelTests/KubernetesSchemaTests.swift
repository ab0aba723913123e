import ClusterModel
import KubeTypes
import Testing

import Foundation

/// Every rendered object validates against the real Kubernetes JSON schemas, through the
/// `kubernetes-validate` tool (PyPI; installed by `.ci/run` and `scripts/setup.sh`).
@Suite("Kubernetes schemas", .enabled(if: KubernetesValidate.path != nil, "kubernetes-validate is not installed: run scripts/setup.sh"))
struct KubernetesSchemaTests {
    @Test("rendered objects of every example pass strict validation", arguments: GoldenFileTests.examples)
    func renderedObjectsPassStrictValidation(example: String) throws {
        let result = try KubernetesValidate.run(yaml: try GoldenFileTests.rendered(example))
        #expect(result.status == 0, "kubernetes-validate rejected examples/\(example).yaml's objects:\n\(result.output)")
        #expect(result.output.components(separatedBy: " passed for resource ").count - 1 >= 8, "too few objects validated:\n\(result.output)")
    }

    @Test func crdPassesValidationAsCustomResourceDefinition() throws {
        let result = try KubernetesValidate.run(yaml: YAMLWriter.document(CustomResourceDefinition.postgresCluster))
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("customresourcedefinition/postgresclusters.ordinal.dev"))
    }

    @Test func aBrokenObjectIsRejected() throws {
        // Proves the check can fail: a StatefulSet with a string where an integer belongs.
        let yaml = try GoldenFileTests.rendered("minimal").replacingOccurrences(of: "  replicas: 3", with: "  replicas: three")
        let result = try KubernetesValidate.run(yaml: yaml)
        #expect(result.status != 0)
    }
}

enum KubernetesValidate {
    /// The Kubernetes version the objects are checked against (the oldest we support).
    static let kubernetesVersion = "1.30.0"

    static let path: String? = {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/kubernetes-validate"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static func run(yaml: String) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ordinal-validate-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/false")
        process.arguments = ["--strict", "--kubernetes-version", kubernetesVersion, file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
