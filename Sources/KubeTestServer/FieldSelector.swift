import KubeTypes

/// A field selector (`metadata.name=x,status.phase!=Running`) as the fake server applies it.
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var path: FieldPath
        var value: String
        var isEqual: Bool
    }

    var requirements: [Requirement]

    init(parsing query: String) throws(APIError) {
        requirements = []
        for term in query.split(separator: ",") {
            let text = String(term)
            let (op, isEqual): (String, Bool) =
                text.contains("!=") ? ("!=", false) : text.contains("==") ? ("==", true) : ("=", true)
            guard let range = text.range(of: op) else {
                throw APIError.badRequest("invalid field selector \"\(query)\"")
            }
            let key = String(text[text.startIndex..<range.lowerBound])
            guard !key.isEmpty else { throw APIError.badRequest("invalid field selector \"\(query)\"") }
            requirements.append(
                Requirement(
                    path: key.split(separator: ".").map(String.init),
                    value: String(text[range.upperBound...]), isEqual: isEqual))
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            let actual: String
            switch object.value(at: requirement.path) {
            case .string(let text): actual = text
            case .int(let number): actual = String(number)
            case .bool(let flag): actual = String(flag)
            case .double(let number): actual = String(number)
            default: actual = ""
            }
            return (actual == requirement.value) == requirement.isEqual
        }
    }
}

extension String {
    fileprivate func range(of needle: String) -> Range<String.Index>? {
        firstRange(of: needle)
    }
}
