import KubeTypes

/// Builds the StatefulSet: one pod and one volume per instance, pod 0 the primary.
public enum StatefulSetBuilder {
    /// - Parameter partition: the `rollingUpdate.partition` the operator drives; pods with an
    ///   ordinal at or above it run the current template. 0 for a new cluster.
    /// - Parameter contexts: `pg_settings.context` of the spec's parameters, from a running
    ///   server: only the parameters a restart applies are part of the template (a reloadable
    ///   change makes no new revision, so no walk).
    public static func build(_ cluster: ResolvedCluster, partition: Int = 0, contexts: [String: String] = [:]) -> StatefulSet {
        let names = cluster.names
        let selector = ClusterLabels.podSelector(cluster: cluster.name)
        let configHash = ConfigMapBuilder.revisionHash(cluster, contexts: contexts)

        var podSpec = PodSpec(containers: [postgresContainer(cluster)] + (cluster.backup != nil ? [backupServerContainer(cluster)] : []))
        podSpec.initContainers = [bootstrapContainer(cluster)]
        podSpec.volumes = volumes(cluster, revision: ConfigMapBuilder.revisionName(cluster, contexts: contexts))
        podSpec.securityContext = podSecurityContext()
        podSpec.affinity = affinity(cluster, selector: selector)
        podSpec.nodeSelector = cluster.nodeSelector
        podSpec.tolerations = cluster.tolerations
        podSpec.priorityClassName = cluster.priorityClassName
        podSpec.terminationGracePeriodSeconds = ClusterDefaults.terminationGracePeriodSeconds
        podSpec.automountServiceAccountToken = false
        podSpec.enableServiceLinks = false

        let template = PodTemplateSpec(
            metadata: ObjectMeta(
                labels: ClusterLabels.common(cluster: cluster.name),
                annotations: cluster.tlsEnabled
                    ? [ClusterLabels.configHashAnnotation: configHash, ClusterLabels.tlsAnnotation: ClusterLabels.tlsServed]
                    : [ClusterLabels.configHashAnnotation: configHash]),
            spec: podSpec)

        var spec = StatefulSetSpec(selector: LabelSelector(matchLabels: selector), serviceName: names.headlessService, template: template)
        spec.replicas = cluster.instances
        spec.podManagementPolicy = "OrderedReady"
        spec.updateStrategy = StatefulSetUpdateStrategy(
            type: "RollingUpdate", rollingUpdate: RollingUpdateStatefulSetStrategy(partition: partition))
        spec.persistentVolumeClaimRetentionPolicy = PersistentVolumeClaimRetentionPolicy(
            whenDeleted: cluster.retentionWhenDeleted.rawValue, whenScaled: cluster.retentionWhenScaled.rawValue)
        spec.revisionHistoryLimit = 10
        spec.volumeClaimTemplates = [dataClaimTemplate(cluster)]
        var metadata = cluster.metadata(name: names.statefulSet)
        metadata.annotations = [ClusterLabels.templateHashAnnotation: templateHash(template)]
        return StatefulSet(metadata: metadata, spec: spec)
    }

    /// A stable hash of any text (64-bit FNV-1a, 16 hex digits).
    public static func contentHash(_ text: String) -> String { FNV1a.hex(text) }

    /// A stable hash of a pod template (its JSON with sorted keys). Encoding a template is most
    /// of the cost of a plan, and a cluster's template changes only with its spec, so results
    /// are remembered (``TemplateHashMemo``); the value is the same either way.
    public static func templateHash(_ template: PodTemplateSpec) -> String {
        TemplateHashMemo.shared.hash(template) { template in
            let text = (try? JSONValue(encoding: template).jsonText()) ?? "\(template)"
            return FNV1a.hex(text)
        }
    }

    static func dataClaimTemplate(_ cluster: ResolvedCluster) -> PersistentVolumeClaim {
        var claim = PersistentVolumeClaim(
            metadata: ObjectMeta(name: PodLayout.dataVolume, labels: ClusterLabels.common(cluster: cluster.name)),
            spec: PersistentVolumeClaimSpec(
                accessModes: ["ReadWriteOnce"],
                resources: VolumeResourceRequirements(requests: ["storage": cluster.storageSize]),
                storageClassName: cluster.storageClassName))
        claim.apiVersion = nil
        claim.kind = nil
        return claim
    }

    /// The environment of docs/pod-contract.md, shared by both containers.
    static func environment(_ cluster: ResolvedCluster) -> [EnvVar] {
        var environment = [
            EnvVar(name: "PGDATA", value: PodLayout.pgdata),
            EnvVar(name: "PGPORT", value: "\(ClusterDefaults.port)"),
            EnvVar(name: "POD_NAME", fieldPath: "metadata.name"),
            EnvVar(name: "POD_NAMESPACE", fieldPath: "metadata.namespace"),
            EnvVar(name: "ORDINAL_CLUSTER", value: cluster.name),
            EnvVar(name: "ORDINAL_PRIMARY_HOST", value: cluster.names.primaryHost),
            EnvVar(name: "ORDINAL_PRIMARY_PORT", value: "\(ClusterDefaults.port)"),
            EnvVar(name: "ORDINAL_SECRETS_DIR", value: PodLayout.secretsDirectory),
            EnvVar(name: "ORDINAL_CONFIG_DIR", value: PodLayout.configDirectory),
            EnvVar(name: "ORDINAL_APP_DATABASE", value: cluster.database),
            EnvVar(name: "ORDINAL_APP_OWNER", value: cluster.owner),
            EnvVar(name: "ORDINAL_PRIMARY_WAIT_SECONDS", value: "\(PodLayout.primaryWaitSeconds)"),
            EnvVar(name: "POSTGRES_PASSWORD_FILE", value: "\(PodLayout.secretsDirectory)/superuser/password"),
            EnvVar(name: "POSTGRES_INITDB_ARGS", value: "--auth-local=peer --auth-host=scram-sha-256 --data-checksums"),
        ]
        if cluster.tlsEnabled {
            // The bootstrap script clones and rewinds over TLS, verifying the primary against the CA.
            environment.append(EnvVar(name: "ORDINAL_TLS_DIR", value: PodLayout.tlsDirectory))
        }
        if let backup = cluster.backup {
            // The bootstrap container refuses an image without pgBackRest (docs/pod-contract.md).
            environment.append(EnvVar(name: "ORDINAL_BACKUP", value: "pgbackrest"))
            environment.append(EnvVar(name: "ORDINAL_BACKUP_IDENTITY_DIR", value: PodLayout.backupIdentityDirectory))
            if case .s3(let s3) = backup.repository {
                environment += PgBackRestConfig.credentialEnvironment.map { EnvVar(name: $0.variable, secretName: s3.credentialsSecret, key: $0.secretKey) }
            }
        }
        return environment
    }

    /// The S3 endpoint's CA (`caSecret`), where pgBackRest's configuration expects it.
    static func backupAuthorityVolume(_ cluster: ResolvedCluster) -> Volume? {
        guard case .s3(let s3)? = cluster.backup?.repository, let secret = s3.caSecret else { return nil }
        var volume = Volume(name: PodLayout.backupAuthorityVolume)
        volume.secret = SecretVolumeSource(secretName: secret, defaultMode: 0o444, items: [KeyToPath(key: "ca.crt", path: "ca.crt")])
        return volume
    }

    static func mounts(includeInitdb: Bool, tls: Bool) -> [VolumeMount] {
        var mounts = [
            VolumeMount(name: PodLayout.dataVolume, mountPath: PodLayout.dataMountPath),
            VolumeMount(name: PodLayout.configVolume, mountPath: PodLayout.configDirectory, readOnly: true),
            VolumeMount(name: "superuser", mountPath: "\(PodLayout.secretsDirectory)/superuser", readOnly: true),
            VolumeMount(name: "replication", mountPath: "\(PodLayout.secretsDirectory)/replication", readOnly: true),
            VolumeMount(name: "app", mountPath: "\(PodLayout.secretsDirectory)/app", readOnly: true),
            VolumeMount(name: PodLayout.socketVolume, mountPath: PodLayout.socketDirectory),
            VolumeMount(name: PodLayout.tmpVolume, mountPath: "/tmp"),
        ]
        if includeInitdb {
            mounts.append(VolumeMount(name: PodLayout.initdbVolume, mountPath: PodLayout.initdbDirectory, readOnly: true))
        }
        if tls {
            mounts.append(VolumeMount(name: PodLayout.tlsVolume, mountPath: PodLayout.tlsDirectory, readOnly: true))
        }
        return mounts
    }

    static func postgresContainer(_ cluster: ResolvedCluster) -> Container {
        var container = Container(name: PodLayout.containerName, image: cluster.image)
        container.imagePullPolicy = cluster.imagePullPolicy
        container.args = [
            "postgres",
            "-c", "config_file=\(PodLayout.configDirectory)/\(ConfigMapBuilder.postgresqlConfKey)",
            "-c", "hba_file=\(PodLayout.configDirectory)/\(ConfigMapBuilder.hbaConfKey)",
        ]
        container.env = environment(cluster)
        container.ports = [ContainerPort(name: "postgresql", containerPort: ClusterDefaults.port, protocol: "TCP")]
        container.resources = cluster.resources
        container.volumeMounts = mounts(includeInitdb: true, tls: cluster.tlsEnabled) + backupMounts(cluster)
        container.securityContext = restrictedSecurityContext()
        // Startup: crash recovery or a long WAL replay may take a while; allow up to an hour.
        container.startupProbe = probe(isReadyCommand, period: 10, timeout: 5, failures: 360)
        // Liveness: the postmaster answers, accepting connections or not (no login needed, cheap
        // even under load). pg_isready exits 1 while the server starts, recovers from a crash or
        // replays WAL: that is alive, and a restart would only begin the recovery again.
        container.livenessProbe = probe(isAliveCommand, period: 10, timeout: 5, failures: 6)
        // Readiness: PostgreSQL itself runs a query, on a primary or a hot standby.
        // Not Ready within 4 s of a dead server: half the evidence a failover waits for.
        container.readinessProbe = probe(queryCommand, period: 2, timeout: 2, failures: 2)
        return container
    }

    /// pgBackRest's TLS server (docs/backups.md): the backup Jobs read the data directory
    /// through it. Same image, user and restrictions as PostgreSQL; it reads the data volume
    /// and the socket, and writes only its lock and spool files under /tmp.
    static func backupServerContainer(_ cluster: ResolvedCluster) -> Container {
        var container = Container(name: PodLayout.backupServerContainerName, image: cluster.image)
        container.imagePullPolicy = cluster.imagePullPolicy
        container.command = ["bash", "\(PodLayout.configDirectory)/\(ConfigMapBuilder.backupServerScriptKey)"]
        container.env = environment(cluster)
        container.ports = [ContainerPort(name: "pgbackrest", containerPort: ClusterDefaults.backupServerPort, protocol: "TCP")]
        container.resources = ResourceRequirements(requests: ["cpu": "10m", "memory": "32Mi"])
        container.volumeMounts = backupMounts(cluster) + [
            VolumeMount(name: PodLayout.dataVolume, mountPath: PodLayout.dataMountPath),
            VolumeMount(name: PodLayout.configVolume, mountPath: PodLayout.configDirectory, readOnly: true),
            VolumeMount(name: PodLayout.socketVolume, mountPath: PodLayout.socketDirectory),
            VolumeMount(name: PodLayout.tmpVolume, mountPath: "/tmp"),
        ]
        container.securityContext = restrictedSecurityContext()
        // No readiness probe: the pod's readiness is PostgreSQL's (the Services follow it), and
        // a backup problem must not take a serving instance out of them. The script restarts
        // the server when it exits; a Job that cannot reach it fails and says so in status.
        return container
    }

    /// pgBackRest's identity and, for an S3 endpoint with its own CA, that CA.
    static func backupMounts(_ cluster: ResolvedCluster) -> [VolumeMount] {
        guard cluster.backup != nil else { return [] }
        var mounts = [VolumeMount(name: PodLayout.backupIdentityVolume, mountPath: PodLayout.backupIdentityDirectory, readOnly: true)]
        if backupAuthorityVolume(cluster) != nil {
            mounts.append(VolumeMount(name: PodLayout.backupAuthorityVolume, mountPath: PodLayout.backupAuthorityDirectory, readOnly: true))
        }
        return mounts
    }

    static func bootstrapContainer(_ cluster: ResolvedCluster) -> Container {
        var container = Container(name: PodLayout.initContainerName, image: cluster.image)
        container.imagePullPolicy = cluster.imagePullPolicy
        container.command = ["bash", "\(PodLayout.configDirectory)/\(ConfigMapBuilder.bootstrapScriptKey)"]
        container.env = environment(cluster)
        container.resources = cluster.resources
        container.volumeMounts = mounts(includeInitdb: false, tls: cluster.tlsEnabled)
        container.securityContext = restrictedSecurityContext()
        return container
    }

    static let isReadyCommand = ["pg_isready", "--quiet", "--host", PodLayout.socketDirectory, "--port", "\(ClusterDefaults.port)"]
    /// Exit 0 (accepting) and 1 (rejecting: starting, recovering) are alive; 2 (no answer) and 3 are not.
    static let isAliveCommand = [
        "sh", "-c", "pg_isready --quiet --host \(PodLayout.socketDirectory) --port \(ClusterDefaults.port); test $? -le 1",
    ]
    static let queryCommand = [
        "psql", "--no-password", "--quiet", "--no-align", "--tuples-only",
        "--host", PodLayout.socketDirectory, "--port", "\(ClusterDefaults.port)",
        "--username", ClusterDefaults.superuserName, "--dbname", "postgres", "--command", "SELECT 1",
    ]

    static func probe(_ command: [String], period: Int, timeout: Int, failures: Int) -> Probe {
        var probe = Probe(exec: ExecAction(command: command))
        probe.periodSeconds = period
        probe.timeoutSeconds = timeout
        probe.failureThreshold = failures
        return probe
    }

    /// Restricted: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root.
    static func restrictedSecurityContext() -> SecurityContext {
        var context = SecurityContext()
        context.runAsNonRoot = true
        context.runAsUser = ClusterDefaults.postgresUID
        context.runAsGroup = ClusterDefaults.postgresUID
        context.allowPrivilegeEscalation = false
        context.privileged = false
        context.readOnlyRootFilesystem = true
        context.capabilities = Capabilities(drop: ["ALL"])
        context.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        return context
    }

    static func podSecurityContext() -> PodSecurityContext {
        var context = PodSecurityContext()
        context.runAsNonRoot = true
        context.runAsUser = ClusterDefaults.postgresUID
        context.runAsGroup = ClusterDefaults.postgresUID
        context.fsGroup = ClusterDefaults.postgresUID
        context.fsGroupChangePolicy = "OnRootMismatch"
        context.seccompProfile = SeccompProfile(type: "RuntimeDefault")
        return context
    }

    /// - Parameter revision: the ConfigMap of this template's restart-bound settings.
    static func volumes(_ cluster: ResolvedCluster, revision: String) -> [Volume] {
        let secretNames = SecretBuilder.secretNames(cluster)
        // One directory: postgresql.conf and pg_hba.conf from the revision, everything else (reload.conf,
        // the scripts, the operator's keys) from the shared ConfigMap, which changes under running pods.
        var config = Volume(name: PodLayout.configVolume)
        config.projected = ProjectedVolumeSource(sources: [
            VolumeProjection(configMap: ConfigMapProjection(
                name: revision, items: ConfigMapBuilder.revisionPodKeys.map { KeyToPath(key: $0, path: $0) })),
            VolumeProjection(configMap: ConfigMapProjection(
                name: cluster.names.configMap, items: ConfigMapBuilder.sharedPodKeys(cluster).map { KeyToPath(key: $0, path: $0) }, optional: true)),
        ], defaultMode: 0o444)
        var initdb = Volume(name: PodLayout.initdbVolume)
        initdb.configMap = ConfigMapVolumeSource(
            name: cluster.names.configMap, defaultMode: 0o444,
            items: [KeyToPath(key: ConfigMapBuilder.initScriptKey, path: ConfigMapBuilder.initScriptKey, mode: 0o555)])
        func secretVolume(_ name: String, _ secretName: String) -> Volume {
            var volume = Volume(name: name)
            volume.secret = SecretVolumeSource(
                secretName: secretName, defaultMode: 0o440,
                items: [KeyToPath(key: "username", path: "username"), KeyToPath(key: "password", path: "password")])
            return volume
        }
        var socket = Volume(name: PodLayout.socketVolume)
        socket.emptyDir = EmptyDirVolumeSource()
        var tmp = Volume(name: PodLayout.tmpVolume)
        tmp.emptyDir = EmptyDirVolumeSource()
        var volumes = [
            config, initdb,
            secretVolume("superuser", secretNames.superuser),
            secretVolume("replication", secretNames.replication),
            secretVolume("app", secretNames.app),
            socket, tmp,
        ]
        if cluster.tlsEnabled {
            // Owned by root, group postgres (fsGroup), 0640: what PostgreSQL accepts for a key
            // file it does not own. ca.crt comes from the CA Secret the user names, else from the
            // server Secret (Ordinal's has one; cert-manager puts one in).
            var tls = Volume(name: PodLayout.tlsVolume)
            if let authority = cluster.userCertificateAuthoritySecret {
                tls.projected = ProjectedVolumeSource(sources: [
                    VolumeProjection(secret: SecretProjection(
                        name: cluster.serverCertificateSecret, items: ["tls.crt", "tls.key"].map { KeyToPath(key: $0, path: $0) })),
                    VolumeProjection(secret: SecretProjection(name: authority, items: [KeyToPath(key: "ca.crt", path: "ca.crt")])),
                ], defaultMode: 0o640)
            } else {
                tls.secret = SecretVolumeSource(
                    secretName: cluster.serverCertificateSecret, defaultMode: 0o640,
                    items: ["tls.crt", "tls.key", "ca.crt"].map { KeyToPath(key: $0, path: $0) })
            }
            volumes.append(tls)
        }
        if cluster.backup != nil {
            // Owned by root, group postgres (fsGroup), 0640: pgBackRest accepts a key so kept.
            var identity = Volume(name: PodLayout.backupIdentityVolume)
            identity.secret = SecretVolumeSource(
                secretName: cluster.names.backupIdentitySecret, defaultMode: 0o640,
                items: ["tls.crt", "tls.key"].map { KeyToPath(key: $0, path: $0) })
            volumes.append(identity)
        }
        if let authority = backupAuthorityVolume(cluster) { volumes.append(authority) }
        return volumes
    }

    static func affinity(_ cluster: ResolvedCluster, selector: [String: String]) -> Affinity? {
        let term = PodAffinityTerm(labelSelector: LabelSelector(matchLabels: selector), topologyKey: cluster.topologyKey)
        switch cluster.antiAffinity {
        case .none: return nil
        case .hard: return Affinity(podAntiAffinity: PodAntiAffinity(required: [term]))
        case .soft: return Affinity(podAntiAffinity: PodAntiAffinity(preferred: [WeightedPodAffinityTerm(weight: 100, podAffinityTerm: term)]))
        }
    }
}
