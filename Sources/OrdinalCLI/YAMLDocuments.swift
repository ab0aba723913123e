import KubeTypes
import Yams

/// Reads a YAML (or JSON) stream into JSON values, one per non-empty document.
enum YAMLDocuments {
    /// - Throws: ``InputError`` naming the source and what the parser said.
    static func parse(_ text: String, source: String) throws(InputError) -> [JSONValue] {
        do {
            var documents: [JSONValue] = []
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                let value = try json(from: node)
                if value != .null { documents.append(value) }
            }
            return documents
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(source: source, document: nil, message: "is not valid YAML: \(error)")
        }
    }

    static func json(from node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar, tag: node.tag)
        case .sequence(let sequence):
            return .array(try sequence.map { try json(from: $0) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw InputError(source: "", document: nil, message: "has a mapping key that is not a string")
                }
                members[name] = try json(from: value)
            }
            return .object(members)
        case .alias:
            throw InputError(source: "", document: nil, message: "uses a YAML alias, which Kubernetes manifests do not support here")
        }
    }

    static func scalarValue(_ scalar: Node.Scalar, tag: Tag) -> JSONValue {
        switch tag.rawValue {
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue: return Bool.construct(from: scalar).map(JSONValue.bool) ?? .string(scalar.string)
        case Tag.Name.int.rawValue:
            return Int64(scalar.string).map(JSONValue.int) ?? Int.construct(from: scalar).map { .int(Int64($0)) } ?? .string(scalar.string)
        case Tag.Name.float.rawValue: return Double.construct(from: scalar).map(JSONValue.double) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }
}

/// A problem with an input file, named by file and document.
struct InputError: Error, CustomStringConvertible {
    var source: String
    /// 1-based document number within the file.
    var document: Int?
    var message: String

    var description: String {
        let place = document.map { "\(source), document \($0)" } ?? source
        return "\(place): \(message)"
    }
}
