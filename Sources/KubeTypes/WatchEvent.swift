/// The kind of change a watch event reports.
public enum WatchEventType: String, Codable, Sendable, Hashable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    /// Carries only a newer `resourceVersion` to resume from; the object is otherwise empty.
    case bookmark = "BOOKMARK"
    /// The object is a ``Status``; code 410 means "relist".
    case error = "ERROR"
}

/// One event of a watch stream (`metav1.WatchEvent`), with a typed object.
public struct WatchEvent<Object: Sendable>: Sendable {
    public var type: WatchEventType
    public var object: Object

    public init(type: WatchEventType, object: Object) {
        self.type = type
        self.object = object
    }
}

extension WatchEvent: Equatable where Object: Equatable {}

extension WatchEvent: Codable where Object: Codable {}
