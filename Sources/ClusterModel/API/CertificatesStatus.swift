/// The certificates a cluster's servers use, as Ordinal last saw them (no key, no PEM).
public struct CertificatesStatus: Codable, Sendable, Hashable {
    /// The CA clients and replicas verify the servers with.
    public var authority: CertificateStatus?
    /// The servers' certificate.
    public var server: CertificateStatus?
    /// pgBackRest's identity between the instances and the backup Jobs (while backups are on).
    public var backup: CertificateStatus?

    public init(authority: CertificateStatus? = nil, server: CertificateStatus? = nil, backup: CertificateStatus? = nil) {
        self.authority = authority
        self.server = server
        self.backup = backup
    }
}

/// One certificate: where it is kept, how long it is valid, and what is wrong with it.
public struct CertificateStatus: Codable, Sendable, Hashable {
    public var secretName: String
    /// `Ordinal` (issued and renewed by Ordinal) or `User` (used as it is).
    public var issuedBy: String
    /// RFC 3339.
    public var notAfter: String?
    /// RFC 3339: when Ordinal issues it again (a third of its validity left); Ordinal's only.
    public var renewAfter: String?
    /// Why it cannot be used as it is, if so.
    public var problem: String?

    public init(secretName: String, issuedBy: String, notAfter: String? = nil, renewAfter: String? = nil, problem: String? = nil) {
        self.secretName = secretName
        self.issuedBy = issuedBy
        self.notAfter = notAfter
        self.renewAfter = renewAfter
        self.problem = problem
    }
}
