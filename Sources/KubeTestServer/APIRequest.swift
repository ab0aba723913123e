/// One HTTP request as the store sees it: method, parsed path, query, body.
struct APIRequest: Sendable {
    var method: String
    var rawPath: String
    var query: [String: String]
    var contentType: String?
    var body: [UInt8]
    /// The manager name of writes without `fieldManager`: the User-Agent up to its first `/`, as the API server does.
    var defaultManager = "unknown"

    init(method: String, uri: String, contentType: String?, body: [UInt8]) {
        self.method = method
        self.contentType = contentType
        self.body = body
        if let mark = uri.firstIndex(of: "?") {
            rawPath = String(uri[uri.startIndex..<mark])
            var query: [String: String] = [:]
            for pair in uri[uri.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0]).removingPercentEncoding
                let value = parts.count > 1 ? String(parts[1]).replacingPlus.removingPercentEncoding : ""
                query[key] = value
            }
            self.query = query
        } else {
            rawPath = uri
            query = [:]
        }
    }

    var path: APIPath? { APIPath(rawPath) }

    func flag(_ name: String) -> Bool {
        guard let value = query[name] else { return false }
        return value == "true" || value == "1" || value.isEmpty
    }

    /// The verb as the API server's metrics name it.
    var verb: String {
        guard let path else { return method.lowercased() }
        switch method {
        case "GET":
            if path.name != nil { return "get" }
            return flag("watch") ? "watch" : "list"
        case "POST": return "create"
        case "PUT": return "update"
        case "PATCH": return contentType?.hasPrefix("application/apply-patch") == true ? "apply" : "patch"
        case "DELETE": return path.name == nil ? "deletecollection" : "delete"
        default: return method.lowercased()
        }
    }
}

extension String {
    fileprivate var replacingPlus: String {
        String(map { $0 == "+" ? " " : $0 })
    }
}
