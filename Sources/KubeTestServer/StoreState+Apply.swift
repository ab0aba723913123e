import KubeTypes

extension StoreState {
    /// Server-side apply, approximated: each manager owns the leaf fields it
    /// applied; lists of objects with distinct `name` (or `type`) fields are
    /// associative (merged and owned element by element, as containers, env,
    /// volumes and conditions are), other lists atomic; applying a value another
    /// manager owns with a different live value is a conflict unless `force`;
    /// fields a manager stops applying are removed unless someone else owns them.
    mutating func apply(_ path: APIPath, _ request: APIRequest, name: String, body: JSONValue) throws(APIError)
        -> JSONValue
    {
        guard let manager = request.query["fieldManager"], !manager.isEmpty else {
            throw APIError.badRequest("PATCH with an apply patch must have a fieldManager query parameter")
        }
        guard body["apiVersion"]?.stringValue != nil, body["kind"]?.stringValue != nil else {
            throw APIError.badRequest("an apply patch must set apiVersion and kind")
        }
        if let bodyName = body.metadataName, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let force = request.flag("force")
        let subresource = path.subresource ?? ""
        let managerKey = FieldManagerKey(
            manager: manager, operation: "Apply", subresource: subresource, apiVersion: path.apiVersion)
        let applied = Self.ownableLeaves(of: body, subresource: subresource)
        let key = ObjectKey(namespace: path.namespace ?? "", name: name)

        guard let stored = collections[path.resource]?[key] else {
            if subresource == "status" { throw APIError.notFound(path, name: name) }
            var object = body
            object.setValue(.string(name), at: ["metadata", "name"])
            return try create(path, request, body: object, owners: [managerKey: Set(applied.keys)])
        }
        if let version = body.resourceVersion, !version.isEmpty, version != stored.value.resourceVersion {
            throw APIError.conflict(path, name: name)
        }

        var owners = stored.owners
        var conflicts: [(FieldPath, FieldManagerKey)] = []
        for (field, value) in applied where stored.value.value(at: field) != value {
            for (other, fields) in owners where other != managerKey && fields.contains(field) {
                conflicts.append((field, other))
            }
        }
        if !conflicts.isEmpty {
            guard force else { throw Self.applyConflict(path, name: name, conflicts: conflicts) }
            for (field, other) in conflicts { owners[other]?.remove(field) }
        }

        var merged = stored.value.merging(Self.ownableTree(of: body, subresource: subresource))
        let previous = owners[managerKey] ?? []
        for field in previous where applied[field] == nil {
            let ownedElsewhere = owners.contains { $0.key != managerKey && $0.value.contains(field) }
            if ownedElsewhere { continue }
            // Dropping the key of an associative-list element drops the element, unless
            // another manager still owns something inside it.
            if field.count >= 2, let step = ListElementKey(segment: field[field.count - 2]), step.key == field.last {
                let element = Array(field.dropLast())
                let elementOwnedElsewhere = owners.contains { owner, fields in
                    owner != managerKey && fields.contains { $0.starts(with: element) }
                }
                if !elementOwnedElsewhere { merged.removeValue(at: element) }
                continue
            }
            merged.removeValue(at: field)
            // A map the manager's fields alone made goes with them (as structured-merge-diff
            // removes a struct no longer applied), not left behind as `{}`.
            var parent = Array(field.dropLast())
            while !parent.isEmpty, merged.value(at: parent) == .object([:]), ListElementKey(segment: parent[parent.count - 1]) == nil {
                merged.removeValue(at: parent)
                parent.removeLast()
            }
        }
        owners[managerKey] = Set(applied.keys)
        let combined = Self.combine(old: stored.value, new: merged, subresource: subresource)
        try validate(path, combined, name: name, old: stored.value)
        return commit(path, key: key, stored: stored, new: combined, owners: owners)
    }

    /// A field path as the API server prints it: `.spec.containers[name="a"].image`.
    static func displayPath(_ field: FieldPath) -> String {
        field.map { segment in
            guard let step = ListElementKey(segment: segment) else { return "." + segment }
            return "[\(step.key)=\"\(step.value)\"]"
        }.joined()
    }

    static func applyConflict(_ path: APIPath, name: String, conflicts: [(FieldPath, FieldManagerKey)]) -> APIError {
        let causes = conflicts.sorted { displayPath($0.0) < displayPath($1.0) }.map {
            field, other in
            StatusCause(
                reason: "FieldManagerConflict",
                message: "conflict with \"\(other.manager)\" using \(other.apiVersion)",
                field: displayPath(field))
        }
        let list = causes.map { "\($0.message ?? ""): \($0.field ?? "")" }.joined(separator: "\n- ")
        let noun = conflicts.count == 1 ? "conflict" : "conflicts"
        var error = APIError(
            code: 409, reason: "Conflict", message: "Apply failed with \(conflicts.count) \(noun): \(list)",
            details: StatusDetails(name: name, group: path.group.isEmpty ? nil : path.group, kind: path.plural))
        error.status.details?.causes = causes
        return error
    }
}
