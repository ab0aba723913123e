import KubeTypes

/// Which certificates to issue, and what status says of them.
///
/// - TLS off: nothing.
/// - Ordinal's own (no `tls.serverSecretName`): a missing CA is made (`<name>-ca`); an existing
///   one is never replaced (clients trust it), whatever is wrong with it: status says what, and
///   that deleting the Secret makes a new one. The server certificate (`<name>-server`) is
///   issued when missing or unusable, and again when it is not signed by the CA, does not
///   cover every name of ``ClusterNames/serverCertificateNames``, or has a third of its
///   validity left.
/// - The user's: nothing is issued; status reports a missing Secret, a certificate expired,
///   not signed by the CA in use, or not covering every pod's DNS name (replicas verify it).
///
/// - Backups on: pgBackRest's identity (`<name>-backup-tls`), whatever TLS for clients says.
///
/// A Warning Event is recorded when a problem first appears (or changes), not every round.
struct CertificatePlan {
    static let ordinal = "Ordinal"
    static let user = "User"

    var issues: [CertificateIssue] = []
    var events: [ClusterEvent] = []
    var status: CertificatesStatus?

    init(resolved: ResolvedCluster, observation: ClusterObservation) {
        let previous = observation.cluster.status?.certificates
        var status = CertificatesStatus()
        // Not looked at (the shell reads them only while TLS is on): nothing to say.
        if resolved.tlsEnabled, observation.certificates.authority != nil || observation.certificates.server != nil {
            status = resolved.issuesCertificates
                ? ordinalCertificates(resolved, observation)
                : userCertificates(resolved, observation)
        }
        if resolved.backup != nil, let state = observation.certificates.backup {
            status.backup = backupIdentity(resolved.names, state, now: observation.now)
        }
        guard status != CertificatesStatus() else { return }
        for (now, before, what) in [(status.authority, previous?.authority, "CA"), (status.server, previous?.server, "server certificate"),
                                    (status.backup, previous?.backup, "backup identity")] {
            if let problem = now?.problem, problem != before?.problem {
                events.append(ClusterEvent(.warning, .certificateProblem, "\(what) in Secret \(now?.secretName ?? ""): \(problem)"))
            }
        }
        self.status = status
    }

    private mutating func ordinalCertificates(_ resolved: ResolvedCluster, _ observation: ClusterObservation) -> CertificatesStatus {
        let names = resolved.names
        let now = observation.now
        let authorityName = names.certificateAuthoritySecret
        var authority = CertificateStatus(secretName: authorityName, issuedBy: Self.ordinal)
        var authorityUsable = false
        var authorityNew = false
        switch observation.certificates.authority {
        case .missing?:
            issues.append(.authority(secret: authorityName, commonName: "Ordinal CA for \(resolved.namespace)/\(resolved.name)"))
            events.append(ClusterEvent(.normal, .certificateIssued, "made the cluster's CA in Secret \(authorityName)"))
            authority.notAfter = KubeTime.format(now.rounded(.down) + ClusterDefaults.authorityValiditySeconds)
            authorityUsable = true
            authorityNew = true
        case .present(let summary)?:
            authority.notAfter = KubeTime.format(summary.notAfter)
            let replace = "Ordinal never replaces a CA by itself (clients trust it): delete the Secret to have a new one made, and give clients the new ca.crt"
            if !summary.isAuthority {
                authority.problem = "it holds no CA certificate; \(replace)"
            } else if now >= summary.notAfter {
                authority.problem = "the CA expired at \(KubeTime.format(summary.notAfter)); \(replace)"
            } else {
                authorityUsable = true
                if summary.isDueForRenewal(at: now) {
                    authority.problem = "the CA expires at \(KubeTime.format(summary.notAfter)); \(replace)"
                }
            }
        case .unusable(let why)?:
            authority.problem = "\(why); Ordinal never replaces a CA by itself: delete the Secret to have a new one made"
        case nil:
            return CertificatesStatus()
        }

        let serverName = names.serverCertificateSecret
        var server = CertificateStatus(secretName: serverName, issuedBy: Self.ordinal)
        guard authorityUsable else {
            server.problem = "not issued while the CA in \(authorityName) cannot be used"
            return CertificatesStatus(authority: authority, server: server)
        }
        let wanted = names.serverCertificateNames
        var reissue: String?
        var replacing = true
        switch observation.certificates.server {
        case .missing?, nil:
            reissue = "issued the server certificate"
            replacing = false
        case .unusable(let why)?:
            reissue = "issued the server certificate again (\(why))"
        case .present(let summary)?:
            let covered = Set(summary.dnsNames.map { $0.lowercased() })
            if authorityNew {
                reissue = "issued the server certificate again, from the new CA"
            } else if !summary.isSignedByAuthority {
                reissue = "issued the server certificate again (it was not signed by the CA in \(authorityName), or its key did not match)"
            } else if let missing = wanted.first(where: { !covered.contains($0.lowercased()) }) {
                reissue = "issued the server certificate again (it did not cover \(missing))"
            } else if summary.isDueForRenewal(at: now) {
                reissue = "renewed the server certificate (valid until \(KubeTime.format(summary.notAfter)))"
            } else {
                server.setDates(of: summary)
            }
        }
        if let reissue {
            issues.append(.server(secret: serverName, authoritySecret: authorityName, dnsNames: wanted, replacing: replacing))
            events.append(ClusterEvent(.normal, .certificateIssued, "\(reissue) in Secret \(serverName)"))
            server.setDates(issuedAt: now, validity: ClusterDefaults.serverCertificateValiditySeconds)
        }
        return CertificatesStatus(authority: authority, server: server)
    }

    /// pgBackRest's identity: self-signed, trusted by itself only, so it is made again whenever
    /// it is missing, unusable, not its own anchor, short of a name, or has a third of its
    /// validity left; nothing outside the cluster trusts it, and the instances' servers pick the
    /// new one up from their mounted Secret.
    private mutating func backupIdentity(_ names: ClusterNames, _ state: CertificateState, now: Double) -> CertificateStatus {
        let name = names.backupIdentitySecret
        var status = CertificateStatus(secretName: name, issuedBy: Self.ordinal)
        var reissue: String?
        var replacing = true
        switch state {
        case .missing:
            reissue = "made the backup identity"
            replacing = false
        case .unusable(let why):
            reissue = "made the backup identity again (\(why))"
        case .present(let summary):
            let covered = Set(summary.dnsNames.map { $0.lowercased() })
            if !summary.isAuthority || !summary.isSignedByAuthority {
                reissue = "made the backup identity again (it was not self-signed with its own key)"
            } else if let missing = names.backupIdentityNames.first(where: { !covered.contains($0.lowercased()) }) {
                reissue = "made the backup identity again (it did not cover \(missing))"
            } else if summary.isDueForRenewal(at: now) {
                reissue = "renewed the backup identity (valid until \(KubeTime.format(summary.notAfter)))"
            } else {
                status.setDates(of: summary)
            }
        }
        if let reissue {
            issues.append(.backupIdentity(secret: name, dnsNames: names.backupIdentityNames, replacing: replacing))
            events.append(ClusterEvent(.normal, .certificateIssued, "\(reissue) in Secret \(name)"))
            status.setDates(issuedAt: now, validity: ClusterDefaults.backupIdentityValiditySeconds)
        }
        return status
    }

    private func userCertificates(_ resolved: ResolvedCluster, _ observation: ClusterObservation) -> CertificatesStatus {
        let names = resolved.names
        let serverName = resolved.serverCertificateSecret
        let authorityName = resolved.userCertificateAuthoritySecret ?? serverName
        var server = CertificateStatus(secretName: serverName, issuedBy: Self.user)
        var authority = CertificateStatus(secretName: authorityName, issuedBy: Self.user)
        switch observation.certificates.authority {
        case .missing?:
            authority.problem = resolved.userCertificateAuthoritySecret == nil
                ? "the server Secret has no ca.crt: add it, or name a Secret with one in tls.caSecretName"
                : "Secret not found"
        case .unusable(let why)?:
            authority.problem = why
        case .present(let summary)?:
            authority.notAfter = KubeTime.format(summary.notAfter)
            if observation.now >= summary.notAfter { authority.problem = "the CA expired at \(KubeTime.format(summary.notAfter))" }
        case nil:
            break
        }
        switch observation.certificates.server {
        case .missing?:
            server.problem = "Secret not found: the pods cannot start until it exists (a kubernetes.io/tls Secret with tls.crt and tls.key)"
        case .unusable(let why)?:
            server.problem = why
        case .present(let summary)?:
            server.notAfter = KubeTime.format(summary.notAfter)
            let required = (0..<resolved.instances).map(names.podHost)
            if observation.now >= summary.notAfter {
                server.problem = "expired at \(KubeTime.format(summary.notAfter)); renew it (Ordinal uses the user's certificate as it is)"
            } else if authority.problem == nil, !summary.isSignedByAuthority {
                server.problem = "not signed by the CA in Secret \(authorityName) (or its key does not match): replicas verifying it would refuse it"
            } else if let missing = required.first(where: { !Self.covers(summary.dnsNames, $0) }) {
                server.problem = "does not cover \(missing): replicas verify every pod's name (a wildcard *.\(names.headlessService).\(resolved.namespace).svc.cluster.local covers them)"
            }
        case nil:
            break
        }
        return CertificatesStatus(authority: authority, server: server)
    }

    /// True when one of `dnsNames` matches `host`: exactly, or as a wildcard for its first label.
    static func covers(_ dnsNames: [String], _ host: String) -> Bool {
        let host = host.lowercased()
        return dnsNames.contains { name in
            let name = name.lowercased()
            if name == host { return true }
            guard name.hasPrefix("*."), let dot = host.firstIndex(of: ".") else { return false }
            return host[host.index(after: dot)...] == name.dropFirst(2)
        }
    }
}

extension CertificateStatus {
    /// Valid until, and renewed from, what the certificate in use says.
    mutating func setDates(of summary: CertificateSummary) {
        notAfter = KubeTime.format(summary.notAfter)
        renewAfter = KubeTime.format(summary.notAfter - (summary.notAfter - summary.notBefore) / 3)
    }

    /// Valid until, and renewed from, what the certificate the shell issues now will say (whole
    /// seconds, back-dated a little).
    mutating func setDates(issuedAt now: Double, validity: Double) {
        let notAfter = now.rounded(.down) + validity
        self.notAfter = KubeTime.format(notAfter)
        renewAfter = KubeTime.format(notAfter - (validity + ClusterDefaults.certificateBackdateSeconds) / 3)
    }
}
