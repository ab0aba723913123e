import ClusterModel
import Crypto
import FoundationEssentials
import SwiftASN1
import X509

/// A certificate and its private key, both PEM, as a `kubernetes.io/tls` Secret holds them.
public struct IssuedCertificate: Sendable, Hashable {
    /// `tls.crt`.
    public var certificatePEM: String
    /// `tls.key` (PKCS #8).
    public var privateKeyPEM: String

    /// Creates one from its PEM texts.
    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// Why a certificate could not be made or read; carries no key material.
public struct CertificateIssueError: Error, CustomStringConvertible, Sendable {
    /// What was being done, and what the certificate library said.
    public var description: String
}

/// Issues a cluster's certificate authority and server certificates (ECDSA P-256, SHA-256),
/// with swift-certificates. Randomness and signing live here; whether and when to issue is the
/// planner's decision.
public enum CertificateIssuer {
    /// A self-signed authority named `commonName`, valid from a minute before `now`
    /// (clock skew between the operator and the servers) for `validity` seconds.
    public static func authority(commonName: String, now: Double, validity: Double) throws(CertificateIssueError) -> IssuedCertificate {
        try selfSigned(commonName: commonName, now: now, validity: validity, what: "the certificate authority") { signingKey in
            try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: signingKey.publicKey)
            }
        }
    }

    /// A new key and a certificate it signs for itself (subject = issuer `O=Ordinal, CN=commonName`),
    /// valid from a minute before `now` for `validity` seconds, with the extensions `extensions` makes.
    private static func selfSigned(
        commonName: String, now: Double, validity: Double, what: String,
        extensions: (Certificate.PrivateKey) throws -> Certificate.Extensions
    ) throws(CertificateIssueError) -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let signingKey = Certificate.PrivateKey(key)
        do {
            let name = try DistinguishedName {
                OrganizationName("Ordinal")
                CommonName(commonName)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: signingKey.publicKey,
                notValidBefore: Date(timeIntervalSince1970: now - ClusterDefaults.certificateBackdateSeconds), notValidAfter: Date(timeIntervalSince1970: now + validity),
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: try extensions(signingKey),
                issuerPrivateKey: signingKey)
            return IssuedCertificate(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
        } catch {
            throw CertificateIssueError(description: "making \(what) \(commonName): \(error)")
        }
    }

    /// A server certificate for `dnsNames` (the first is also its common name), signed by
    /// `authority`, valid from a minute before `now` for `validity` seconds.
    /// `ipAddresses` (IPv4, dotted) are added as IP address names: test servers on loopback
    /// are verified by address.
    public static func server(
        dnsNames: [String], ipAddresses: [String] = [], authority: IssuedCertificate, now: Double, validity: Double
    ) throws(CertificateIssueError) -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PrivateKey(key).publicKey
        do {
            let issuerKey = try Certificate.PrivateKey(pemEncoded: authority.privateKeyPEM)
            let issuer = try Certificate(pemEncoded: authority.certificatePEM)
            let subject = try DistinguishedName {
                OrganizationName("Ordinal")
                CommonName(dnsNames.first ?? "postgresql")
            }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) } + ipAddresses.compactMap(Self.ipAddressName))
                SubjectKeyIdentifier(hash: publicKey)
                if let authorityKey = try issuer.extensions.subjectKeyIdentifier {
                    AuthorityKeyIdentifier(keyIdentifier: authorityKey.keyIdentifier)
                }
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: Date(timeIntervalSince1970: now - ClusterDefaults.certificateBackdateSeconds), notValidAfter: Date(timeIntervalSince1970: now + validity),
                issuer: issuer.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                issuerPrivateKey: issuerKey)
            return IssuedCertificate(certificatePEM: try certificate.serializeAsPEM().pemString, privateKeyPEM: key.pemRepresentation)
        } catch {
            throw CertificateIssueError(description: "issuing the server certificate for \(dnsNames.first ?? "no name"): \(error)")
        }
    }

    /// A self-signed certificate that is its own trust anchor, for both ends of a mutual TLS
    /// link (pgBackRest's server and its clients): whoever holds the key is admitted, and
    /// nothing else is. `dnsNames` are its names (wildcards allowed), `commonName` the client
    /// name servers check.
    public static func selfSignedIdentity(
        commonName: String, dnsNames: [String], now: Double, validity: Double
    ) throws(CertificateIssueError) -> IssuedCertificate {
        try selfSigned(commonName: commonName, now: now, validity: validity, what: "the identity") { signingKey in
            try Certificate.Extensions {
                // A trust anchor for itself only: it signs nothing else (path length 0).
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) })
                SubjectKeyIdentifier(hash: signingKey.publicKey)
            }
        }
    }

    /// An IPv4 address as a subject alternative name; `nil` when it is not dotted IPv4.
    static func ipAddressName(_ text: String) -> GeneralName? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard parts.count == 4 else { return nil }
        return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(parts)))
    }

    /// True when `privateKeyPEM` is the key of the certificate in `certificatePEM`.
    public static func keyMatches(certificatePEM: String, privateKeyPEM: String) -> Bool {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM),
            let key = try? Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        else { return false }
        return key.publicKey == certificate.publicKey
    }

    /// What `certificatePEM` says, checked against `authorityPEM` (its signature, and that its
    /// key is the one in `privateKeyPEM` when given).
    public static func summary(
        certificatePEM: String, privateKeyPEM: String? = nil, authorityPEM: String?
    ) throws(CertificateIssueError) -> CertificateSummary {
        do {
            let certificate = try Certificate(pemEncoded: certificatePEM)
            var signed = false
            if let authorityPEM {
                let authority = try Certificate(pemEncoded: authorityPEM)
                signed = certificate.issuer == authority.subject
                    && authority.publicKey.isValidSignature(certificate.signature, for: certificate)
            }
            if let privateKeyPEM, try Certificate.PrivateKey(pemEncoded: privateKeyPEM).publicKey != certificate.publicKey {
                signed = false
            }
            let names = (try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()).compactMap { name -> String? in
                if case .dnsName(let dns) = name { return dns }
                return nil
            }
            let isAuthority: Bool
            if case .isCertificateAuthority? = try certificate.extensions.basicConstraints { isAuthority = true } else { isAuthority = false }
            return CertificateSummary(
                notBefore: certificate.notValidBefore.timeIntervalSince1970, notAfter: certificate.notValidAfter.timeIntervalSince1970,
                dnsNames: names, isAuthority: isAuthority, isSignedByAuthority: signed)
        } catch {
            throw CertificateIssueError(description: "reading a certificate: \(error)")
        }
    }
}
