import ClusterModel
import KubeTypes
import OrdinalCLI
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The full rendered output of each example is checked against a file in the repository, so
/// a change to what Ordinal creates is a reviewed diff. `ORDINAL_UPDATE_GOLDEN=1` rewrites them.
@Suite("Golden files")
struct GoldenFileTests {
    static let examples = ["minimal", "production"]

    static func rendered(_ example: String) throws -> String {
        let text = try Repository.read("examples/\(example).yaml")
        var value = try cluster(fromYAML: text)
        value.metadata.uid = "6f1c7a52-0000-4000-8000-000000000001"
        return try ClusterRenderer.yaml(for: [value], passwords: .deterministic(seed: 42))
    }

    @Test("rendered output matches the golden file", arguments: examples)
    func renderedOutputMatchesGoldenFile(example: String) throws {
        let output = try Self.rendered(example)
        let path = Repository.root + "/Tests/ClusterModelTests/Golden/\(example).yaml"
        if ProcessInfo.processInfo.environment["ORDINAL_UPDATE_GOLDEN"] == "1" {
            try output.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(output == golden, "rendering examples/\(example).yaml changed; review and run with ORDINAL_UPDATE_GOLDEN=1")
    }

    @Test func crdInRepositoryMatchesGeneratedCRD() throws {
        let generated = YAMLWriter.document(CustomResourceDefinition.postgresCluster)
        let committed = try Repository.read("crds/postgresclusters.ordinal.dev.yaml")
        #expect(generated == committed, "crds/ differs from `ordinal crd`: run `swift run ordinal crd > crds/postgresclusters.ordinal.dev.yaml`")
    }

    @Test func bundledExampleIsTheMinimalExample() throws {
        #expect(try Repository.read("examples/minimal.yaml") == BundledExample.minimal)
    }
}
