/// What a certificate in a Secret says, as plain values the planner decides renewal from (read
/// by the shell with the certificate library; the planner does no X.509).
public struct CertificateSummary: Sendable, Hashable {
    /// Seconds since 1970 before which it is not valid.
    public var notBefore: Double
    /// Seconds since 1970 after which it is not valid.
    public var notAfter: Double
    /// Its subject alternative DNS names.
    public var dnsNames: [String]
    /// True for a certificate authority (basic constraints `CA:TRUE`).
    public var isAuthority: Bool
    /// True when it was signed by the authority it was checked against (and its key matches
    /// the private key beside it in the Secret).
    public var isSignedByAuthority: Bool

    /// Creates a summary.
    public init(notBefore: Double, notAfter: Double, dnsNames: [String], isAuthority: Bool, isSignedByAuthority: Bool) {
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.dnsNames = dnsNames
        self.isAuthority = isAuthority
        self.isSignedByAuthority = isSignedByAuthority
    }

    /// True once less than a third of its validity is left at `now` (or it has expired).
    public func isDueForRenewal(at now: Double) -> Bool {
        now >= notAfter - (notAfter - notBefore) / 3
    }
}
