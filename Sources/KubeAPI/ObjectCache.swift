import KubeTypes
import Synchronization

/// An informer's local copy of a collection, keyed by namespace and name:
/// the basis of every read a controller makes. It fires ``changes`` after every (re)list
/// and every change, so a reader waits for a state (``waitUntilSynced()``) without polling.
///
/// A list costs what it returns, not what the cache holds: objects are grouped by namespace
/// and, when the cache is made with an `indexLabel`, by that label's value within it, so a
/// controller reading one cluster's pods among thousands touches only those.
public final class ObjectCache<T: KubernetesResource>: Sendable {
    private struct State {
        var objects: [String: T] = [:]
        /// Keys of ``objects`` by namespace.
        var byNamespace: [String: Set<String>] = [:]
        /// Keys of ``objects`` by namespace and the value of the index label.
        var byLabel: [String: Set<String>] = [:]
        var resourceVersion: String?
        var isSynced = false
    }

    private let state = Mutex(State())
    private let indexLabel: String?

    /// Fired after each (re)list and each change the cache takes in.
    public let changes: ChangeSignal

    /// - Parameters:
    ///   - changes: the signal to fire; caches that share one are waited on together.
    ///   - indexLabel: a label key lists often select on (one value per list), indexed per namespace.
    public init(changes: ChangeSignal = ChangeSignal(), indexLabel: String? = nil) {
        self.changes = changes
        self.indexLabel = indexLabel
    }

    private static func labelKey(namespace: String, value: String) -> String {
        namespace + "/" + value
    }

    static func key(namespace: String?, name: String) -> String {
        (namespace ?? "") + "/" + name
    }

    /// The cached object, or `nil`.
    public func get(name: String, namespace: String? = nil) -> T? {
        state.withLock { $0.objects[Self.key(namespace: namespace, name: name)] }
    }

    /// Cached objects, optionally of one namespace and matching a label selector, ordered by namespace and name.
    public func list(namespace: String? = nil, labelSelector: LabelSelector? = nil) -> [T] {
        let selected = state.withLock { state -> [T] in
            let keys: Set<String>?
            if let namespace {
                if let indexLabel, let value = labelSelector?.matchLabels?[indexLabel] {
                    keys = state.byLabel[Self.labelKey(namespace: namespace, value: value)] ?? []
                } else {
                    keys = state.byNamespace[namespace] ?? []
                }
            } else {
                keys = nil
            }
            let matches: (T) -> Bool = { object in
                labelSelector?.matches(object.metadata.labels ?? [:]) ?? true
            }
            if let keys { return keys.compactMap { state.objects[$0] }.filter(matches) }
            return state.objects.values.filter(matches)
        }
        return selected.sorted {
            ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < ($1.metadata.namespace ?? "", $1.metadata.name ?? "")
        }
    }

    /// Name and resourceVersion of every cached object, without copying the objects.
    public func versions() -> [(namespace: String?, name: String, resourceVersion: String?)] {
        state.withLock { state in
            state.objects.values.map { ($0.metadata.namespace, $0.metadata.name ?? "", $0.metadata.resourceVersion) }
        }
    }

    /// How many objects are cached.
    public var count: Int { state.withLock { $0.objects.count } }

    /// The last version seen (from a list, an event or a bookmark).
    public var resourceVersion: String? { state.withLock { $0.resourceVersion } }

    /// Whether the first list has been loaded.
    public var isSynced: Bool { state.withLock { $0.isSynced } }

    /// Returns once the first list is loaded.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func waitUntilSynced() async throws {
        try await changes.wait { isSynced }
    }

    /// Replaces everything after a (re)list; returns the events that bring a
    /// consumer from the old content to the new one.
    func replace(with objects: [T], resourceVersion: String?) -> [InformerEvent<T>] {
        defer { changes.fire() }
        return state.withLock { state in
            var fresh: [String: T] = [:]
            for object in objects {
                fresh[Self.key(namespace: object.metadata.namespace, name: object.metadata.name ?? "")] = object
            }
            var events: [InformerEvent<T>] = []
            for (key, object) in fresh {
                if let old = state.objects[key] {
                    if old.metadata.resourceVersion != object.metadata.resourceVersion {
                        events.append(.updated(old: old, new: object))
                    }
                } else {
                    events.append(.added(object))
                }
            }
            for (key, old) in state.objects where fresh[key] == nil {
                events.append(.deleted(old))
            }
            state.objects = [:]
            state.byNamespace = [:]
            state.byLabel = [:]
            for (key, object) in fresh { insert(object, key: key, into: &state) }
            state.resourceVersion = resourceVersion
            state.isSynced = true
            return events
        }
    }

    /// Applies one watch event; returns what changed for the consumer.
    func apply(_ event: ResourceEvent<T>) -> InformerEvent<T>? {
        let change = state.withLock { state -> InformerEvent<T>? in
            switch event {
            case .added(let object), .modified(let object):
                let key = Self.key(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
                let old = remove(key: key, from: &state)
                insert(object, key: key, into: &state)
                state.resourceVersion = object.metadata.resourceVersion ?? state.resourceVersion
                return old.map { .updated(old: $0, new: object) } ?? .added(object)
            case .deleted(let object):
                let key = Self.key(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
                let old = remove(key: key, from: &state)
                state.resourceVersion = object.metadata.resourceVersion ?? state.resourceVersion
                return .deleted(old ?? object)
            case .bookmark(let version):
                if !version.isEmpty { state.resourceVersion = version }
                return nil
            }
        }
        if change != nil { changes.fire() }
        return change
    }

    private func insert(_ object: T, key: String, into state: inout State) {
        state.objects[key] = object
        let namespace = object.metadata.namespace ?? ""
        state.byNamespace[namespace, default: []].insert(key)
        if let indexLabel, let value = object.metadata.labels?[indexLabel] {
            state.byLabel[Self.labelKey(namespace: namespace, value: value), default: []].insert(key)
        }
    }

    private func remove(key: String, from state: inout State) -> T? {
        guard let old = state.objects.removeValue(forKey: key) else { return nil }
        let namespace = old.metadata.namespace ?? ""
        state.byNamespace[namespace]?.remove(key)
        if state.byNamespace[namespace]?.isEmpty == true { state.byNamespace[namespace] = nil }
        if let indexLabel, let value = old.metadata.labels?[indexLabel] {
            let labelKey = Self.labelKey(namespace: namespace, value: value)
            state.byLabel[labelKey]?.remove(key)
            if state.byLabel[labelKey]?.isEmpty == true { state.byLabel[labelKey] = nil }
        }
        return old
    }
}

/// A change an informer reports to its handler.
public enum InformerEvent<T: KubernetesResource>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)

    /// The object as it is now (for a deletion: as it was last seen).
    public var object: T {
        switch self {
        case .added(let object), .deleted(let object): return object
        case .updated(_, let object): return object
        }
    }
}
