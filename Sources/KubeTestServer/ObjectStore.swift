import KubeTypes
import Synchronization

/// The fake API server's state behind one lock, and the request dispatch.
final class ObjectStore: Sendable {
    let state = Mutex(StoreState())

    /// Answers a non-watch request: an HTTP code and a JSON body.
    func handle(_ request: APIRequest) -> (Int, JSONValue) {
        guard let path = request.path else {
            return (404, APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource").status.jsonValue)
        }
        do throws(APIError) {
            if let sub = path.subresource, sub != "status" {
                throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (subresource \(sub))")
            }
            switch (request.method, path.name) {
            case ("GET", nil):
                return (200, try state.withLock { (state) throws(APIError) in try state.list(path, request) })
            case ("GET", let name?):
                return (200, try state.withLock { (state) throws(APIError) in try state.get(path, name: name) })
            case ("POST", nil) where path.subresource == nil:
                let body = try JSONCoding.decode(request.body)
                return (201, try write(request) { (state) throws(APIError) in try state.create(path, request, body: body) })
            case ("PUT", let name?):
                let body = try JSONCoding.decode(request.body)
                return (200, try write(request) { (state) throws(APIError) in try state.update(path, request, name: name, body: body) })
            case ("PATCH", let name?):
                let type = request.contentType ?? ""
                if type.hasPrefix("application/apply-patch"), let refusal = YAMLApplyBody.refusal(request.body) {
                    throw APIError.badRequest(refusal)
                }
                let body = try JSONCoding.decode(request.body)
                if type.hasPrefix("application/merge-patch+json") {
                    return (200, try write(request) { (state) throws(APIError) in try state.mergePatch(path, request, name: name, patch: body) })
                } else if type.hasPrefix("application/apply-patch") {
                    let existed = state.withLock { $0.collections[path.resource]?[ObjectKey(namespace: path.namespace ?? "", name: name)] != nil }
                    let object = try write(request) { (state) throws(APIError) in try state.apply(path, request, name: name, body: body) }
                    return (existed ? 200 : 201, object)
                }
                throw APIError.unsupportedMediaType(type)
            case ("DELETE", let name?) where path.subresource == nil:
                return (200, try write(request) { (state) throws(APIError) in try state.delete(path, request, name: name) })
            case ("DELETE", nil):
                return (200, try write(request) { (state) throws(APIError) in try state.deleteCollection(path, request) })
            default:
                throw APIError.methodNotAllowed(request.method)
            }
        } catch {
            return (error.code, error.status.jsonValue)
        }
    }

    /// Runs a write, or with `dryRun=All` runs it on a copy of the state that no watcher sees and
    /// that is thrown away: the answer is what the write would store, and nothing changes.
    private func write(_ request: APIRequest, _ operation: (inout StoreState) throws(APIError) -> JSONValue) throws(APIError) -> JSONValue {
        switch request.query["dryRun"] {
        case nil:
            return try state.withLock { (state) throws(APIError) in try operation(&state) }
        case "All"?:
            var copy = state.withLock { $0 }
            copy.watchers = [:]
            return try operation(&copy)
        case let other?:
            throw APIError.badRequest("Invalid dry run value: \"\(other)\": supported values: \"All\"")
        }
    }

    /// Registers a watch and sends it, under the same lock, the events it must
    /// start with (the current objects, or the history after its version), so
    /// no change falls between the two.
    func startWatch(_ request: APIRequest, path: APIPath, send: @escaping @Sendable (WatchFrame) -> Void) throws(APIError) -> Int {
        let labelSelector = try StoreState.labelSelector(request)
        let fieldSelector = try request.query["fieldSelector"].map { (text) throws(APIError) in try FieldSelector(parsing: text) }
        let watcher = Watcher(
            resource: path.resource, namespace: path.namespace, labelSelector: labelSelector,
            fieldSelector: fieldSelector, allowBookmarks: request.flag("allowWatchBookmarks"),
            apiVersion: path.apiVersion, send: send)
        let since = request.query["resourceVersion"].flatMap { Int64($0) } ?? 0
        return try state.withLock { (state) throws(APIError) -> Int in
            if since > 0 {
                if since < state.compactedRevision {
                    throw APIError.gone("too old resource version: \(since) (\(state.compactedRevision))")
                }
                for entry in state.history where entry.revision > since {
                    if let (type, object) = watcher.translate(entry) { send(.event(type: type, object: object)) }
                }
            } else {
                let objects = (state.collections[path.resource] ?? [:]).sorted { $0.key < $1.key }
                for (_, stored) in objects where watcher.sees(stored.value) {
                    send(.event(type: "ADDED", object: stored.value))
                }
            }
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = watcher
            return id
        }
    }

    func stopWatch(_ id: Int) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }

    /// Sends every open watch `frame(watcher)` and, when `end` is true, ends and forgets them.
    func broadcast(end: Bool, _ frame: (Watcher, Int64) -> WatchFrame?) {
        state.withLock { state in
            for (id, watcher) in state.watchers {
                if let frame = frame(watcher, state.revision) { watcher.send(frame) }
                if end {
                    watcher.send(.end)
                    state.watchers.removeValue(forKey: id)
                }
            }
        }
    }
}
