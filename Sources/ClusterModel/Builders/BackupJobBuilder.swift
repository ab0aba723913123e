import KubeTypes

/// What a backup Job runs (`backup-job.sh`'s arguments).
public enum BackupJobAction: Sendable, Hashable {
    /// `stanza-create`: the repository's stanza, before the first archive and backup.
    case stanzaCreate
    /// A backup of this type.
    case backup(BackupType)

    /// The script's arguments.
    public var arguments: [String] {
        switch self {
        case .stanzaCreate: ["stanza-create"]
        case .backup(let type): ["backup", type.rawValue]
        }
    }
}

/// pgBackRest's backup types.
public enum BackupType: String, Sendable, Hashable, CaseIterable, Codable {
    case full, diff, incr
}

/// Builds a backup Job: one pod with the cluster's image running `backup-job.sh`, which reaches
/// every instance's `pgbackrest` sidecar with the backup identity and writes its outcome as the
/// termination message. It never retries by itself (`backoffLimit: 0`): Ordinal reads the
/// result and decides. Its pod carries none of the instances' selector labels, so no Service
/// and no StatefulSet ever counts it.
public enum BackupJobBuilder {
    /// The label naming the Job on its pod.
    public static let jobLabel = "ordinal.dev/backup-job"
    /// The label saying what the Job does: ``BackupJobAction/label``.
    public static let actionLabel = "ordinal.dev/backup-action"
    /// The label saying why it was made: ``BackupJobPlan/Trigger``.
    public static let triggerLabel = "ordinal.dev/backup-trigger"
    /// The label naming the repository it works on (``ResolvedBackup/repositoryFingerprint``).
    public static let repositoryLabel = "ordinal.dev/backup-repository"
    /// The container's name.
    public static let containerName = "pgbackrest"

    /// The Job for one ``BackupJobCreation``, with its deadline.
    public static func build(_ cluster: ResolvedCluster, _ creation: BackupJobCreation) -> Job {
        let deadline = creation.action == .stanzaCreate ? ClusterDefaults.stanzaJobDeadlineSeconds : ClusterDefaults.backupJobDeadlineSeconds
        var job = build(cluster, name: creation.name, action: creation.action, deadlineSeconds: deadline)
        let labels = [actionLabel: creation.action.label, triggerLabel: creation.trigger.rawValue, repositoryLabel: creation.repository]
        job.metadata.labels?.merge(labels) { $1 }
        job.spec?.template.metadata?.labels?.merge(labels) { $1 }
        return job
    }

    public static func build(_ cluster: ResolvedCluster, name: String, action: BackupJobAction, deadlineSeconds: Int64) -> Job {
        let names = cluster.names
        var container = Container(name: containerName, image: cluster.image)
        container.imagePullPolicy = cluster.imagePullPolicy
        container.command = ["bash", "\(PodLayout.configDirectory)/\(ConfigMapBuilder.backupJobScriptKey)"] + action.arguments
        var environment = [
            EnvVar(name: "ORDINAL_CONFIG_DIR", value: PodLayout.configDirectory),
            EnvVar(name: "ORDINAL_STANZA", value: cluster.backup?.stanza ?? cluster.name),
        ]
        if case .s3(let s3)? = cluster.backup?.repository {
            environment += PgBackRestConfig.credentialEnvironment.map { EnvVar(name: $0.variable, secretName: s3.credentialsSecret, key: $0.secretKey) }
        }
        container.env = environment
        container.resources = ResourceRequirements(requests: ["cpu": "100m", "memory": "64Mi"])
        container.volumeMounts = StatefulSetBuilder.backupMounts(cluster) + [
            VolumeMount(name: PodLayout.configVolume, mountPath: PodLayout.configDirectory, readOnly: true),
            VolumeMount(name: PodLayout.tmpVolume, mountPath: "/tmp"),
        ]
        container.securityContext = StatefulSetBuilder.restrictedSecurityContext()

        var config = Volume(name: PodLayout.configVolume)
        config.configMap = ConfigMapVolumeSource(
            name: names.configMap, defaultMode: 0o444,
            items: [PgBackRestConfig.jobKey, ConfigMapBuilder.backupJobScriptKey].map { KeyToPath(key: $0, path: $0) })
        var tmp = Volume(name: PodLayout.tmpVolume)
        tmp.emptyDir = EmptyDirVolumeSource()
        var volumes = [config, tmp]
        var identity = Volume(name: PodLayout.backupIdentityVolume)
        identity.secret = SecretVolumeSource(
            secretName: names.backupIdentitySecret, defaultMode: 0o640, items: ["tls.crt", "tls.key"].map { KeyToPath(key: $0, path: $0) })
        volumes.append(identity)
        if let authority = StatefulSetBuilder.backupAuthorityVolume(cluster) { volumes.append(authority) }

        var podSpec = PodSpec(containers: [container])
        podSpec.volumes = volumes
        podSpec.restartPolicy = "Never"
        podSpec.securityContext = StatefulSetBuilder.podSecurityContext()
        podSpec.automountServiceAccountToken = false
        podSpec.enableServiceLinks = false
        podSpec.nodeSelector = cluster.nodeSelector
        podSpec.tolerations = cluster.tolerations
        let podLabels = [
            ClusterLabels.name: "pgbackrest", ClusterLabels.instance: cluster.name, ClusterLabels.component: "backup",
            ClusterLabels.managedBy: ClusterLabels.managedByValue, ClusterLabels.cluster: cluster.name, jobLabel: name,
        ]
        var spec = JobSpec(template: PodTemplateSpec(metadata: ObjectMeta(labels: podLabels), spec: podSpec))
        spec.backoffLimit = 0
        spec.activeDeadlineSeconds = deadlineSeconds
        var metadata = cluster.metadata(name: name)
        metadata.labels?[ClusterLabels.component] = "backup"
        metadata.labels?[ClusterLabels.name] = "pgbackrest"
        return Job(metadata: metadata, spec: spec)
    }
}
