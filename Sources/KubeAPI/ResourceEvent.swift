/// One change from a watch, with a typed object. A watch `ERROR` event is
/// not an event here: the stream throws it as a ``KubeAPIError`` (code
/// ``KubeAPIError/Code/gone`` for 410: relist).
public enum ResourceEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// The collection reached this version; nothing else changed.
    case bookmark(resourceVersion: String)

    /// The object of an added, modified or deleted event.
    public var object: Object? {
        switch self {
        case .added(let object), .modified(let object), .deleted(let object): return object
        case .bookmark: return nil
        }
    }
}

extension ResourceEvent: Equatable where Object: Equatable {}

extension ResourceEvent {
    /// The same event with its object transformed (a bookmark passes through).
    public func map(_ transform: (Object) -> Object) -> ResourceEvent<Object> {
        switch self {
        case .added(let object): return .added(transform(object))
        case .modified(let object): return .modified(transform(object))
        case .deleted(let object): return .deleted(transform(object))
        case .bookmark: return self
        }
    }
}
