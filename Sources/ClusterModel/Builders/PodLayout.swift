/// Paths and volume names inside an instance pod (see docs/pod-contract.md).
public enum PodLayout {
    public static let dataVolume = "data"
    public static let dataMountPath = "/var/lib/postgresql/data"
    /// A sub-directory of the mount, so `lost+found` never confuses `initdb`.
    public static let pgdata = "/var/lib/postgresql/data/pgdata"
    public static let configVolume = "config"
    public static let configDirectory = "/etc/ordinal/config"
    public static let initdbVolume = "initdb"
    public static let initdbDirectory = "/docker-entrypoint-initdb.d"
    public static let secretsDirectory = "/etc/ordinal/secrets"
    /// The server certificate Secret's `tls.crt`, `tls.key` and `ca.crt` (while TLS is on).
    public static let tlsVolume = "tls"
    public static let tlsDirectory = "/etc/ordinal/tls"
    /// An S3 backup repository's CA (`spec.backup.repository.s3.caSecret`).
    public static let backupAuthorityVolume = "backup-ca"
    public static let backupAuthorityDirectory = "/etc/ordinal/backup-ca"
    /// pgBackRest's identity (``ClusterNames/backupIdentitySecret``), while backups are on.
    public static let backupIdentityVolume = "backup-tls"
    public static let backupIdentityDirectory = "/etc/ordinal/backup-tls"
    /// The sidecar running `pgbackrest server`, while backups are on.
    public static let backupServerContainerName = "pgbackrest"
    public static let socketVolume = "run"
    public static let socketDirectory = "/var/run/postgresql"
    public static let tmpVolume = "tmp"
    public static let containerName = "postgres"
    public static let initContainerName = "bootstrap"
    public static let primaryWaitSeconds = 600
}
