import ClusterCertificates
import ClusterModel
import KubeAPI
import KubeTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClusterReconciler {
    /// The cluster's certificate Secrets as the planner needs them: each certificate parsed and
    /// the server's checked against the CA in use. Ordinal's own are read from the cache (which
    /// keeps no key, only whether it matches); the user's, and a generated name made without
    /// Ordinal's labels, are read from the API server.
    /// Also records the CA as a file in `round` for the probes' `verify-full`.
    func observeCertificates(_ round: inout Round) async throws -> CertificateObservation {
        var observation = try await observeServerCertificates(&round)
        if round.resolved.backup != nil {
            observation.backup = try await observeBackupIdentity(round)
        }
        return observation
    }

    /// pgBackRest's identity Secret, checked against itself (from the cache: no key, only
    /// whether it matches).
    private func observeBackupIdentity(_ round: Round) async throws -> CertificateState {
        let name = round.resolved.names.backupIdentitySecret
        guard let secret = try await readSecret(name, generated: true, namespace: round.resolved.namespace) else { return .missing }
        let data = Self.decodedData(secret)
        guard let pem = data["tls.crt"] else { return .unusable("it has no tls.crt") }
        do {
            var summary = try CertificateIssuer.summary(certificatePEM: pem, authorityPEM: pem)
            guard let keyMatches = Self.keyMatches(data) else { return .unusable("it has no tls.key") }
            if !keyMatches { summary.isSignedByAuthority = false }
            return .present(summary)
        } catch {
            return .unusable("its tls.crt is not a PEM certificate")
        }
    }

    private func observeServerCertificates(_ round: inout Round) async throws -> CertificateObservation {
        let resolved = round.resolved
        guard resolved.tlsEnabled else { return CertificateObservation() }
        let namespace = resolved.namespace
        let serverSecret = try await readSecret(resolved.serverCertificateSecret, generated: resolved.issuesCertificates, namespace: namespace)
        let authoritySecret: Secret?
        if resolved.issuesCertificates {
            authoritySecret = try await readSecret(resolved.names.certificateAuthoritySecret, generated: true, namespace: namespace)
        } else if let name = resolved.userCertificateAuthoritySecret {
            authoritySecret = try await readSecret(name, generated: false, namespace: namespace)
        } else {
            authoritySecret = serverSecret
        }
        // Parsing and checking the certificates is most of a steady reconcile's cost: done again
        // only when one of the Secrets changed.
        let fingerprint = [round.uid, resolved.serverCertificateSecret, serverSecret?.metadata.resourceVersion ?? "-",
                           authoritySecret?.metadata.name ?? "-", authoritySecret?.metadata.resourceVersion ?? "-",
                           resolved.issuesCertificates ? "ordinal" : "user"].joined(separator: "|")
        let (observation, authorityPEM) = certificateMemo.value(for: round.key, fingerprint: fingerprint) {
            Self.certificateObservation(resolved, server: serverSecret, authority: authoritySecret)
        }
        round.authorityFile = authorityPEM.flatMap { authorityFiles.path(for: round.key, pem: $0) }
        round.authorityPEM = authorityPEM
        return observation
    }

    /// The certificates in `server` and `authority` as the planner needs them, and the CA's PEM.
    static func certificateObservation(
        _ resolved: ResolvedCluster, server serverSecret: Secret?, authority authoritySecret: Secret?
    ) -> (CertificateObservation, String?) {
        // Ordinal's CA keeps its certificate as tls.crt; a user's CA Secret and a server Secret as ca.crt.
        let authorityKey = resolved.issuesCertificates ? "tls.crt" : "ca.crt"
        let authorityData = authoritySecret.map(Self.decodedData)
        let authorityPEM = authorityData.flatMap { $0[authorityKey] }
        var observation = CertificateObservation()
        if let authorityData {
            if let pem = authorityPEM {
                do {
                    observation.authority = .present(try CertificateIssuer.summary(certificatePEM: pem, authorityPEM: nil))
                } catch {
                    observation.authority = .unusable("its \(authorityKey) is not a PEM certificate")
                }
                if resolved.issuesCertificates, Self.keyMatches(authorityData) != true {
                    observation.authority = .unusable("its tls.key is missing or is not the CA certificate's key")
                }
            } else {
                observation.authority = resolved.issuesCertificates || resolved.userCertificateAuthoritySecret != nil
                    ? .unusable("it has no \(authorityKey) (the pods mount it as ca.crt)") : .missing
            }
        } else {
            observation.authority = .missing
        }
        guard let serverSecret else {
            observation.server = .missing
            return (observation, authorityPEM)
        }
        let data = Self.decodedData(serverSecret)
        guard let pem = data["tls.crt"] else {
            observation.server = .unusable("it has no tls.crt")
            return (observation, authorityPEM)
        }
        do {
            var summary = try CertificateIssuer.summary(certificatePEM: pem, authorityPEM: authorityPEM)
            let keyMatches = Self.keyMatches(data)
            if keyMatches != true { summary.isSignedByAuthority = false }
            observation.server = keyMatches == nil ? .unusable("it has no tls.key") : .present(summary)
        } catch {
            observation.server = .unusable("its tls.crt is not a PEM certificate")
        }
        return (observation, authorityPEM)
    }

    /// Whether a Secret's `tls.key` matches its `tls.crt`: from the cache's marker, or checked
    /// on a Secret read whole; `nil` without a key.
    static func keyMatches(_ data: [String: String]) -> Bool? {
        if let marker = data[CacheForm.keyMatchesKey] { return marker == "true" }
        guard let key = data["tls.key"] else { return nil }
        return data["tls.crt"].map { CertificateIssuer.keyMatches(certificatePEM: $0, privateKeyPEM: key) } ?? false
    }

    /// Issues what the plan asks, CA first: a new CA only into a Secret that does not exist,
    /// a server certificate signed by the CA's key (read from the API server: the cache keeps
    /// no key), written whole (created, or replacing the old one).
    /// Issued as of `observed` (the observation's time, whole seconds), so the certificate says
    /// what the plan put in status.
    func issueCertificates(_ issues: [CertificateIssue], at observed: Double, _ round: inout Round) async throws {
        guard !issues.isEmpty else { return }
        let resolved = round.resolved
        let namespace = resolved.namespace
        let now = observed.rounded(.down)
        var authorities: [String: IssuedCertificate] = [:]
        for issue in issues {
            switch issue {
            case .authority(let name, let commonName):
                let issued = try CertificateIssuer.authority(commonName: commonName, now: now, validity: ClusterDefaults.authorityValiditySeconds)
                let secret = Self.tlsSecret(resolved, name: name, issued: issued, authorityPEM: issued.certificatePEM)
                guard try await createGenerated(secret, namespace: namespace, round) else { continue }
                round.writes += 1
                authorities[name] = issued
                round.authorityPEM = issued.certificatePEM
                round.authorityFile = authorityFiles.path(for: round.key, pem: issued.certificatePEM)
                round.logger.info("made the cluster's CA", metadata: ["secret": "\(name)"])
            case .server(let name, let authorityName, let dnsNames, let replacing):
                var authority = authorities[authorityName]
                if authority == nil { authority = try await storedAuthority(authorityName, namespace: namespace) }
                guard let authority else {
                    round.logger.notice("no usable CA to issue the server certificate with yet", metadata: ["secret": "\(authorityName)"])
                    continue
                }
                let issued = try CertificateIssuer.server(
                    dnsNames: dnsNames, authority: authority, now: now, validity: ClusterDefaults.serverCertificateValiditySeconds)
                let secret = Self.tlsSecret(resolved, name: name, issued: issued, authorityPEM: authority.certificatePEM)
                guard try await store(secret, replacing: replacing, &round) else { continue }
                round.logger.info("issued the server certificate", metadata: ["secret": "\(name)", "replaced": "\(replacing)"])
            case .backupIdentity(let name, let dnsNames, let replacing):
                let issued = try CertificateIssuer.selfSignedIdentity(
                    commonName: ClusterDefaults.backupIdentityCommonName, dnsNames: dnsNames, now: now,
                    validity: ClusterDefaults.backupIdentityValiditySeconds)
                let secret = Self.tlsSecret(resolved, name: name, issued: issued, authorityPEM: issued.certificatePEM)
                guard try await store(secret, replacing: replacing, &round) else { continue }
                round.logger.info("made pgBackRest's identity", metadata: ["secret": "\(name)", "replaced": "\(replacing)"])
            }
        }
    }

    /// Writes an issued certificate's Secret whole: replacing the old one, or created (false
    /// when another writer made it first, as ``createGenerated(_:namespace:_:)`` says).
    private func store(_ secret: Secret, replacing: Bool, _ round: inout Round) async throws -> Bool {
        if replacing {
            _ = try await client.apply(secret, fieldManager: options.fieldManager, force: true)
        } else if try await !createGenerated(secret, namespace: round.resolved.namespace, round) {
            return false
        }
        round.writes += 1
        return true
    }

    /// The CA's certificate and key, read whole from the API server.
    private func storedAuthority(_ name: String, namespace: String) async throws -> IssuedCertificate? {
        guard let secret = try await client.getIfPresent(Secret.self, name: name, namespace: namespace) else { return nil }
        let data = Self.decodedData(secret)
        guard let certificate = data["tls.crt"], let key = data["tls.key"] else { return nil }
        return IssuedCertificate(certificatePEM: certificate, privateKeyPEM: key)
    }

    /// A `kubernetes.io/tls` Secret with `tls.crt`, `tls.key` and `ca.crt`, base64 in `data`
    /// (so an apply owns exactly these keys).
    static func tlsSecret(_ resolved: ResolvedCluster, name: String, issued: IssuedCertificate, authorityPEM: String) -> Secret {
        var secret = SecretBuilder.certificateSecret(
            resolved, name: name, certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM, authorityPEM: authorityPEM)
        secret.data = secret.stringData?.mapValues { Data($0.utf8).base64EncodedString() }
        secret.stringData = nil
        return secret
    }
}
