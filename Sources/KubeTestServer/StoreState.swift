#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeTypes

extension JSONValue {
    /// Sets an empty object at `path`, creating intermediate objects (fieldsV1 keys only).
    fileprivate mutating func setFieldsV1(_ path: [String]) {
        guard let first = path.first else { return }
        var members = objectValue ?? [:]
        var child = members[first] ?? .object([:])
        child.setFieldsV1(Array(path.dropFirst()))
        members[first] = child
        self = .object(members)
    }
}

/// Who owns a set of fields: a manager, through apply or update, on the main
/// resource or a subresource.
struct FieldManagerKey: Hashable, Sendable {
    var manager: String
    var operation: String
    var subresource: String
    var apiVersion: String
}

/// One stored object, in the form it is served (managedFields rendered), and its field owners.
struct StoredObject: Sendable {
    var value: JSONValue
    var owners: [FieldManagerKey: Set<FieldPath>]
}

/// Namespace and name: where an object sits within its collection.
struct ObjectKey: Hashable, Sendable, Comparable {
    var namespace: String
    var name: String

    static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// Everything the fake API server knows, guarded by the store's lock.
struct StoreState: Sendable {
    var revision: Int64 = 1000
    /// Watches and continue tokens from versions at or below this are `410 Gone`.
    var compactedRevision: Int64 = 0
    var collections: [ResourceKey: [ObjectKey: StoredObject]] = [:]
    var history: [HistoryEntry] = []
    var historyLimit = 200_000
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 1
    var validator: (@Sendable (ResourceKey, JSONValue) -> [StatusCause])?
    /// `apiVersion` and `kind` per collection, learned from objects that carry them
    /// (or registered), to fill in objects stored without them as the real server would.
    var typeInfo: [ResourceKey: (apiVersion: String, kind: String)] = [:]

    /// Learns `apiVersion`/`kind` from `object`, or fills them in from what was learned.
    mutating func completeTypeInfo(_ object: inout JSONValue, resource: ResourceKey) {
        if let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue {
            if typeInfo[resource] == nil { typeInfo[resource] = (apiVersion, kind) }
            return
        }
        guard let known = typeInfo[resource], case .object = object else { return }
        if object["apiVersion"] == nil { object.setValue(.string(known.apiVersion), at: ["apiVersion"]) }
        if object["kind"] == nil { object.setValue(.string(known.kind), at: ["kind"]) }
    }

    mutating func nextRevision() -> Int64 {
        revision += 1
        return revision
    }

    /// Appends a change to the history and hands it to every watcher that sees it.
    mutating func record(_ entry: HistoryEntry) {
        history.append(entry)
        if history.count > historyLimit {
            let drop = history.count - historyLimit / 2
            compactedRevision = max(compactedRevision, history[drop - 1].revision)
            history.removeFirst(drop)
        }
        for watcher in watchers.values {
            if let (type, object) = watcher.translate(entry) {
                watcher.send(.event(type: type, object: object))
            }
        }
    }

    /// Forgets the history: later watches from older versions get `410 Gone`.
    mutating func compact() {
        compactedRevision = revision
        history.removeAll()
    }

    static func now() -> String {
        KubeTime.format(Date().timeIntervalSince1970.rounded(.down))
    }

    static func makeUID() -> String {
        func hex(_ count: Int) -> String {
            (0..<count).map { _ in String(UInt8.random(in: 0..<16), radix: 16) }.joined()
        }
        return "\(hex(8))-\(hex(4))-4\(hex(3))-a\(hex(3))-\(hex(12))"
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// Fields a manager can own: everything but identity, system metadata and
    /// (on the main resource) status; on the status subresource, status only.
    /// Empty objects own nothing.
    static func ownableLeaves(of object: JSONValue, subresource: String) -> [FieldPath: JSONValue] {
        ownableTree(of: object, subresource: subresource).leaves().filter { $0.value != .object([:]) }
    }

    /// The part of `object` a manager can own, as an object.
    static func ownableTree(of object: JSONValue, subresource: String) -> JSONValue {
        var trimmed = object
        for key in ["apiVersion", "kind"] { trimmed.removeValue(at: [key]) }
        for key in [
            "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
            "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
        ] {
            trimmed.removeValue(at: ["metadata", key])
        }
        if subresource == "status" {
            return .object(trimmed["status"].map { ["status": $0] } ?? [:])
        }
        trimmed.removeValue(at: ["status"])
        return trimmed
    }

    /// Renders the owners table as `metadata.managedFields`, the way the API server shows it.
    static func renderManagedFields(_ owners: [FieldManagerKey: Set<FieldPath>], into object: inout JSONValue) {
        let entries = owners.filter { !$0.value.isEmpty }.sorted {
            ($0.key.manager, $0.key.operation, $0.key.subresource) < ($1.key.manager, $1.key.operation, $1.key.subresource)
        }
        guard !entries.isEmpty else {
            object.removeValue(at: ["metadata", "managedFields"])
            return
        }
        let time = now()
        let rendered: [JSONValue] = entries.map { key, paths in
            var fields = JSONValue.object([:])
            for path in paths {
                fields.setFieldsV1(path.map { segment in
                    guard let step = ListElementKey(segment: segment) else { return "f:" + segment }
                    return "k:{\"\(step.key)\":\"\(step.value)\"}"
                })
            }
            var entry: [String: JSONValue] = [
                "manager": .string(key.manager), "operation": .string(key.operation),
                "apiVersion": .string(key.apiVersion), "fieldsType": "FieldsV1", "fieldsV1": fields,
                "time": .string(time),
            ]
            if !key.subresource.isEmpty { entry["subresource"] = .string(key.subresource) }
            return .object(entry)
        }
        object.setValue(.array(rendered), at: ["metadata", "managedFields"])
    }

    /// Records that `manager` changed the fields that differ between `old` and
    /// `new` through an update: it owns them now, and other managers lose them.
    static func takeOwnership(
        of old: JSONValue?, _ new: JSONValue, by key: FieldManagerKey,
        owners: inout [FieldManagerKey: Set<FieldPath>]
    ) {
        let before = old.map { ownableLeaves(of: $0, subresource: key.subresource) } ?? [:]
        let after = ownableLeaves(of: new, subresource: key.subresource)
        let changed = Set(after.filter { before[$0.key] != $0.value }.keys)
        let removed = Set(before.keys).subtracting(after.keys)
        for other in owners.keys {
            owners[other]?.subtract(changed)
            owners[other]?.subtract(removed)
        }
        if !changed.isEmpty { owners[key, default: []].formUnion(changed) }
    }
}
