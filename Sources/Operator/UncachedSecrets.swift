import Synchronization

/// Secrets with a generated name that exist without Ordinal's labels, so the cache (which
/// holds only labelled objects) does not have them: found when creating one is refused with
/// `AlreadyExists`. Only these are read from the API server; for any other generated name the
/// synced cache's answer (absent) is the API server's, and no GET is spent on it.
final class UncachedSecrets: Sendable {
    private let names = Mutex<Set<String>>([])

    private static func key(_ namespace: String, _ name: String) -> String { namespace + "/" + name }

    /// Notes that Secret `name` exists without being cached.
    func insert(namespace: String, name: String) {
        _ = names.withLock { $0.insert(Self.key(namespace, name)) }
    }

    /// Forgets `name`: it carries Ordinal's labels after all (the cache was only behind).
    func remove(namespace: String, name: String) {
        _ = names.withLock { $0.remove(Self.key(namespace, name)) }
    }

    /// True when Secret `name` must be read from the API server.
    func contains(namespace: String, name: String) -> Bool {
        names.withLock { $0.contains(Self.key(namespace, name)) }
    }
}
