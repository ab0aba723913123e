/// What the shell found of a certificate Secret.
public enum CertificateState: Sendable, Hashable {
    /// No such Secret.
    case missing
    /// Read and parsed (the server's checked against the CA in use).
    case present(CertificateSummary)
    /// It exists but holds no usable certificate (or key): why, without its content.
    case unusable(String)
}

/// The cluster's certificate Secrets as the shell found them (`nil`: not looked at: TLS off, or
/// for the backup identity, backups off).
public struct CertificateObservation: Sendable, Hashable {
    /// The CA: `<name>-ca`, or the user's `caSecretName` / the server Secret's `ca.crt`.
    public var authority: CertificateState?
    /// The server certificate: `<name>-server`, or the user's `serverSecretName`.
    public var server: CertificateState?
    /// pgBackRest's identity (`<name>-backup-tls`; checked against itself), while backups are on.
    public var backup: CertificateState?

    public init(authority: CertificateState? = nil, server: CertificateState? = nil, backup: CertificateState? = nil) {
        self.authority = authority
        self.server = server
        self.backup = backup
    }
}
