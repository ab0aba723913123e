import KubeTypes

extension StoreState {
    func get(_ path: APIPath, name: String) throws(APIError) -> JSONValue {
        guard let stored = collections[path.resource]?[ObjectKey(namespace: path.namespace ?? "", name: name)] else {
            throw APIError.notFound(path, name: name)
        }
        if let sub = path.subresource, sub != "status" { throw APIError.notFound(path, name: name) }
        return stored.value
    }

    func list(_ path: APIPath, _ request: APIRequest) throws(APIError) -> JSONValue {
        let labelSelector = try Self.labelSelector(request)
        let fieldSelector = try request.query["fieldSelector"].map { (text) throws(APIError) in
            try FieldSelector(parsing: text)
        }
        var listRevision = revision
        var after: ObjectKey?
        if let token = request.query["continue"], !token.isEmpty {
            let parts = token.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let tokenRevision = Int64(parts[0]) else {
                throw APIError.badRequest("continue key is not valid")
            }
            guard tokenRevision > compactedRevision else {
                throw APIError.gone(
                    "The provided continue parameter is too old to display a consistent list result. "
                        + "You can start a new list without the continue parameter.")
            }
            listRevision = tokenRevision
            after = ObjectKey(namespace: String(parts[1]), name: String(parts[2]))
        }
        let limit = request.query["limit"].flatMap(Int.init) ?? 0
        var selected: [(ObjectKey, JSONValue)] = []
        for (key, stored) in collections[path.resource] ?? [:] {
            if let namespace = path.namespace, key.namespace != namespace { continue }
            if let after, key <= after { continue }
            if let labelSelector, !labelSelector.matches(stored.value.labels) { continue }
            if let fieldSelector, !fieldSelector.matches(stored.value) { continue }
            selected.append((key, stored.value))
        }
        selected.sort { $0.0 < $1.0 }
        var metadata: [String: JSONValue] = ["resourceVersion": .string(String(listRevision))]
        if limit > 0, selected.count > limit {
            let last = selected[limit - 1].0
            metadata["continue"] = .string("\(listRevision)|\(last.namespace)|\(last.name)")
            metadata["remainingItemCount"] = .int(Int64(selected.count - limit))
            selected.removeSubrange(limit...)
        }
        let kind = selected.first?.1["kind"]?.stringValue.map { $0 + "List" } ?? "List"
        // Like the real server: items of built-in types come without apiVersion and kind
        // (custom resources, served as unstructured objects, keep them).
        let isBuiltIn = !path.group.contains(".") || path.group.hasSuffix(".k8s.io")
        let items: [JSONValue] = selected.map { _, object in
            guard isBuiltIn, case .object(var members) = object else { return object }
            members.removeValue(forKey: "apiVersion")
            members.removeValue(forKey: "kind")
            return .object(members)
        }
        return .object([
            "apiVersion": .string(path.apiVersion), "kind": .string(kind), "metadata": .object(metadata),
            "items": .array(items),
        ])
    }

    static func labelSelector(_ request: APIRequest) throws(APIError) -> LabelSelector? {
        guard let text = request.query["labelSelector"], !text.isEmpty else { return nil }
        do {
            return try LabelSelector(parsing: text)
        } catch {
            throw APIError.badRequest("unable to parse requirement: \(error.description)")
        }
    }
}
