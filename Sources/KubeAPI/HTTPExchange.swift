/// One HTTP request as the transport sends it.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [(String, String)]
    var body: [UInt8]?
    /// Whole-transfer limit; `nil` for none (watch streams).
    var timeout: Duration?
    var connectTimeout: Duration
}

/// One HTTP response: code, headers (names lower-cased) and body.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// TLS material and policy for a connection to the API server.
public struct TLSSettings: Sendable, Hashable {
    /// PEM of the CA(s) that signed the server's certificate; `nil` for the system's trust store.
    public var certificateAuthorityPEM: [UInt8]?
    /// PEM of the client certificate, for client-certificate authentication.
    public var clientCertificatePEM: [UInt8]?
    /// PEM of the client certificate's private key.
    public var clientKeyPEM: [UInt8]?
    /// Skip verification of the server's certificate. Only ever true when a kubeconfig says so.
    public var insecureSkipVerify: Bool

    public init(
        certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// Why a transfer failed before an HTTP response arrived.
struct TransportFailure: Error, Sendable {
    enum Kind: Sendable {
        case timedOut, cancelled, failed
    }

    var kind: Kind
    /// curl's description of the error (never contains headers or bodies).
    var detail: String
}
