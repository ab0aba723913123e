import ClusterModel
import KubeTypes
@testable import OrdinalCLI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Paths and helpers shared by the ClusterModel tests.
enum Repository {
    /// The repository root, found from this file's path (no bundle resources needed).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/ClusterModelTests/TestSupport.swift
        return parts.joined(separator: "/")
    }()

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }
}

/// Decodes the first PostgresCluster in a YAML text, the way `ordinal render` does.
func cluster(fromYAML text: String, namespace: String = "default") throws -> PostgresCluster {
    let documents = try YAMLDocuments.parse(text, source: "test.yaml")
    guard let first = documents.first else { throw InputError(source: "test.yaml", document: nil, message: "holds no document") }
    return try ClusterDocument.decode(first, defaultNamespace: namespace)
}

/// The field errors a YAML text gets, or an empty list when it is valid.
func fieldErrors(inYAML text: String) throws -> [FieldError] {
    let documents = try YAMLDocuments.parse(text, source: "test.yaml")
    guard let first = documents.first else { return [] }
    do {
        _ = try ClusterDocument.decode(first, defaultNamespace: "default")
        return []
    } catch {
        return error.errors
    }
}

/// A minimal valid manifest with `extra` spliced into its spec.
func manifest(name: String = "orders", spec extra: String = "", instances: String = "3", version: String = "\"16.4\"", size: String = "10Gi") -> String {
    """
    apiVersion: ordinal.dev/v1alpha1
    kind: PostgresCluster
    metadata:
      name: \(name)
    spec:
      instances: \(instances)
      postgresVersion: \(version)
      storage:
        size: \(size)
    \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
    """
}

/// A resolved cluster from a manifest with a fixed uid, so owner references appear.
func resolved(_ text: String, uid: String = "6f1c7a52-0000-4000-8000-000000000001") throws -> ResolvedCluster {
    var value = try cluster(fromYAML: text)
    value.metadata.uid = uid
    return ResolvedCluster(value)
}
