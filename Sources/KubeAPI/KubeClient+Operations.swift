import KubeTypes

extension KubeClient {
    func namespace(_ resource: ResourceType, _ explicit: String?, object: String? = nil) -> String? {
        guard resource.isNamespaced else { return nil }
        return explicit ?? object ?? config.namespace
    }

    // MARK: - Typed operations

    /// Reads one object.
    public func get<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws(KubeAPIError) -> T {
        let call = Call(verb: "get", method: "GET", resource: ResourceType(T.self), namespace: self.namespace(ResourceType(T.self), namespace), name: name)
        return try decode(T.self, from: try await send(call), operation: call.operation)
    }

    /// Reads one object, or `nil` when it does not exist.
    public func getIfPresent<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws(KubeAPIError) -> T? {
        do {
            return try await get(type, name: name, namespace: namespace)
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }

    /// Lists one page. For a namespaced type, `namespace: nil` lists all namespaces.
    public func list<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()
    ) async throws(KubeAPIError) -> ObjectList<T> {
        let call = Call(verb: "list", method: "GET", resource: ResourceType(T.self), namespace: namespace, query: options.queryItems)
        return try decode(ObjectList<T>.self, from: try await send(call), operation: call.operation)
    }

    /// Lists every page (following `continue`), `pageSize` objects at a time.
    /// The result's resourceVersion is the first page's: watch from there.
    public func listAll<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(), pageSize: Int = 500
    ) async throws(KubeAPIError) -> ObjectList<T> {
        var options = options
        options.limit = pageSize
        var result = try await list(type, namespace: namespace, options: options)
        var next = result.metadata.continue
        while let token = next, !token.isEmpty {
            options.continueToken = token
            let page = try await list(type, namespace: namespace, options: options)
            result.items += page.items
            next = page.metadata.continue
        }
        result.metadata.continue = nil
        result.metadata.remainingItemCount = nil
        return result
    }

    /// Creates an object; the namespace is the argument's, else the object's, else the default.
    public func create<T: KubernetesResource>(_ object: T, namespace: String? = nil) async throws(KubeAPIError) -> T {
        let resource = ResourceType(T.self)
        var call = Call(verb: "create", method: "POST", resource: resource, namespace: self.namespace(resource, namespace, object: object.metadata.namespace))
        call.body = try encode(object, operation: call.operation)
        call.contentType = "application/json"
        return try decode(T.self, from: try await send(call), operation: call.operation)
    }

    /// Replaces an object. With `metadata.resourceVersion` set, a stale copy fails with ``KubeAPIError/Code/conflict``.
    public func update<T: KubernetesResource>(_ object: T, fieldManager: String? = nil) async throws(KubeAPIError) -> T {
        try await put(object, subresource: nil, fieldManager: fieldManager)
    }

    /// Replaces an object's status (the status subresource); other changes are ignored by the server.
    public func updateStatus<T: KubernetesResource>(_ object: T, fieldManager: String? = nil) async throws(KubeAPIError) -> T {
        try await put(object, subresource: "status", fieldManager: fieldManager)
    }

    private func put<T: KubernetesResource>(_ object: T, subresource: String?, fieldManager: String?) async throws(KubeAPIError) -> T {
        let resource = ResourceType(T.self)
        var call = Call(
            verb: "update", method: "PUT", resource: resource, namespace: self.namespace(resource, nil, object: object.metadata.namespace),
            name: object.metadata.name ?? "", subresource: subresource)
        if let fieldManager { call.query.append(("fieldManager", fieldManager)) }
        call.body = try encode(object, operation: call.operation)
        call.contentType = "application/json"
        return try decode(T.self, from: try await send(call), operation: call.operation)
    }

    /// Deletes an object, with optional preconditions and propagation policy.
    public func delete<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, options: DeleteOptions? = nil
    ) async throws(KubeAPIError) {
        try await deleteRaw(ResourceType(T.self), name: name, namespace: namespace, options: options)
    }

    /// Applies a JSON merge patch (RFC 7386: `null` deletes a field), to the object or a subresource.
    public func patchMerge<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, patch: JSONValue, subresource: String? = nil,
        fieldManager: String? = nil
    ) async throws(KubeAPIError) -> T {
        let response = try await patchRaw(
            ResourceType(T.self), name: name, namespace: namespace, patch: patch, subresource: subresource, fieldManager: fieldManager)
        return try decode(T.self, from: response, operation: "patch \(ResourceType(T.self)) \(name)")
    }

    /// Server-side apply: sends `object` (only the fields you own) as the
    /// intent of `fieldManager`. `force` takes fields other managers own.
    public func apply<T: KubernetesResource>(_ object: T, fieldManager: String, force: Bool = false) async throws(KubeAPIError) -> T {
        try await applyTyped(object, subresource: nil, fieldManager: fieldManager, force: force)
    }

    /// Server-side apply of the status subresource.
    public func applyStatus<T: KubernetesResource>(_ object: T, fieldManager: String, force: Bool = false) async throws(KubeAPIError) -> T {
        try await applyTyped(object, subresource: "status", fieldManager: fieldManager, force: force)
    }

    private func applyTyped<T: KubernetesResource>(
        _ object: T, subresource: String?, fieldManager: String, force: Bool
    ) async throws(KubeAPIError) -> T {
        let resource = ResourceType(T.self)
        let body = try applyBody(object, operation: "apply \(resource)")
        let response = try await sendApply(
            resource, object: body, namespace: object.metadata.namespace, subresource: subresource, fieldManager: fieldManager, force: force)
        return try decode(T.self, from: response, operation: "apply \(resource) \(object.metadata.name ?? "")")
    }

    /// Reads, changes and writes an object, retrying from a fresh read when the
    /// write meets a ``KubeAPIError/Code/conflict`` (someone else wrote in between).
    public func update<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String? = nil, attempts: Int = 5, fieldManager: String? = nil,
        _ change: @Sendable (inout T) throws -> Void
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            var object = try await get(type, name: name, namespace: namespace)
            try change(&object)
            if let updated = try await updateOnce(object, fieldManager: fieldManager, retryOnConflict: attempt < attempts) {
                return updated
            }
        }
    }

    /// One write of ``update(_:name:namespace:attempts:fieldManager:_:)``: `nil` on a conflict that may be retried.
    private func updateOnce<T: KubernetesResource>(_ object: T, fieldManager: String?, retryOnConflict: Bool) async throws(KubeAPIError) -> T? {
        do {
            return try await update(object, fieldManager: fieldManager)
        } catch {
            if error.code == .conflict && retryOnConflict { return nil }
            throw error
        }
    }

    /// Deletes every object of a type in a namespace (or, for cluster-scoped types,
    /// everywhere) that matches the selectors.
    public func deleteCollection<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions()
    ) async throws(KubeAPIError) {
        let resource = ResourceType(T.self)
        let call = Call(
            verb: "deletecollection", method: "DELETE", resource: resource, namespace: self.namespace(resource, namespace),
            query: options.queryItems)
        _ = try await send(call)
    }

    // MARK: - Raw operations on JSON, for any resource

    /// Reads one object as JSON.
    public func getRaw(_ resource: ResourceType, name: String, namespace: String? = nil) async throws(KubeAPIError) -> JSONValue {
        let call = Call(verb: "get", method: "GET", resource: resource, namespace: self.namespace(resource, namespace), name: name)
        return try decode(JSONValue.self, from: try await send(call), operation: call.operation)
    }

    /// Lists one page as JSON.
    public func listRaw(_ resource: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions()) async throws(KubeAPIError) -> JSONValue {
        let call = Call(verb: "list", method: "GET", resource: resource, namespace: namespace, query: options.queryItems)
        return try decode(JSONValue.self, from: try await send(call), operation: call.operation)
    }

    /// Server-side apply of a JSON object (it must carry apiVersion, kind and metadata.name).
    /// With `dryRun` the server admits and answers the object without storing it (`dryRun=All`).
    public func applyRaw(
        _ resource: ResourceType, object: JSONValue, namespace: String? = nil, subresource: String? = nil,
        fieldManager: String, force: Bool = false, dryRun: Bool = false
    ) async throws(KubeAPIError) -> JSONValue {
        let response = try await sendApply(
            resource, object: object, namespace: namespace ?? object["metadata"]?["namespace"]?.stringValue,
            subresource: subresource, fieldManager: fieldManager, force: force, dryRun: dryRun)
        return try decode(JSONValue.self, from: response, operation: "apply \(resource)")
    }

    private func sendApply(
        _ resource: ResourceType, object: JSONValue, namespace: String?, subresource: String?, fieldManager: String, force: Bool,
        dryRun: Bool = false
    ) async throws(KubeAPIError) -> HTTPResponse {
        var call = Call(
            verb: "apply", method: "PATCH", resource: resource, namespace: self.namespace(resource, namespace),
            name: object["metadata"]?["name"]?.stringValue ?? "", subresource: subresource)
        call.query = [("fieldManager", fieldManager)]
        if force { call.query.append(("force", "true")) }
        if dryRun { call.query.append(("dryRun", "All")) }
        // The server decodes an apply body as YAML 1.1, which knows fewer escapes than JSON
        // (`\/` is refused): the body is JSON written to be YAML as well.
        call.body = object.yamlSafeJSONBytes
        call.contentType = "application/apply-patch+yaml"
        return try await send(call)
    }

    /// A JSON merge patch, answered as JSON.
    public func patchMergeRaw(
        _ resource: ResourceType, name: String, namespace: String? = nil, patch: JSONValue, subresource: String? = nil,
        fieldManager: String? = nil
    ) async throws(KubeAPIError) -> JSONValue {
        let response = try await patchRaw(resource, name: name, namespace: namespace, patch: patch, subresource: subresource, fieldManager: fieldManager)
        return try decode(JSONValue.self, from: response, operation: "patch \(resource) \(name)")
    }

    private func patchRaw(
        _ resource: ResourceType, name: String, namespace: String?, patch: JSONValue, subresource: String?, fieldManager: String?
    ) async throws(KubeAPIError) -> HTTPResponse {
        var call = Call(
            verb: "patch", method: "PATCH", resource: resource, namespace: self.namespace(resource, namespace), name: name,
            subresource: subresource)
        if let fieldManager { call.query.append(("fieldManager", fieldManager)) }
        call.body = try encode(patch, operation: call.operation)
        call.contentType = "application/merge-patch+json"
        return try await send(call)
    }

    /// Deletes one object of any resource.
    public func deleteRaw(_ resource: ResourceType, name: String, namespace: String? = nil, options: DeleteOptions? = nil) async throws(KubeAPIError) {
        var call = Call(verb: "delete", method: "DELETE", resource: resource, namespace: self.namespace(resource, namespace), name: name)
        if let options {
            call.body = try encode(options, operation: call.operation)
            call.contentType = "application/json"
        }
        _ = try await send(call)
    }
}
