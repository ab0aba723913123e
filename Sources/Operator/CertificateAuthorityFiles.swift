import ClusterModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Each cluster's CA as a file, for libpq's `sslrootcert` (it reads a path, not PEM text).
/// The file's name carries a hash of its content, so two clusters (or two operators sharing a
/// directory) never read each other's CA; written once per content, read by libpq at each new
/// connection; the previous file goes when a cluster's CA changes.
final class CertificateAuthorityFiles: Sendable {
    let directory: String
    private let written = Mutex<[ClusterKey: (pem: String, path: String)]>([:])

    init(directory: String) {
        self.directory = directory
    }

    /// The file holding `pem` for `key`, written if it does not hold it yet; `nil` when it
    /// cannot be written (the probes then fail to verify, and status says so).
    func path(for key: ClusterKey, pem: String) -> String? {
        let previous = written.withLock { $0[key] }
        if let previous, previous.pem == pem { return previous.path }
        let path = "\(directory)/\(key.namespace)_\(key.name)_\(StatefulSetBuilder.contentHash(pem)).crt"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = path + ".tmp"
            try Data(pem.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { return nil }
        } catch {
            return nil
        }
        if let previous, previous.path != path { try? FileManager.default.removeItem(atPath: previous.path) }
        written.withLock { $0[key] = (pem, path) }
        return path
    }
}
