import KubeTypes

/// A path to a field inside an object, one member name per step.
typealias FieldPath = [String]

/// A step into an associative list: the element whose `key` field is `value`.
struct ListElementKey: Equatable {
    var key: String
    var value: String

    /// `[name=foo]`: JSON object keys in Kubernetes never start with `[`.
    var segment: String { "[\(key)=\(value)]" }

    init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    init?(segment: String) {
        guard segment.hasPrefix("["), segment.hasSuffix("]"), let equals = segment.firstIndex(of: "=") else { return nil }
        key = String(segment[segment.index(after: segment.startIndex)..<equals])
        value = String(segment[segment.index(after: equals)..<segment.index(before: segment.endIndex)])
    }
}

extension JSONValue {
    /// The field that identifies the elements of an associative list (as
    /// containers, env and volumes by `name`, conditions by `type`), or `nil`
    /// for an atomic list: every element an object with a distinct string value.
    var associativeListKey: String? {
        guard case .array(let elements) = self, !elements.isEmpty else { return nil }
        for key in ["name", "type"] {
            let values = elements.compactMap { $0[key]?.stringValue }
            if values.count == elements.count, Set(values).count == values.count { return key }
        }
        return nil
    }

    private func elementIndex(_ step: ListElementKey) -> Int? {
        arrayValue?.firstIndex { $0[step.key]?.stringValue == step.value }
    }

    /// The value at `path`, or `nil` when a step is missing.
    func value(at path: FieldPath) -> JSONValue? {
        var current = self
        for segment in path {
            if case .array(let elements) = current, let step = ListElementKey(segment: segment) {
                guard let index = current.elementIndex(step) else { return nil }
                current = elements[index]
                continue
            }
            guard let next = current[segment] else { return nil }
            current = next
        }
        return current
    }

    /// Sets the value at `path`, creating intermediate objects and list elements.
    mutating func setValue(_ value: JSONValue, at path: FieldPath) {
        guard let first = path.first else {
            self = value
            return
        }
        let rest = Array(path.dropFirst())
        if let step = ListElementKey(segment: first), case .array(var elements) = self {
            if let index = elementIndex(step) {
                elements[index].setValue(value, at: rest)
            } else {
                var element = JSONValue.object([step.key: .string(step.value)])
                element.setValue(value, at: rest)
                elements.append(element)
            }
            self = .array(elements)
            return
        }
        var members = objectValue ?? [:]
        var child = members[first] ?? .object([:])
        child.setValue(value, at: rest)
        members[first] = child
        self = .object(members)
    }

    /// Removes the member (or list element) at `path`, if present.
    mutating func removeValue(at path: FieldPath) {
        guard let first = path.first else { return }
        let rest = Array(path.dropFirst())
        if let step = ListElementKey(segment: first), case .array(var elements) = self {
            guard let index = elementIndex(step) else { return }
            if rest.isEmpty {
                elements.remove(at: index)
            } else {
                elements[index].removeValue(at: rest)
            }
            self = .array(elements)
            return
        }
        guard var members = objectValue else { return }
        if rest.isEmpty {
            members.removeValue(forKey: first)
        } else if var child = members[first] {
            child.removeValue(at: rest)
            members[first] = child
        }
        self = .object(members)
    }

    /// Every leaf field with its value: scalars, atomic lists and empty objects;
    /// associative lists are entered element by element.
    func leaves(prefix: FieldPath = []) -> [FieldPath: JSONValue] {
        if let key = associativeListKey, case .array(let elements) = self {
            var result: [FieldPath: JSONValue] = [:]
            for element in elements {
                let step = ListElementKey(key: key, value: element[key]?.stringValue ?? "")
                result.merge(element.leaves(prefix: prefix + [step.segment])) { _, new in new }
            }
            return result
        }
        guard case .object(let members) = self, !members.isEmpty else {
            return prefix.isEmpty ? [:] : [prefix: self]
        }
        var result: [FieldPath: JSONValue] = [:]
        for (key, value) in members {
            result.merge(value.leaves(prefix: prefix + [key])) { _, new in new }
        }
        return result
    }

    /// Deep merge: objects merge member by member, associative lists element by
    /// element (matched by their key), anything else replaces.
    func merging(_ other: JSONValue) -> JSONValue {
        if case .array(var mine) = self, case .array(let theirs) = other, let key = associativeListKey,
            other.associativeListKey == key
        {
            for element in theirs {
                if let index = mine.firstIndex(where: { $0[key] == element[key] }) {
                    mine[index] = mine[index].merging(element)
                } else {
                    mine.append(element)
                }
            }
            return .array(mine)
        }
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
