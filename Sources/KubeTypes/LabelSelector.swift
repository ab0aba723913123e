/// A label query over a set of objects (`metav1.LabelSelector`).
public struct LabelSelector: Codable, Sendable, Hashable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [LabelSelectorRequirement]?

    public init(matchLabels: [String: String]? = nil, matchExpressions: [LabelSelectorRequirement]? = nil) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether an object with `labels` is selected. An empty selector selects everything.
    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels ?? [:] where labels[key] != value {
            return false
        }
        return (matchExpressions ?? []).allSatisfy { $0.matches(labels) }
    }

    /// The selector in the query-string form the API accepts (`a=b,c in (d,e)`).
    public var queryString: String {
        var parts = (matchLabels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        parts += (matchExpressions ?? []).map(\.queryString)
        return parts.joined(separator: ",")
    }
}

/// One requirement of a ``LabelSelector``.
public struct LabelSelectorRequirement: Codable, Sendable, Hashable {
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    public var `operator`: String
    public var values: [String]?

    public init(key: String, operator: String, values: [String]? = nil) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }

    func matches(_ labels: [String: String]) -> Bool {
        let value = labels[key]
        switch `operator` {
        case "In": return value.map { (values ?? []).contains($0) } ?? false
        case "NotIn": return value.map { !(values ?? []).contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        default: return false
        }
    }

    var queryString: String {
        let list = (values ?? []).joined(separator: ",")
        switch `operator` {
        case "In": return "\(key) in (\(list))"
        case "NotIn": return "\(key) notin (\(list))"
        case "Exists": return key
        default: return "!\(key)"
        }
    }
}
