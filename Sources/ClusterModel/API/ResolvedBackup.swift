/// `spec.backup` with its defaults applied.
public struct ResolvedBackup: Sendable, Hashable {
    /// The pgBackRest stanza: the cluster's name.
    public var stanza: String
    public var repository: Repository
    public var retentionFull: Int
    public var fullSchedule: String?
    public var differentialSchedule: String?
    public var fromReplica: Bool

    /// Where the repository is.
    public enum Repository: Sendable, Hashable {
        /// A bucket; `path` defaulted to `/<namespace>/<cluster>`.
        case s3(endpoint: String, region: String, bucket: String, path: String, credentialsSecret: String,
                pathStyle: Bool, verifyTLS: Bool)
        case volume(size: String, storageClassName: String?)
    }

    public init(_ spec: BackupSpec, cluster: String, namespace: String) {
        stanza = cluster
        if let s3 = spec.repository.s3 {
            repository = .s3(
                endpoint: s3.endpoint, region: s3.region, bucket: s3.bucket, path: s3.path ?? "/\(namespace)/\(cluster)",
                credentialsSecret: s3.credentialsSecret, pathStyle: s3.uriStyle == "path", verifyTLS: s3.verifyTLS ?? true)
        } else {
            repository = .volume(size: spec.repository.volume?.size ?? "", storageClassName: spec.repository.volume?.storageClassName)
        }
        retentionFull = spec.retention?.full ?? ClusterDefaults.backupRetentionFull
        fullSchedule = spec.schedule?.full
        differentialSchedule = spec.schedule?.differential
        fromReplica = spec.fromReplica ?? false
    }
}
