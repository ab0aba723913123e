import KubeTypes

/// Builds `<name>-config`: the server configuration and the pod-side scripts.
public enum ConfigMapBuilder {
    public static let postgresqlConfKey = "postgresql.conf"
    public static let hbaConfKey = "pg_hba.conf"
    /// The parameters a reload applies (``PostgresConfigFiles/reloadConf(parameters:)``).
    public static let reloadConfKey = PostgresConfigFiles.reloadFileName
    public static let bootstrapScriptKey = "bootstrap-replica.sh"
    public static let initScriptKey = "init-primary.sh"
    /// The `pgbackrest` sidecar's script (with `spec.backup` only).
    public static let backupServerScriptKey = "backup-server.sh"
    /// The backup Jobs' script (with `spec.backup` only; the Jobs mount it, the instances do not).
    public static let backupJobScriptKey = "backup-job.sh"
    /// The cluster's system identifier, once it was bootstrapped: pod 0's bootstrap refuses to
    /// let `initdb` run on an empty data directory when this key is set.
    public static let systemIdentifierKey = "system-identifier"
    /// Replicas to rebuild at their next start: `<pod> <token>` lines (docs/pod-contract.md).
    public static let rebuildKey = "rebuild"
    /// The primary when it is not pod 0: `<pod> <host> <port>`. Every pod's bootstrap starts as
    /// its standby (a former primary is rewound first) (docs/pod-contract.md).
    public static let primaryKey = "primary"
    /// The `sslmode` to reach the primary with: `verify-full` while it serves the cluster's
    /// certificate (a pod without the CA uses `require`), else `prefer` (docs/pod-contract.md).
    public static let primarySSLModeKey = "primary-sslmode"

    /// - Parameters:
    ///   - systemIdentifier: the identifier status recorded, once the cluster was bootstrapped.
    ///   - rebuild: the ``rebuildKey`` value, while a rebuild is pending.
    ///   - primary: the ``primaryKey`` value, while the primary is not pod 0.
    ///   - contexts: `pg_settings.context` of the spec's parameters, from a running server (see ``ParameterContexts``).
    public static func build(_ cluster: ResolvedCluster, systemIdentifier: String? = nil, rebuild: String? = nil,
                             primary: String? = nil, primarySSL: SSLMode? = nil, contexts: [String: String] = [:]) -> ConfigMap {
        let split = ParameterContexts.split(cluster.parameters, reported: contexts)
        var data = [
            postgresqlConfKey: PostgresConfigFiles.postgresqlConf(parameters: split.restart),
            reloadConfKey: PostgresConfigFiles.reloadConf(parameters: split.reload),
            hbaConfKey: PostgresConfigFiles.hbaConf(),
            bootstrapScriptKey: PodScripts.bootstrapReplica,
            initScriptKey: PodScripts.initPrimary,
        ]
        data[systemIdentifierKey] = systemIdentifier
        data[rebuildKey] = rebuild
        data[primaryKey] = primary
        data[primarySSLModeKey] = (primarySSL ?? (cluster.tlsEnabled ? .verifyFull : .prefer)).rawValue
        if let backup = cluster.backup {
            data[PgBackRestConfig.key] = PgBackRestConfig.render(backup)
            data[PgBackRestConfig.jobKey] = PgBackRestConfig.renderJob(backup, targets: PgBackRestConfig.Target.pods(cluster))
            data[backupServerScriptKey] = PodScripts.backupServer
            data[backupJobScriptKey] = PodScripts.backupJob
        }
        return ConfigMap(metadata: cluster.metadata(name: cluster.names.configMap), data: data)
    }

    /// The keys pods take from the shared ConfigMap (``build(_:systemIdentifier:rebuild:primary:primarySSL:contexts:)``);
    /// `postgresql.conf` comes from their revision's (``revision(_:contexts:)``). The shared one
    /// keeps a `postgresql.conf` too, for pods of templates made before revisions existed.
    public static let sharedPodKeys = [
        reloadConfKey, bootstrapScriptKey, initScriptKey, systemIdentifierKey, rebuildKey, primaryKey, primarySSLModeKey,
    ]

    /// ``sharedPodKeys`` and, with `spec.backup`, pgBackRest's configuration and the sidecar's
    /// script (only then, so a
    /// cluster without backups keeps its template).
    public static func sharedPodKeys(_ cluster: ResolvedCluster) -> [String] {
        sharedPodKeys + (cluster.backup != nil ? [PgBackRestConfig.key, backupServerScriptKey] : [])
    }

    /// The keys pods take from their revision's ConfigMap: `pg_hba.conf` goes with
    /// `postgresql.conf`, so a pod that serves TLS only then refuses logins without it.
    public static let revisionPodKeys = [postgresqlConfKey, hbaConfKey]

    /// The restart-bound configuration of one pod-template revision: `<name>-config-<hash>`
    /// holding `postgresql.conf` and `pg_hba.conf`. Pods of a revision read its files, so a change reaches each pod
    /// only when the walk does; a pod restarted meanwhile starts with the settings it had.
    public static func revision(_ cluster: ResolvedCluster, contexts: [String: String] = [:]) -> ConfigMap {
        let conf = revisionConf(cluster, contexts: contexts)
        return ConfigMap(
            metadata: cluster.metadata(name: revisionName(cluster, conf: conf)),
            data: [postgresqlConfKey: conf, hbaConfKey: PostgresConfigFiles.hbaConf(tls: cluster.tlsEnabled)])
    }

    /// The name of the revision ConfigMap for `cluster`'s restart-bound settings.
    public static func revisionName(_ cluster: ResolvedCluster, contexts: [String: String] = [:]) -> String {
        revisionName(cluster, conf: revisionConf(cluster, contexts: contexts))
    }

    /// The content hash naming a revision (16 hex digits): also the template's `ordinal.dev/config-hash`.
    public static func revisionHash(_ cluster: ResolvedCluster, contexts: [String: String] = [:]) -> String {
        FNV1a.hex(revisionConf(cluster, contexts: contexts))
    }

    /// True when `name` is a revision ConfigMap of `cluster` (`<name>-config-` and 16 hex digits).
    public static func isRevision(_ name: String, of cluster: ResolvedCluster) -> Bool {
        let prefix = cluster.names.configMap + "-"
        guard name.hasPrefix(prefix) else { return false }
        let hash = name.dropFirst(prefix.count)
        return hash.count == 16 && hash.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func revisionConf(_ cluster: ResolvedCluster, contexts: [String: String]) -> String {
        // Its text names the revision: with TLS on it holds the ssl lines, so pg_hba.conf (which
        // follows from the same switch) needs no part in the hash.
        PostgresConfigFiles.postgresqlConf(
            parameters: ParameterContexts.split(cluster.parameters, reported: contexts).restart, tls: cluster.tlsEnabled,
            archive: cluster.backup.map { PgBackRestConfig.archiveParameters($0) } ?? [])
    }

    static func revisionName(_ cluster: ResolvedCluster, conf: String) -> String {
        "\(cluster.names.configMap)-\(FNV1a.hex(conf))"
    }
}

/// The pod-side scripts, embedded from `PodScripts/*.sh` at build time.
public enum PodScripts {
    /// The init container's script: bootstrap a replica from pod 0.
    public static var bootstrapReplica: String { String(decoding: PackageResources.bootstrap_replica_sh, as: UTF8.self) }
    /// The first-init script on pod 0: roles and the application database.
    public static var initPrimary: String { String(decoding: PackageResources.init_primary_sh, as: UTF8.self) }
    /// The `pgbackrest` sidecar's script: pgBackRest's TLS server, restarted with a new identity.
    public static var backupServer: String { String(decoding: PackageResources.backup_server_sh, as: UTF8.self) }
    /// A backup Job's script: `stanza-create` or a backup, its outcome as the termination message.
    public static var backupJob: String { String(decoding: PackageResources.backup_job_sh, as: UTF8.self) }
}
