import KubeTypes

/// A path to a field inside an object, one member name per step.
typealias FieldPath = [String]

extension JSONValue {
    /// The value at `path`, or `nil` when a step is missing or not an object.
    func value(at path: FieldPath) -> JSONValue? {
        var current = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Sets the value at `path`, creating intermediate objects.
    mutating func setValue(_ value: JSONValue, at path: FieldPath) {
        guard let first = path.first else {
            self = value
            return
        }
        var members = objectValue ?? [:]
        var child = members[first] ?? .object([:])
        child.setValue(value, at: Array(path.dropFirst()))
        members[first] = child
        self = .object(members)
    }

    /// Removes the member at `path`, if present.
    mutating func removeValue(at path: FieldPath) {
        guard let first = path.first, var members = objectValue else { return }
        if path.count == 1 {
            members.removeValue(forKey: first)
        } else if var child = members[first] {
            child.removeValue(at: Array(path.dropFirst()))
            members[first] = child
        }
        self = .object(members)
    }

    /// Every leaf field with its value: scalars, arrays (atomic) and empty objects.
    func leaves(prefix: FieldPath = []) -> [FieldPath: JSONValue] {
        guard case .object(let members) = self, !members.isEmpty else {
            return prefix.isEmpty ? [:] : [prefix: self]
        }
        var result: [FieldPath: JSONValue] = [:]
        for (key, value) in members {
            result.merge(value.leaves(prefix: prefix + [key])) { _, new in new }
        }
        return result
    }

    /// Deep merge: objects merge member by member, anything else replaces.
    func merging(_ other: JSONValue) -> JSONValue {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        for (key, value) in theirs {
            mine[key] = mine[key].map { $0.merging(value) } ?? value
        }
        return .object(mine)
    }

    /// The object without `metadata` and `status`: what `metadata.generation` tracks.
    var specPart: JSONValue {
        guard case .object(var members) = self else { return self }
        members.removeValue(forKey: "metadata")
        members.removeValue(forKey: "status")
        members.removeValue(forKey: "apiVersion")
        members.removeValue(forKey: "kind")
        return .object(members)
    }

    var metadataName: String? { self["metadata"]?["name"]?.stringValue }
    var metadataNamespace: String? { self["metadata"]?["namespace"]?.stringValue }
    var resourceVersion: String? { self["metadata"]?["resourceVersion"]?.stringValue }

    var labels: [String: String] {
        var result: [String: String] = [:]
        for (key, value) in self["metadata"]?["labels"]?.objectValue ?? [:] {
            if let text = value.stringValue { result[key] = text }
        }
        return result
    }
}
