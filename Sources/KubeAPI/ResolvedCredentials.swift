/// Credentials ready for one request: a bearer token and/or client certificate material.
struct ResolvedCredentials: Sendable {
    var bearerToken: String?
    var clientCertificatePEM: [UInt8]?
    var clientKeyPEM: [UInt8]?
}
