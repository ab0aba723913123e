import Synchronization

/// One shared copy of the strings every cached object repeats: label and annotation keys
/// (`app.kubernetes.io/managed-by`, `statefulset.kubernetes.io/pod-name`, ...) and owner
/// reference API versions. A Swift string longer than 15 UTF-8 bytes lives on the heap, so
/// without the pool 1,000 clusters keep some 60,000 copies of a dozen keys.
///
/// Only names that come from a small, fixed vocabulary go in (never values such as UIDs, which
/// would make the pool grow with every object ever seen).
final class StringPool: Sendable {
    static let shared = StringPool()

    private let strings = Mutex(Set<String>())

    /// The pooled copy of `string` (or `string` itself when it is stored inline anyway).
    func intern(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        return strings.withLock { pool in
            if let existing = pool.firstIndex(of: string) { return pool[existing] }
            pool.insert(string)
            return string
        }
    }

    /// `dictionary` with its keys pooled.
    func internKeys(_ dictionary: [String: String]?) -> [String: String]? {
        guard let dictionary else { return nil }
        var result: [String: String] = [:]
        result.reserveCapacity(dictionary.count)
        for (key, value) in dictionary { result[intern(key)] = value }
        return result
    }

    /// How many strings the pool holds.
    var count: Int { strings.withLock { $0.count } }
}
