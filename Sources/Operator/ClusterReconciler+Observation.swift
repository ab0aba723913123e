import ClusterModel
import KubeAPI
import KubeTypes
import PostgresHealth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClusterReconciler {
    /// Gathers one observation of the cluster: the Secrets' presence, the cached objects and
    /// pods, the probes of every pod with an address, and the claims when the planner needs them.
    func observe(_ round: inout Round) async throws -> ClusterObservation {
        let resolved = round.resolved
        let namespace = resolved.namespace
        let names = resolved.names
        var observation = ClusterObservation(cluster: round.cluster, now: clock.now())

        // First: the app Secret's derived keys include the CA.
        observation.certificates = try await observeCertificates(&round)
        let applied = round.cluster.status?.passwords
        for role in SecretRole.allCases {
            // Generated Secrets are cached, so the synced cache's "absent" is the API server's; a
            // user-named one, or a generated name made without our labels, is read.
            let name = SecretBuilder.secretName(resolved, role: role)
            let generated = SecretBuilder.isGenerated(resolved, role: role)
            guard let secret = try await readSecret(name, generated: generated, namespace: namespace) else {
                observation.secrets[role] = .missing
                continue
            }
            let data = Self.decodedData(secret)
            observation.secrets[role] = .present(username: data["username"], hasPassword: data["password"] != nil)
            let version = secret.metadata.resourceVersion
            if let version { observation.secretVersions[role] = version }
            guard let password = data["password"] else { continue }
            round.credentials[role] = (username: data["username"], password: password)
            if let version, applied?[role]?.secretVersion == version {
                passwords.remember(password, role: role, cluster: round.key, uid: round.uid)
            }
            if role == .superuser || role == .monitor {
                // Log in with the password PostgreSQL holds while a changed one waits to be set.
                let held = applied?[role]?.secretVersion == version ? nil : passwords.password(role: role, cluster: round.key, uid: round.uid)
                if role == .superuser { round.superuserLogin = held ?? password } else { round.monitorLogin = held ?? password }
            }
            if role == .app {
                let live = data[CacheForm.derivedDigestKey] ?? SecretBuilder.derivedKeysDigest(data)
                observation.appSecretKeysStale = live != SecretBuilder.derivedKeysDigest(SecretBuilder.appData(resolved, password: password, authorityPEM: round.authorityPEM))
            }
        }
        observation.knownPasswords = passwords.roles(cluster: round.key, uid: round.uid)
        if let replication = round.credentials[.replication] {
            observation.expectedPassfileDigest = Passfile.digest(user: round.user(.replication), password: PostgresPassword(replication.password))
        }

        observation.statefulSet = caches.statefulSets.get(namespace: namespace, name: names.statefulSet)
        observation.hasBudget = caches.budgets.get(namespace: namespace, name: names.podDisruptionBudget) != nil
        observation.hasNetworkPolicy = caches.networkPolicies.get(namespace: namespace, name: names.networkPolicy) != nil
        observation.operatorNamespace = options.operatorNamespace
        let pods = caches.pods.list(namespace: namespace, selector: LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: resolved.name)))
            .filter { names.ordinal(ofPod: $0.metadata.name ?? "") != nil }
        observation.pods = pods.map { pod in
            PodObservation(name: pod.metadata.name ?? "", isReady: pod.isReady, revision: pod.controllerRevisionHash,
                           roleLabel: pod.metadata.labels?[ClusterLabels.role],
                           bootstrapFailure: pod.failureMessage(ofInitContainer: PodLayout.initContainerName),
                           uid: pod.metadata.uid, configHash: pod.metadata.annotations?[ClusterLabels.configHashAnnotation],
                           servesTLS: pod.servesTLS, startFailure: pod.startFailure)
        }
        if resolved.backup != nil {
            let selector = LabelSelector(matchLabels: [ClusterLabels.cluster: resolved.name])
            let jobPods = caches.pods.list(namespace: namespace, selector: selector)
            observation.backupJobs = caches.jobs.list(namespace: namespace, selector: selector).compactMap { job in
                let pod = jobPods.first { $0.metadata.labels?[BackupJobBuilder.jobLabel] == job.metadata.name }
                return BackupJobObservation(job: job, pod: pod)
            }
        }
        observation.configMaps = caches.configMaps
            .list(namespace: namespace, selector: LabelSelector(matchLabels: [ClusterLabels.cluster: resolved.name]))
            .compactMap(\.metadata.name)
        for pod in pods {
            if let address = address(of: pod, round) { round.addresses[address.podName] = address }
        }

        let probed = pods.compactMap { round.addresses[$0.metadata.name ?? ""] }
        if let password = round.superuserPassword, !probed.isEmpty {
            let login = { (user: String, password: String) in
                ConnectionSettings(host: "", user: user, password: PostgresPassword(password), applicationName: "ordinal",
                                   connectTimeout: self.options.probeTimeout)
            }
            let started = ContinuousClock.now
            let parameters = resolved.parameters.keys.sorted()
            let prober = ClusterProber(
                pool: pool, monitor: round.monitorLogin.map { login(ClusterDefaults.monitorUserName, $0) },
                superuser: login(ClusterDefaults.superuserName, password), parameters: parameters)
            let facts = await prober.probeCluster(probed, within: options.probeTimeout)
            noteSuperuserProbes(facts, round)
            metrics.observeProbe(seconds: (ContinuousClock.now - started).seconds)
            observation.reports = facts.map(\.report)
            // What PostgreSQL says of the spec's parameters: the primary's word, else any instance's.
            let answered = observation.reports.filter { $0.database != nil }
            observation.parameterContexts = (answered.first { $0.isPrimary } ?? answered.first)?.database?.parameterContexts ?? [:]
        } else if round.superuserPassword == nil && !probed.isEmpty {
            observation.probeBlocked = "the superuser Secret cannot be read"
        }

        if ClusterPlanner.needsClaims(round.cluster, statefulSet: observation.statefulSet, pods: observation.pods) {
            let selector = LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: resolved.name)).queryString
            let claims = try await client.list(PersistentVolumeClaim.self, namespace: namespace, options: ListOptions(labelSelector: selector))
            observation.claims = claims.items.map { ClaimObservation(name: $0.metadata.name ?? "", requested: $0.spec?.resources?.requests?["storage"]) }
        }
        return observation
    }

    /// Says which instances were probed as the superuser because the monitoring role could not
    /// (normal until the primary has made it and a standby has replayed that).
    func noteSuperuserProbes(_ facts: [InstanceFacts], _ round: Round) {
        for instance in facts where instance.probedAsSuperuser {
            round.logger.info("probed as the superuser: the monitoring role cannot probe this instance yet", metadata: [
                "pod": "\(instance.podName)", "reason": "\(instance.monitorError.map { "\($0)" } ?? "no monitoring Secret yet")",
            ])
        }
    }

    /// Where the operator reaches the instance in `pod`; `nil` until the pod has an IP (a pod
    /// not yet scheduled or started runs no PostgreSQL, and its DNS name does not resolve yet),
    /// so a Pending pod costs no probe and no DNS lookup.
    ///
    /// A pod whose server serves the cluster's certificate (``ClusterLabels/tlsAnnotation``) is
    /// reached with `verify-full` against the cluster's CA, by its DNS name (with the pod IP
    /// as `hostaddr` when addressing by IP); any other with TLS if it offers it.
    func address(of pod: Pod, _ round: Round) -> InstanceAddress? {
        let name = pod.metadata.name ?? ""
        guard pod.status?.podIP != nil, let ordinal = round.resolved.names.ordinal(ofPod: name) else { return nil }
        let passfile = options.replicationPassfile(round.resolved.namespace, name)
        var address: InstanceAddress
        switch options.addressing {
        case .podDNS:
            address = InstanceAddress(podName: name, host: round.resolved.names.podHost(ordinal), port: ClusterDefaults.port,
                                      passfile: passfile)
        case .podIP:
            guard let ip = pod.status?.podIP else { return nil }
            address = InstanceAddress(podName: name, host: round.resolved.names.podHost(ordinal), port: ClusterDefaults.port,
                                      passfile: passfile, hostAddress: ip)
        case .table(let lookup):
            guard let (host, port) = lookup(round.resolved.namespace, name) else { return nil }
            address = InstanceAddress(podName: name, host: host, port: port, passfile: passfile)
        }
        let ssl = SSLMode.between(client: true, server: pod.servesTLS)
        address.sslMode = ssl.rawValue
        if ssl == .verifyFull { address.sslRootCertificate = round.authorityFile ?? "\(options.certificateDirectory)/no-ca-known.crt" }
        return address
    }

    /// A Secret of the cluster: from the cache, whose absence is the API server's for a Secret
    /// Ordinal generates (it watches them by label); read from the API server when the user
    /// names it, or a generated name exists without Ordinal's labels (until it has them).
    func readSecret(_ name: String, generated: Bool, namespace: String) async throws -> Secret? {
        if let cached = caches.secrets.get(namespace: namespace, name: name) { return cached }
        if generated && !uncachedSecrets.contains(namespace: namespace, name: name) { return nil }
        let secret = try await client.getIfPresent(Secret.self, name: name, namespace: namespace)
        if generated, secret?.metadata.labels?[ClusterLabels.managedBy] == ClusterLabels.managedByValue {
            uncachedSecrets.remove(namespace: namespace, name: name)  // labelled: the cache has it next time
        }
        return secret
    }

    static func decodedData(_ secret: Secret) -> [String: String] {
        var result = secret.stringData ?? [:]
        for (key, encoded) in secret.data ?? [:] {
            if let bytes = Data(base64Encoded: encoded) {
                result[key] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return result
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
