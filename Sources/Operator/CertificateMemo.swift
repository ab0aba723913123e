import ClusterModel
import Synchronization

/// Each cluster's certificate observation, kept while its certificate Secrets stay the same
/// (their `resourceVersion`s and names make the fingerprint): parsing and verifying them again
/// every reconcile would cost more than the rest of a steady reconcile.
final class CertificateMemo: Sendable {
    private let entries = Mutex<[ClusterKey: (fingerprint: String, observation: CertificateObservation, authorityPEM: String?)]>([:])

    /// The remembered value for `key` when its fingerprint is `fingerprint`, else `make()`'s, remembered.
    func value(
        for key: ClusterKey, fingerprint: String, make: () -> (CertificateObservation, String?)
    ) -> (CertificateObservation, String?) {
        if let entry = entries.withLock({ $0[key] }), entry.fingerprint == fingerprint { return (entry.observation, entry.authorityPEM) }
        let made = make()
        entries.withLock { $0[key] = (fingerprint, made.0, made.1) }
        return made
    }

    /// Forgets `key` (the cluster is gone).
    func forget(_ key: ClusterKey) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
