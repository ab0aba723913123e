import ClusterModel
import Synchronization

/// The password PostgreSQL holds for each role of each cluster, kept in memory only: taken from
/// a Secret when `status.passwords` says PostgreSQL holds that version, and after the operator
/// sets one. With it a generated Secret deleted by mistake is made again with the password
/// that still opens the data, and the probes keep logging in while a changed superuser password
/// waits to be set. Never logged, written or sent anywhere but to libpq; gone with the process.
final class PasswordMemory: Sendable {
    /// A cluster made again under the same name (a new uid) starts with nothing known.
    private struct Entry {
        var uid: String
        var passwords: [SecretRole: String] = [:]
    }

    private let entries = Mutex([ClusterKey: Entry]())

    /// Remembers `password` as the one PostgreSQL holds for `role` of cluster `key` (with `uid`).
    func remember(_ password: String, role: SecretRole, cluster key: ClusterKey, uid: String) {
        entries.withLock { entries in
            if entries[key]?.uid != uid { entries[key] = Entry(uid: uid) }
            entries[key]?.passwords[role] = password
        }
    }

    /// The password PostgreSQL holds for `role` of cluster `key` (with `uid`), if known.
    func password(role: SecretRole, cluster key: ClusterKey, uid: String) -> String? {
        entries.withLock { $0[key]?.uid == uid ? $0[key]?.passwords[role] : nil }
    }

    /// The roles of cluster `key` (with `uid`) whose password is known.
    func roles(cluster key: ClusterKey, uid: String) -> Set<SecretRole> {
        entries.withLock { $0[key]?.uid == uid ? Set(($0[key]?.passwords ?? [:]).keys) : [] }
    }

    /// Drops what is known of cluster `key` (deleted).
    func forget(cluster key: ClusterKey) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
