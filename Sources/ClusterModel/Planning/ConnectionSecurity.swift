/// How one instance (or Ordinal) connects to another: `libpq`'s `sslmode`.
public enum SSLMode: String, Sendable, Hashable, CaseIterable {
    /// TLS, the certificate checked against the cluster's CA and the name connected to.
    case verifyFull = "verify-full"
    /// TLS without checking the certificate (the client has no CA to check it with).
    case require
    /// TLS when the server offers it (a server without TLS, while a walk turns it on or off).
    case prefer

    /// How a client pod reaches a server pod: verified when the server serves the cluster's
    /// certificate and the client has its CA (pods with the ``ClusterLabels/tlsAnnotation``
    /// have both); encrypted unverified when only the server serves TLS; else TLS if offered.
    public static func between(client: Bool, server: Bool) -> SSLMode {
        server ? (client ? .verifyFull : .require) : .prefer
    }
}
