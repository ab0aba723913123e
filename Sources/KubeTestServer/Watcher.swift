import KubeTypes

/// What a watch connection is sent: an event line, or the end of the stream.
enum WatchFrame: Sendable {
    case event(type: String, object: JSONValue)
    case end
}

/// One open watch: which objects it sees and how to reach its connection.
struct Watcher: Sendable {
    var resource: ResourceKey
    var namespace: String?
    var labelSelector: LabelSelector?
    var fieldSelector: FieldSelector?
    var allowBookmarks: Bool
    var apiVersion: String
    var send: @Sendable (WatchFrame) -> Void

    func sees(_ object: JSONValue) -> Bool {
        if let namespace, object.metadataNamespace != namespace { return false }
        if let labelSelector, !labelSelector.matches(object.labels) { return false }
        if let fieldSelector, !fieldSelector.matches(object) { return false }
        return true
    }

    /// The event this watcher gets for a change, following the API server's
    /// rules for selectors: an object leaving the selection is `DELETED` for it,
    /// one entering it is `ADDED`.
    func translate(_ entry: HistoryEntry) -> (String, JSONValue)? {
        guard entry.resource == resource else { return nil }
        switch entry.type {
        case "MODIFIED":
            let before = entry.old.map(sees) ?? false
            let after = sees(entry.object)
            switch (before, after) {
            case (true, true): return ("MODIFIED", entry.object)
            case (false, true): return ("ADDED", entry.object)
            case (true, false): return ("DELETED", entry.object)
            case (false, false): return nil
            }
        default:
            return sees(entry.object) ? (entry.type, entry.object) : nil
        }
    }
}

/// One change in the store's history, kept for watches that resume from a version.
struct HistoryEntry: Sendable {
    var resource: ResourceKey
    var revision: Int64
    var type: String
    var object: JSONValue
    var old: JSONValue?
}
