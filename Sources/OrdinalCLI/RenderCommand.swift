import ArgumentParser
import ClusterModel
import KubeTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ordinal render`: prints every object the operator would create, as YAML, in apply order.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print every object Ordinal would create for PostgresCluster manifests.",
        discussion: """
            Reads one or more PostgresCluster objects (YAML or JSON, several documents per file) and
            prints the Secrets, ConfigMap, Services, StatefulSet and PodDisruptionBudget the operator
            would create, in apply order. Without -f it renders the bundled example cluster.
            Passwords in the printed Secrets are freshly drawn, as the operator draws them once at creation.
            """)

    @Option(name: [.short, .customLong("filename")], help: "A manifest file, or - for standard input. Repeatable.")
    var files: [String] = []

    @Option(name: .shortAndLong, help: "Namespace for objects whose manifest names none.")
    var namespace = "default"

    func run() throws {
        let inputs: [(source: String, text: String)]
        if files.isEmpty {
            inputs = [("<bundled example>", BundledExample.minimal)]
        } else {
            inputs = try files.map { try ($0, readInput($0)) }
        }
        var clusters: [PostgresCluster] = []
        var problems: [String] = []
        for input in inputs {
            let documents = try YAMLDocuments.parse(input.text, source: input.source)
            if documents.isEmpty {
                problems.append("\(input.source): holds no document")
            }
            for (index, document) in documents.enumerated() {
                do {
                    clusters.append(try ClusterDocument.decode(document, defaultNamespace: namespace))
                } catch {
                    for fieldError in error.errors {
                        problems.append(InputError(source: input.source, document: index + 1, message: fieldError.description).description)
                    }
                }
            }
        }
        guard problems.isEmpty else {
            throw ValidationFailure(lines: problems)
        }
        print(try ClusterRenderer.yaml(for: clusters, passwords: .secure), terminator: "")
    }

    private func readInput(_ path: String) throws -> String {
        if path == "-" {
            var lines: [String] = []
            while let line = readLine(strippingNewline: false) { lines.append(line) }
            return lines.joined()
        }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationFailure(lines: ["\(path): cannot be read (\(Self.reason(error)))"])
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, cocoa.code == .fileReadNoSuchFile { return "no such file" }
        return "\(error)"
    }
}

/// Input that cannot be used: printed line by line, exit code 1, no stack trace.
struct ValidationFailure: Error, CustomStringConvertible {
    var lines: [String]
    var description: String { lines.joined(separator: "\n") }
}
