extension LabelSelector {
    /// Parses a label selector in the query-string form the API accepts:
    /// `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists) and `!a`
    /// (does not exist), joined by commas. The empty string selects everything.
    public init(parsing query: String) throws(LabelSelectorParseError) {
        var requirements: [LabelSelectorRequirement] = []
        for part in Self.splitTopLevel(query) {
            let term = part.trimmingSpaces()
            if term.isEmpty { continue }
            requirements.append(try Self.parseRequirement(term, in: query))
        }
        self.init(matchExpressions: requirements.isEmpty ? nil : requirements)
    }

    private static func splitTopLevel(_ query: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = query.startIndex
        var index = query.startIndex
        while index < query.endIndex {
            switch query[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(query[start..<index])
                start = query.index(after: index)
            default: break
            }
            index = query.index(after: index)
        }
        parts.append(query[start..<query.endIndex])
        return parts
    }

    private static func parseRequirement(
        _ term: Substring, in query: String
    ) throws(LabelSelectorParseError) -> LabelSelectorRequirement {
        if term.hasPrefix("!") {
            let key = term.dropFirst().trimmingSpaces()
            guard !key.isEmpty else { throw LabelSelectorParseError(selector: query) }
            return LabelSelectorRequirement(key: String(key), operator: "DoesNotExist")
        }
        if let open = term.firstIndex(of: "("), term.hasSuffix(")") {
            let head = term[term.startIndex..<open].split(separator: " ", omittingEmptySubsequences: true)
            guard head.count == 2 else { throw LabelSelectorParseError(selector: query) }
            let values = term[term.index(after: open)..<term.index(before: term.endIndex)]
                .split(separator: ",").map { String($0.trimmingSpaces()) }.filter { !$0.isEmpty }
            switch head[1] {
            case "in": return LabelSelectorRequirement(key: String(head[0]), operator: "In", values: values)
            case "notin": return LabelSelectorRequirement(key: String(head[0]), operator: "NotIn", values: values)
            default: throw LabelSelectorParseError(selector: query)
            }
        }
        for (token, op) in [("!=", "NotIn"), ("==", "In"), ("=", "In")] {
            if let range = term.firstRange(of: token) {
                let key = term[term.startIndex..<range.lowerBound].trimmingSpaces()
                let value = term[range.upperBound...].trimmingSpaces()
                guard !key.isEmpty else { throw LabelSelectorParseError(selector: query) }
                return LabelSelectorRequirement(key: String(key), operator: op, values: [String(value)])
            }
        }
        guard !term.contains(" ") else { throw LabelSelectorParseError(selector: query) }
        return LabelSelectorRequirement(key: String(term), operator: "Exists")
    }
}

/// A label selector string that does not parse.
public struct LabelSelectorParseError: Error, Sendable, CustomStringConvertible {
    /// The selector as given.
    public var selector: String

    public var description: String { "invalid label selector \"\(selector)\"" }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
