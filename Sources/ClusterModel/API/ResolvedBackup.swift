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
        case s3(S3)
        /// A directory pgBackRest writes itself (``PgBackRestConfig/Layout/repositoryPath``): what
        /// the tests stand in for a repository with; never made from a spec.
        case posix
    }

    /// An S3-compatible bucket, defaults applied.
    public struct S3: Sendable, Hashable {
        /// The endpoint's host, and its port (443 unless `spec` said `host:port`).
        public var host: String
        public var port: Int
        public var region: String
        public var bucket: String
        public var path: String
        public var credentialsSecret: String
        public var pathStyle: Bool
        public var verifyTLS: Bool
        public var caSecret: String?
    }

    /// Eight hex digits naming where the repository is: a stanza is made again when it changes.
    public var repositoryFingerprint: String {
        switch repository {
        case .s3(let s3): String(FNV1a.hex("s3|\(s3.host)|\(s3.port)|\(s3.region)|\(s3.bucket)|\(s3.path)").prefix(8))
        case .posix: String(FNV1a.hex("posix").prefix(8))
        }
    }

    /// The Secrets a backup Job and the pods read, and the keys each must hold.
    public var requiredSecrets: [(name: String, keys: [String])] {
        guard case .s3(let s3) = repository else { return [] }
        return [(s3.credentialsSecret, PgBackRestConfig.credentialEnvironment.map(\.secretKey))]
            + (s3.caSecret.map { [($0, ["ca.crt"])] } ?? [])
    }

    /// `spec.backup` resolved; `nil` without a repository (a spec the rules refuse).
    public init?(_ spec: BackupSpec, cluster: String, namespace: String) {
        guard let s3 = spec.repository.s3 else { return nil }
        stanza = cluster
        var host = s3.endpoint
        var port = 443
        if let colon = host.lastIndex(of: ":"), let number = Int(host[host.index(after: colon)...]) {
            port = number
            host = String(host[..<colon])
        }
        repository = .s3(S3(
            host: host, port: port, region: s3.region, bucket: s3.bucket, path: s3.path ?? "/\(namespace)/\(cluster)",
            credentialsSecret: s3.credentialsSecret, pathStyle: s3.uriStyle == "path", verifyTLS: s3.verifyTLS ?? true,
            caSecret: s3.caSecret))
        retentionFull = spec.retention?.full ?? ClusterDefaults.backupRetentionFull
        fullSchedule = spec.schedule?.full
        differentialSchedule = spec.schedule?.differential
        fromReplica = spec.fromReplica ?? false
    }

    /// A repository in a directory (``Repository/posix``), for tests.
    public init(posixStanza stanza: String, retentionFull: Int = ClusterDefaults.backupRetentionFull, fromReplica: Bool = false) {
        self.stanza = stanza
        repository = .posix
        self.retentionFull = retentionFull
        fullSchedule = nil
        differentialSchedule = nil
        self.fromReplica = fromReplica
    }
}
