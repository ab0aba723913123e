/// Every default of the API, in one place. The CRD schema carries none, so an
/// object stored by the API server is exactly what the user wrote.
public enum ClusterDefaults {
    public static let imageRepository = "postgres"
    public static let imagePullPolicy = "IfNotPresent"
    public static let database = "app"
    public static let owner = "app"
    public static let superuserName = "postgres"
    public static let replicationUserName = "streaming_replica"
    /// The role the operator's probes log in as: `pg_monitor` and the `ordinal` schema's
    /// functions, never a superuser (docs/security.md).
    public static let monitorUserName = "ordinal_monitor"
    /// Full backups a repository keeps.
    public static let backupRetentionFull = 2
    /// Seconds after which a WAL segment is switched and archived even if not full: the most
    /// a restore to "the latest" can miss on a quiet primary.
    public static let archiveTimeoutSeconds = 60
    public static let antiAffinity = AntiAffinityPreset.soft
    public static let topologyKey = "kubernetes.io/hostname"
    public static let podDisruptionBudgetEnabled = true
    public static let maxUnavailable = 1
    public static let retention = RetentionPolicy.retain
    public static let upgradeStrategy = UpgradeStrategy.rollingPartition
    public static let stepTimeoutSeconds = 600
    public static let maxLagBytes: Int64 = 16 * 1024 * 1024
    /// Seconds the primary must be lost before a replica is promoted.
    public static let failoverDelaySeconds = 5
    public static let returnHome = ReturnHomePolicy.automatic
    /// How long a switchover may wait for its target to catch up with the fenced primary
    /// before it is called off and the primary takes writes again.
    public static let switchoverTimeoutSeconds: Double = 30
    /// Long enough for a shutdown checkpoint of a busy server.
    public static let terminationGracePeriodSeconds: Int64 = 120
    public static let port = 5432
    /// The operator's namespace when it is not known (the chart's default): the NetworkPolicy lets it in.
    public static let operatorNamespace = "ordinal-system"
    /// How long a CA Ordinal makes is valid: ten years (it is never replaced by itself).
    public static let authorityValiditySeconds: Double = 10 * 365 * 86_400
    /// How long a server certificate Ordinal issues is valid: 90 days, renewed with a third left.
    public static let serverCertificateValiditySeconds: Double = 90 * 86_400
    /// How long the backup identity (``ClusterNames/backupIdentitySecret``) is valid: 10 years,
    /// made again with a third left.
    public static let backupIdentityValiditySeconds: Double = 3_650 * 86_400
    /// The backup identity's common name: the only client the instances' pgBackRest servers admit.
    public static let backupIdentityCommonName = "ordinal-backup"
    /// The port of the `pgbackrest server` beside each instance.
    public static let backupServerPort = 8432
    /// The most a backup Job may run before the Job controller fails it (a stuck backup is a
    /// failure, not a wait): one day.
    public static let backupJobDeadlineSeconds: Int64 = 86_400
    /// The most a `stanza-create` Job may run.
    public static let stanzaJobDeadlineSeconds: Int64 = 600
    /// How long a scheduled backup may wait to start (another backup Job still running, no
    /// primary, no stanza yet) before it is recorded as missed.
    public static let backupStartingDeadlineSeconds: Double = 900
    /// How long after a failed `stanza-create` Ordinal tries again.
    public static let stanzaRetrySeconds: Double = 300
    /// How long a Job Ordinal made may be absent from the cache before it counts as deleted.
    public static let backupJobCacheGraceSeconds: Double = 120
    /// Finished backup Jobs kept for `kubectl logs`: the newest that succeeded, the newest that failed.
    public static let succeededBackupJobsKept = 3
    public static let failedBackupJobsKept = 1
    /// How long before it is issued a certificate is already valid (clock skew between the
    /// operator and the servers).
    public static let certificateBackdateSeconds: Double = 60
    /// The share of the data volume that replication slots may hold back as WAL
    /// (`max_slot_wal_keep_size`, unless the user sets it): one quarter. A replica that falls
    /// further behind loses its slot and is rebuilt; the primary never fills its disk for it.
    public static let slotWALShareOfVolume = 0.25

    /// `max_slot_wal_keep_size` for a data volume of `storage` (a quantity), in whole MB, at
    /// least 64MB; `nil` when the size cannot be read.
    public static func maxSlotWALKeepSize(storage: String) -> String? {
        guard let quantity = Quantity(storage), quantity.value > 0 else { return nil }
        let megabytes = Int((quantity.value * slotWALShareOfVolume / 1_048_576).rounded(.down))
        return "\(max(64, megabytes))MB"
    }
    /// `synchronous_standby_names` for synchronous replication: any `number` of the cluster's
    /// pods, named as their `application_name`. Every pod a cluster may have is listed (a
    /// server never waits for itself), so the value is the same on every pod, whichever is the
    /// primary, and does not change when the cluster scales.
    public static func synchronousStandbyNames(cluster: String, number: Int) -> String {
        let names = (0..<Int(PostgresClusterSchema.maximumInstances)).map { "\"\(cluster)-\($0)\"" }
        return "ANY \(number) (\(names.joined(separator: ", ")))"
    }

    /// The uid and gid of the `postgres` user in the official image.
    public static let postgresUID: Int64 = 999
}
