/// `spec.backup`: continuous WAL archiving and base backups with pgBackRest (docs/backups.md).
///
/// The repository is either an S3-compatible bucket or a volume; the stanza is the cluster's
/// name. Setting it turns on `archive_mode` (a restart, walked as any restart-bound change).
public struct BackupSpec: Codable, Sendable, Hashable {
    /// Where backups and archived WAL are kept.
    public var repository: BackupRepository
    /// How many full backups are kept (older ones, and the WAL only they need, are expired).
    public var retention: BackupRetention?
    /// When backups are taken (cron syntax, in UTC).
    public var schedule: BackupSchedule?
    /// Take base backups from a streaming replica rather than the primary.
    public var fromReplica: Bool?

    public init(repository: BackupRepository, retention: BackupRetention? = nil, schedule: BackupSchedule? = nil,
                fromReplica: Bool? = nil) {
        self.repository = repository
        self.retention = retention
        self.schedule = schedule
        self.fromReplica = fromReplica
    }
}

/// Where backups go: an S3-compatible bucket (``s3``, required). A repository on a volume of the
/// cluster is not offered yet: it needs a repository host (docs/backups.md).
public struct BackupRepository: Codable, Sendable, Hashable {
    public var s3: S3Repository?

    public init(s3: S3Repository? = nil) {
        self.s3 = s3
    }
}

/// An S3-compatible bucket.
public struct S3Repository: Codable, Sendable, Hashable {
    /// The endpoint host (for example `s3.eu-west-1.amazonaws.com`, or a MinIO Service), with an
    /// optional `:port`; always HTTPS.
    public var endpoint: String
    public var region: String
    public var bucket: String
    /// The repository's path in the bucket (default `/<namespace>/<cluster>`).
    public var path: String?
    /// A Secret in the cluster's namespace with `accessKeyId` and `secretAccessKey`.
    public var credentialsSecret: String
    /// `host` (virtual-hosted, the default) or `path` style requests.
    public var uriStyle: String?
    /// Verify the endpoint's certificate (default true).
    public var verifyTLS: Bool?
    /// A Secret with `ca.crt`, the CA that signs the endpoint's certificate (a private
    /// S3-compatible server); the system's CAs otherwise.
    public var caSecret: String?

    public init(endpoint: String, region: String, bucket: String, path: String? = nil, credentialsSecret: String,
                uriStyle: String? = nil, verifyTLS: Bool? = nil, caSecret: String? = nil) {
        self.caSecret = caSecret
        self.endpoint = endpoint
        self.region = region
        self.bucket = bucket
        self.path = path
        self.credentialsSecret = credentialsSecret
        self.uriStyle = uriStyle
        self.verifyTLS = verifyTLS
    }
}

/// How many backups are kept.
public struct BackupRetention: Codable, Sendable, Hashable {
    /// Full backups kept (default ``ClusterDefaults/backupRetentionFull``).
    public var full: Int?

    public init(full: Int? = nil) {
        self.full = full
    }
}

/// When backups run: five-field cron expressions, in UTC.
public struct BackupSchedule: Codable, Sendable, Hashable {
    public var full: String?
    public var differential: String?

    public init(full: String? = nil, differential: String? = nil) {
        self.full = full
        self.differential = differential
    }
}
