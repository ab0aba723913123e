#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeTypes
import Synchronization

/// An informer's local copy of a collection, keyed by namespace and name:
/// the basis of every read a controller makes. It fires ``changes`` after every (re)list
/// and every change, so a reader waits for a state (``waitUntilSynced()``) without polling.
///
/// Objects are kept JSON-encoded, one compact byte array each, beside the few fields reads
/// select on (namespace, name, labels, resourceVersion), and decoded when read. A typed
/// Kubernetes object in Swift is a tree of optionals, dictionaries and heap strings, about three
/// times the size of its JSON; a controller reads a handful of objects per reconcile, so the
/// decode costs microseconds where the typed copies cost megabytes.
public final class ObjectCache<T: KubernetesResource>: Sendable {
    struct Entry: Sendable {
        var namespace: String?
        var name: String
        var labels: [String: String]?
        var resourceVersion: String?
        /// The object, JSON-encoded; `nil` if it could not be encoded (then `typed` holds it).
        var bytes: [UInt8]?
        var typed: T?

        init(_ object: T) {
            namespace = object.metadata.namespace
            name = object.metadata.name ?? ""
            labels = object.metadata.labels
            resourceVersion = object.metadata.resourceVersion
            if let data = try? JSONEncoder().encode(object) {
                bytes = Array(data)
            } else {
                typed = object
            }
        }

        var object: T? {
            if let typed { return typed }
            guard let bytes else { return nil }
            return try? JSONDecoder().decode(T.self, from: Data(bytes))
        }
    }

    private struct State {
        var objects: [String: Entry] = [:]
        var resourceVersion: String?
        var isSynced = false
    }

    private let state = Mutex(State())

    /// Fired after each (re)list and each change the cache takes in.
    public let changes: ChangeSignal

    /// - Parameter changes: the signal to fire; caches that share one are waited on together.
    public init(changes: ChangeSignal = ChangeSignal()) {
        self.changes = changes
    }

    static func key(namespace: String?, name: String) -> String {
        (namespace ?? "") + "/" + name
    }

    /// The cached object, or `nil`.
    public func get(name: String, namespace: String? = nil) -> T? {
        state.withLock { $0.objects[Self.key(namespace: namespace, name: name)] }?.object
    }

    /// Cached objects, optionally of one namespace and matching a label selector, ordered by namespace and name.
    public func list(namespace: String? = nil, labelSelector: LabelSelector? = nil) -> [T] {
        let matching = state.withLock { state in
            state.objects.values.filter { entry in
                if let namespace, entry.namespace != namespace { return false }
                if let labelSelector, !labelSelector.matches(entry.labels ?? [:]) { return false }
                return true
            }
        }
        return matching
            .sorted { ($0.namespace ?? "", $0.name) < ($1.namespace ?? "", $1.name) }
            .compactMap(\.object)
    }

    /// Name and resourceVersion of every cached object, without decoding any.
    public func versions() -> [(namespace: String?, name: String, resourceVersion: String?)] {
        state.withLock { state in state.objects.values.map { ($0.namespace, $0.name, $0.resourceVersion) } }
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
        // Encoded before the lock is taken: readers never wait for a relist's encoding.
        let entries = objects.map { (key: Self.key(namespace: $0.metadata.namespace, name: $0.metadata.name ?? ""), entry: Entry($0), object: $0) }
        return state.withLock { state in
            var fresh: [String: Entry] = [:]
            var events: [InformerEvent<T>] = []
            for (key, entry, object) in entries {
                fresh[key] = entry
                if let old = state.objects[key] {
                    if old.resourceVersion != object.metadata.resourceVersion {
                        events.append(.updated(old: old.object ?? object, new: object))
                    }
                } else {
                    events.append(.added(object))
                }
            }
            for (key, old) in state.objects where fresh[key] == nil {
                if let object = old.object { events.append(.deleted(object)) }
            }
            state.objects = fresh
            state.resourceVersion = resourceVersion
            state.isSynced = true
            return events
        }
    }

    /// Applies one watch event; returns what changed for the consumer.
    func apply(_ event: ResourceEvent<T>) -> InformerEvent<T>? {
        let entry: Entry? = switch event {
        case .added(let object), .modified(let object): Entry(object)
        default: nil
        }
        let change = state.withLock { state -> InformerEvent<T>? in
            switch event {
            case .added(let object), .modified(let object):
                let key = Self.key(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
                let old = state.objects.updateValue(entry ?? Entry(object), forKey: key)
                state.resourceVersion = object.metadata.resourceVersion ?? state.resourceVersion
                return old.map { .updated(old: $0.object ?? object, new: object) } ?? .added(object)
            case .deleted(let object):
                let key = Self.key(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
                let old = state.objects.removeValue(forKey: key)
                state.resourceVersion = object.metadata.resourceVersion ?? state.resourceVersion
                return .deleted(old?.object ?? object)
            case .bookmark(let version):
                if !version.isEmpty { state.resourceVersion = version }
                return nil
            }
        }
        if change != nil { changes.fire() }
        return change
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
