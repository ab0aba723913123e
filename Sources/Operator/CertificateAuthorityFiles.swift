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
/// Written when the CA first appears or changes, read by libpq at each new connection.
final class CertificateAuthorityFiles: Sendable {
    let directory: String
    private let written = Mutex<[ClusterKey: String]>([:])

    init(directory: String) {
        self.directory = directory
    }

    /// The file holding `pem` for `key`, written if it does not hold it yet; `nil` when it
    /// cannot be written (the probes then fail to verify, and status says so).
    func path(for key: ClusterKey, pem: String) -> String? {
        let path = "\(directory)/\(key.namespace)_\(key.name).crt"
        if written.withLock({ $0[key] }) == pem { return path }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = path + ".tmp"
            try Data(pem.utf8).write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { return nil }
        } catch {
            return nil
        }
        written.withLock { $0[key] = pem }
        return path
    }
}
