import KubeTypes

extension StoreState {
    static func managerKey(_ request: APIRequest, _ path: APIPath, operation: String) -> FieldManagerKey {
        FieldManagerKey(
            manager: request.query["fieldManager"].flatMap { $0.isEmpty ? nil : $0 } ?? request.defaultManager,
            operation: operation, subresource: path.subresource ?? "", apiVersion: path.apiVersion)
    }

    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let allowed = name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
        let edges = [name.utf8.first, name.utf8.last].allSatisfy { byte in
            guard let byte else { return false }
            return (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return allowed && edges
    }

    /// Refuses what the real server refuses: a bad name, a CRD whose rules it would refuse, an
    /// object of a stored CRD that breaks the CRD's rules (`old` is the stored object on an update).
    func validate(_ path: APIPath, _ object: JSONValue, name: String, old: JSONValue? = nil) throws(APIError) {
        var causes: [StatusCause] = []
        if !Self.isValidName(name) {
            causes.append(
                StatusCause(
                    reason: name.isEmpty ? "FieldValueRequired" : "FieldValueInvalid",
                    message: name.isEmpty
                        ? "Required value: name or generateName is required"
                        : "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case "
                            + "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                    field: "metadata.name"))
        }
        let definitions = ResourceKey(group: "apiextensions.k8s.io", plural: "customresourcedefinitions")
        if path.resource == definitions {
            causes += CRDValidationRules.causes(crd: object)
        } else if let crd = collections[definitions]?[ObjectKey(namespace: "", name: path.resource.description)]?.value {
            causes += CustomResourceRules.causes(crd: crd, version: path.version, object: object, old: old)
        }
        if let old { causes += BuiltInUpdateRules.causes(resource: path.resource, object: object, old: old) }
        if path.resource.group.isEmpty, path.resource.plural == "secrets" { causes += SecretRules.causes(object: object, old: old) }
        if let validator { causes += validator(path.resource, object) }
        if !causes.isEmpty {
            throw APIError.invalid(path, kind: object["kind"]?.stringValue ?? path.plural, name: name, causes: causes)
        }
    }

    mutating func create(
        _ path: APIPath, _ request: APIRequest, body: JSONValue, owners presetOwners: [FieldManagerKey: Set<FieldPath>]? = nil
    ) throws(APIError) -> JSONValue {
        guard case .object = body else { throw APIError.badRequest("the body must be a JSON object") }
        var object = body
        var name = object.metadataName ?? ""
        if name.isEmpty, let prefix = object["metadata"]?["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
        }
        if let namespace = object.metadataNamespace, !namespace.isEmpty, namespace != path.namespace {
            throw APIError.badRequest(
                "the namespace of the provided object does not match the namespace sent on the request")
        }
        try validate(path, object, name: name)
        let key = ObjectKey(namespace: path.namespace ?? "", name: name)
        if collections[path.resource]?[key] != nil { throw APIError.alreadyExists(path, name: name) }
        object.removeValue(at: ["status"])
        object.removeValue(at: ["metadata", "managedFields"])
        object.setValue(.string(name), at: ["metadata", "name"])
        if let namespace = path.namespace { object.setValue(.string(namespace), at: ["metadata", "namespace"]) }
        object.setValue(.string(Self.makeUID()), at: ["metadata", "uid"])
        object.setValue(.string(Self.now()), at: ["metadata", "creationTimestamp"])
        object.setValue(.int(1), at: ["metadata", "generation"])
        completeTypeInfo(&object, resource: path.resource)
        Self.convertStringData(&object, resource: path.resource)
        if object["apiVersion"] == nil { object.setValue(.string(path.apiVersion), at: ["apiVersion"]) }
        var owners: [FieldManagerKey: Set<FieldPath>] = [:]
        if let presetOwners {
            owners = presetOwners
        } else {
            Self.takeOwnership(of: nil, object, by: Self.managerKey(request, path, operation: "Update"), owners: &owners)
        }
        let rev = nextRevision()
        object.setValue(.string(String(rev)), at: ["metadata", "resourceVersion"])
        Self.renderManagedFields(owners, into: &object)
        collections[path.resource, default: [:]][key] = StoredObject(value: object, owners: owners)
        record(HistoryEntry(resource: path.resource, revision: rev, type: "ADDED", object: object, old: nil))
        return object
    }

    /// A PUT: the whole object (main resource) or its status (status subresource).
    mutating func update(_ path: APIPath, _ request: APIRequest, name: String, body: JSONValue) throws(APIError)
        -> JSONValue
    {
        guard case .object = body else { throw APIError.badRequest("the body must be a JSON object") }
        if let bodyName = body.metadataName, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let key = ObjectKey(namespace: path.namespace ?? "", name: name)
        guard let stored = collections[path.resource]?[key] else { throw APIError.notFound(path, name: name) }
        if let version = body.resourceVersion, !version.isEmpty, version != stored.value.resourceVersion {
            throw APIError.conflict(path, name: name)
        }
        let merged = Self.combine(old: stored.value, new: body, subresource: path.subresource ?? "")
        try validate(path, merged, name: name, old: stored.value)
        var owners = stored.owners
        Self.takeOwnership(
            of: stored.value, merged, by: Self.managerKey(request, path, operation: "Update"), owners: &owners)
        return commit(path, key: key, stored: stored, new: merged, owners: owners)
    }

    /// A JSON merge patch on the object or its status.
    mutating func mergePatch(_ path: APIPath, _ request: APIRequest, name: String, patch: JSONValue) throws(APIError)
        -> JSONValue
    {
        let key = ObjectKey(namespace: path.namespace ?? "", name: name)
        guard let stored = collections[path.resource]?[key] else { throw APIError.notFound(path, name: name) }
        if let version = patch.resourceVersion, version != stored.value.resourceVersion {
            throw APIError.conflict(path, name: name)
        }
        let patched = stored.value.applyingMergePatch(patch)
        let merged = Self.combine(old: stored.value, new: patched, subresource: path.subresource ?? "")
        try validate(path, merged, name: name, old: stored.value)
        var owners = stored.owners
        Self.takeOwnership(
            of: stored.value, merged, by: Self.managerKey(request, path, operation: "Update"), owners: &owners)
        return commit(path, key: key, stored: stored, new: merged, owners: owners)
    }

    /// What a write leaves: on the main resource, the new object with the old
    /// status and system metadata; on the status subresource, the old object
    /// with the new status.
    static func combine(old: JSONValue, new: JSONValue, subresource: String) -> JSONValue {
        var result: JSONValue
        if subresource == "status" {
            result = old
            if let status = new["status"] { result.setValue(status, at: ["status"]) } else { result.removeValue(at: ["status"]) }
        } else {
            result = new
            if let status = old["status"] { result.setValue(status, at: ["status"]) } else { result.removeValue(at: ["status"]) }
            for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp", "generateName"] {
                if let value = old["metadata"]?[field] {
                    result.setValue(value, at: ["metadata", field])
                } else {
                    result.removeValue(at: ["metadata", field])
                }
            }
            if result["apiVersion"] == nil, let value = old["apiVersion"] { result.setValue(value, at: ["apiVersion"]) }
            if result["kind"] == nil, let value = old["kind"] { result.setValue(value, at: ["kind"]) }
        }
        result.removeValue(at: ["metadata", "managedFields"])
        return result
    }

    /// Stores a changed object: bumps `generation` when anything outside
    /// metadata and status changed, assigns a new resourceVersion, renders
    /// managedFields, records the event. A write that changes nothing is a no-op.
    mutating func commit(
        _ path: APIPath, key: ObjectKey, stored: StoredObject, new: JSONValue, owners: [FieldManagerKey: Set<FieldPath>]
    ) -> JSONValue {
        var object = new
        Self.convertStringData(&object, resource: path.resource)
        let oldGeneration: Int64 = {
            if case .int(let value)? = stored.value["metadata"]?["generation"] { return value }
            return 1
        }()
        let generation = object.specPart == stored.value.specPart ? oldGeneration : oldGeneration + 1
        object.setValue(.int(generation), at: ["metadata", "generation"])
        var comparableOld = stored.value
        comparableOld.removeValue(at: ["metadata", "managedFields"])
        object.setValue(comparableOld["metadata"]?["resourceVersion"] ?? .null, at: ["metadata", "resourceVersion"])
        object.removeValue(at: ["metadata", "managedFields"])
        if object == comparableOld { return stored.value }

        let rev = nextRevision()
        object.setValue(.string(String(rev)), at: ["metadata", "resourceVersion"])
        Self.renderManagedFields(owners, into: &object)
        let finalizers = object["metadata"]?["finalizers"]?.arrayValue ?? []
        if object["metadata"]?["deletionTimestamp"] != nil, finalizers.isEmpty {
            collections[path.resource]?.removeValue(forKey: key)
            record(HistoryEntry(resource: path.resource, revision: rev, type: "DELETED", object: object, old: nil))
            return object
        }
        collections[path.resource, default: [:]][key] = StoredObject(value: object, owners: owners)
        record(HistoryEntry(resource: path.resource, revision: rev, type: "MODIFIED", object: object, old: stored.value))
        return object
    }

    mutating func delete(_ path: APIPath, _ request: APIRequest, name: String) throws(APIError) -> JSONValue {
        let key = ObjectKey(namespace: path.namespace ?? "", name: name)
        guard let stored = collections[path.resource]?[key] else { throw APIError.notFound(path, name: name) }
        if !request.body.isEmpty {
            let options = try JSONCoding.decode(request.body)
            if let uid = options["preconditions"]?["uid"]?.stringValue,
                let actual = stored.value["metadata"]?["uid"]?.stringValue, uid != actual
            {
                throw APIError.preconditionFailed(
                    path, name: name, message: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(actual)")
            }
            if let version = options["preconditions"]?["resourceVersion"]?.stringValue,
                let actual = stored.value.resourceVersion, version != actual
            {
                throw APIError.preconditionFailed(
                    path, name: name,
                    message: "Precondition failed: ResourceVersion in precondition: \(version), "
                        + "ResourceVersion in object meta: \(actual)")
            }
        }
        return remove(path.resource, key: key, path: path)
    }

    /// Deletes an object, or marks it for deletion while finalizers remain.
    mutating func remove(_ resource: ResourceKey, key: ObjectKey, path: APIPath?) -> JSONValue {
        guard let stored = collections[resource]?[key] else { return .null }
        let finalizers = stored.value["metadata"]?["finalizers"]?.arrayValue ?? []
        if !finalizers.isEmpty, let path {
            if stored.value["metadata"]?["deletionTimestamp"] != nil { return stored.value }
            var marked = stored.value
            marked.setValue(.string(Self.now()), at: ["metadata", "deletionTimestamp"])
            marked.setValue(.int(0), at: ["metadata", "deletionGracePeriodSeconds"])
            var object = marked
            object.removeValue(at: ["metadata", "managedFields"])
            let rev = nextRevision()
            object.setValue(.string(String(rev)), at: ["metadata", "resourceVersion"])
            Self.renderManagedFields(stored.owners, into: &object)
            collections[resource, default: [:]][key] = StoredObject(value: object, owners: stored.owners)
            record(HistoryEntry(resource: path.resource, revision: rev, type: "MODIFIED", object: object, old: stored.value))
            return object
        }
        collections[resource]?.removeValue(forKey: key)
        var object = stored.value
        let rev = nextRevision()
        object.setValue(.string(String(rev)), at: ["metadata", "resourceVersion"])
        record(HistoryEntry(resource: resource, revision: rev, type: "DELETED", object: object, old: nil))
        return object
    }

    mutating func deleteCollection(_ path: APIPath, _ request: APIRequest) throws(APIError) -> JSONValue {
        let listed = try list(path, request)
        var deleted: [JSONValue] = []
        for item in listed["items"]?.arrayValue ?? [] {
            guard let name = item.metadataName else { continue }
            let key = ObjectKey(namespace: item.metadataNamespace ?? "", name: name)
            deleted.append(remove(path.resource, key: key, path: path))
        }
        return .object([
            "apiVersion": .string(path.apiVersion), "kind": "List",
            "metadata": .object(["resourceVersion": .string(String(revision))]), "items": .array(deleted),
        ])
    }
}
