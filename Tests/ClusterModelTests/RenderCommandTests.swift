import Foundation
import Testing
@testable import OrdinalCLI

/// `ordinal render` from the command line: good input prints objects, bad input names file, document and field.
@Suite("render command")
struct RenderCommandTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ordinal-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func failure(_ arguments: [String]) throws -> [String] {
        let command = try RenderCommand.parse(arguments)
        do {
            try command.run()
            return []
        } catch let failure as ValidationFailure {
            return failure.lines
        } catch let failure as InputError {
            return [failure.description]
        }
    }

    @Test func secondDocumentWithUnknownFieldIsNamed() throws {
        let path = try write(manifest() + "\n---\n" + manifest(name: "other", spec: "replicas: 2"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try failure(["-f", path])
        #expect(lines == ["\(path), document 2: spec.replicas: unknown field"])
    }

    @Test func invalidYAMLIsReportedWithTheFile() throws {
        let path = try write("apiVersion: ordinal.dev/v1alpha1\nkind: [unclosed\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try failure(["-f", path])
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("\(path): is not valid YAML"))
    }

    @Test func missingFileIsReported() throws {
        let lines = try failure(["-f", "/nonexistent/cluster.yaml"])
        #expect(lines == ["/nonexistent/cluster.yaml: cannot be read (no such file)"])
    }

    @Test func emptyFileIsReported() throws {
        let path = try write("# nothing here\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try failure(["-f", path]) == ["\(path): holds no document"])
    }

    @Test func validFileRenders() throws {
        let path = try write(manifest())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try failure(["-f", path]).isEmpty)
    }
}
