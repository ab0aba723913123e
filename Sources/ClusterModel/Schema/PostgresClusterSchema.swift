/// The OpenAPI schema of `PostgresCluster`, with the CEL rules the API server checks at admission.
///
/// The CEL rules come from ``SpecRules``, where each is defined with its Swift twin; ``SpecValidator``
/// runs those twins and the schema's constraints for `ordinal render` and for the operator.
public enum PostgresClusterSchema {
    /// Parameters the operator sets itself; a user value would break replication, routing or security.
    public static let managedParameters = [
        "config_file", "data_directory", "external_pid_file", "hba_file", "hot_standby", "ident_file",
        "include", "include_dir", "include_if_exists", "listen_addresses", "logging_collector",
        "password_encryption", "port", "primary_conninfo", "primary_slot_name", "synchronous_standby_names", "unix_socket_directories",
    ]

    /// Parameters Ordinal sets itself while `spec.backup` is on.
    public static let archiveParameters = ["archive_mode", "archive_command", "archive_library", "archive_timeout", "restore_command"]

    /// Role names the operator owns.
    public static let reservedRoles = ["postgres", "streaming_replica", "ordinal_monitor"]
    /// Database names that exist in every cluster.
    public static let reservedDatabases = ["postgres", "template0", "template1"]

    /// The most instances a cluster may have.
    public static let maximumInstances: Int64 = 16
    static let identifierPattern = "^[a-z_][a-z0-9_]{0,62}$"
    static let secretNamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
    static let versionPattern = "^[0-9]{2}(\\.[0-9]{1,3})?$"
    static let clusterNamePattern = "^[a-z]([-a-z0-9]*[a-z0-9])?$"

    /// The root schema of the resource, with every rule of ``SpecRules/all`` attached.
    public static var root: Schema {
        Schema.object(
            "PostgresCluster is a PostgreSQL cluster managed by Ordinal: one primary (pod 0) and streaming replicas.",
            required: ["spec"],
            [
                "apiVersion": .string(),
                "kind": .string(),
                // Declared so the name rules below can point at `.metadata.name`: a CRD's root
                // schema may restrict only `name` and `generateName` of metadata, and a
                // rule's fieldPath must name a field the schema declares.
                "metadata": Schema.object(nil, ["name": .string()]),
                "spec": spec,
                "status": status,
            ]
        ).attaching(SpecRules.all)
    }

    static var spec: Schema {
        Schema.object(
            "The desired cluster.",
            required: ["instances", "postgresVersion", "storage"],
            [
                "instances": .integer(
                    "Number of PostgreSQL instances: pod 0 is the primary, the others stream from it.",
                    minimum: 1, maximum: maximumInstances),
                "postgresVersion": Schema.string(
                    "PostgreSQL version, MAJOR or MAJOR.MINOR (for example \"16.4\"). Only minor changes are rolled out in place.",
                    maxLength: 8, pattern: versionPattern),
                "image": .string(
                    "Full image reference used instead of postgres:<postgresVersion>; it must run postgresVersion.",
                    maxLength: 512),
                "imagePullPolicy": .string("Image pull policy (default IfNotPresent).", enum: ["Always", "IfNotPresent", "Never"]),
                "storage": storage,
                "resources": EmbeddedSchemas.resources,
                "postgresql": Schema.object("PostgreSQL server settings.", ["parameters": parameters]),
                "bootstrap": bootstrap,
                "secrets": secrets,
                "scheduling": scheduling,
                "podDisruptionBudget": Schema.object(
                    "The PodDisruptionBudget Ordinal makes.",
                    [
                        "enabled": .boolean("Make a PodDisruptionBudget (default true)."),
                        "maxUnavailable": .integer(
                            "Instances a voluntary disruption may take at once (default 1; at least 1, so a node drain never blocks forever).",
                            minimum: 1, maximum: maximumInstances),
                    ]),
                "pvcRetention": Schema.object(
                    "What happens to data volumes (default Retain for both).",
                    [
                        "whenDeleted": .string("When the PostgresCluster is deleted.", enum: RetentionPolicy.allCases.map(\.rawValue)),
                        "whenScaled": .string("When a scale-down removes instances.", enum: RetentionPolicy.allCases.map(\.rawValue)),
                    ]),
                "upgrade": upgrade,
                "failover": failover,
                "replication": Schema.object(
                    "How replicas confirm commits (asynchronous unless synchronous is set).",
                    [
                        "synchronous": Schema.object(
                            "Synchronous replication: a commit is acknowledged once `number` standbys have flushed it; a failover then promotes only a standby that has every acknowledged commit. Writes wait while fewer standbys stream.",
                            required: ["number"],
                            ["number": .integer("Standbys that must have each commit (at least 1, fewer than instances).", minimum: 1, maximum: maximumInstances - 1)]),
                    ]),
                "tls": tls,
                "backup": backup,
                "networkPolicy": Schema.object(
                    "A NetworkPolicy (off by default) that lets only the cluster's own pods, the operator's namespace and the peers in from reach PostgreSQL (docs/security.md).",
                    [
                        "enabled": .boolean("Make the NetworkPolicy (default false)."),
                        "from": .array("More peers allowed to connect to port 5432.", of: EmbeddedSchemas.networkPolicyPeer, maxItems: 32),
                    ]),
            ]
        )
    }

    static var storage: Schema {
        Schema.object(
            "The volume of each instance.",
            required: ["size"],
            [
                "size": Schema.string("Volume size, a quantity such as 10Gi. It may grow, never shrink.", maxLength: 32, pattern: Quantity.pattern),
                "storageClassName": .string("StorageClass of the volumes (the cluster default when unset). Fixed once the cluster exists.", maxLength: 253),
            ])
    }

    static var parameters: Schema {
        Schema.map(
            "postgresql.conf parameters, name to value (quote numbers and booleans: \"200\", \"on\").",
            of: .string(maxLength: 1024), maxProperties: 256)
    }

    static var bootstrap: Schema {
        Schema.object(
            "What the first start of the primary creates. Fixed once the cluster exists.",
            [
                "database": Schema.string("The application database (default app).", maxLength: 63, pattern: identifierPattern),
                "owner": Schema.string("The owner role of the application database (default app).", maxLength: 63, pattern: identifierPattern),
            ])
    }

    static var secrets: Schema {
        func secretName(_ role: String, _ keys: String) -> Schema {
            Schema.string("Name of an existing Secret with \(keys) for the \(role); used as is, never changed.", maxLength: 253, pattern: secretNamePattern)
        }
        return Schema.object(
            "Existing Secrets to use instead of generated ones.",
            [
                "superuser": secretName("superuser", "username (postgres) and password"),
                "app": secretName("app", "username and password"),
                "replication": secretName("replication", "username and password"),
            ])
    }

    /// The S3 endpoint: a host name or address with an optional port.
    static let endpointPattern = "^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?$"
    /// S3 bucket names.
    static let bucketPattern = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"

    static var backup: Schema {
        Schema.object(
            "Continuous WAL archiving and scheduled base backups with pgBackRest, into an S3-compatible bucket (docs/backups.md). The image must have pgbackrest (images/postgres/Dockerfile). Turning it on restarts the instances (archive_mode), replicas first.",
            required: ["repository"],
            [
                "repository": Schema.object(
                    "Where backups and archived WAL are kept.",
                    [
                        "s3": Schema.object(
                            "An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...), reached over HTTPS.",
                            required: ["endpoint", "region", "bucket", "credentialsSecret"],
                            [
                                "endpoint": Schema.string("The endpoint host, with an optional :port (443 by default), e.g. s3.eu-west-1.amazonaws.com or minio.storage.svc.", maxLength: 253, pattern: endpointPattern),
                                "region": Schema.string("The bucket's region (any value a server without regions accepts, e.g. us-east-1).", maxLength: 64, pattern: "^[A-Za-z0-9_-]+$"),
                                "bucket": Schema.string("The bucket; it must exist.", maxLength: 63, pattern: bucketPattern),
                                "path": Schema.string("The repository's path in the bucket (default /<namespace>/<cluster>). Fixed once backups exist: another path is another repository.", maxLength: 512, pattern: "^/[A-Za-z0-9._/-]*$"),
                                "credentialsSecret": Schema.string("A Secret in the cluster's namespace with accessKeyId and secretAccessKey (given to pgBackRest as environment variables, never written to a file).", maxLength: 253, pattern: secretNamePattern),
                                "uriStyle": .string("host (virtual-hosted, default) or path style requests (most self-hosted servers).", enum: ["host", "path"]),
                                "verifyTLS": .boolean("Verify the endpoint's certificate (default true)."),
                                "caSecret": Schema.string("A Secret whose ca.crt is the CA of the endpoint's certificate (a private server); the image's CAs otherwise.", maxLength: 253, pattern: secretNamePattern),
                            ]),
                    ]),
                "retention": Schema.object(
                    "How many backups the repository keeps.",
                    ["full": .integer("Full backups kept (default \(ClusterDefaults.backupRetentionFull)); older ones and the WAL only they need are expired.", minimum: 1, maximum: 100)]),
                "schedule": Schema.object(
                    "When backups run: five-field cron expressions in UTC (minute hour day-of-month month day-of-week). Without one, backups are taken on request only (ordinal backup, or the ordinal.dev/backup-request annotation).",
                    [
                        "full": Schema.string("Full backups, e.g. \"0 1 * * 0\" (Sundays at 01:00).", maxLength: 100),
                        "differential": Schema.string("Differential backups (changes since the last full one), e.g. \"0 1 * * 1-6\".", maxLength: 100),
                    ]),
                "fromReplica": .boolean("Copy base backups from a streaming replica rather than the primary (the backup still starts and stops on the primary)."),
            ])
    }

    static var tls: Schema {
        Schema.object(
            "TLS for clients and replication (docs/security.md): on by default, with a CA Ordinal keeps for the cluster (<name>-ca) and a server certificate it issues and renews (<name>-server).",
            [
                "enabled": .boolean("TLS for clients and replication (default true)."),
                "serverSecretName": Schema.string(
                    "An existing kubernetes.io/tls Secret with the server certificate (tls.crt, tls.key) and, unless caSecretName names another, its CA (ca.crt), e.g. one cert-manager keeps; Ordinal then issues nothing and uses it as it is.",
                    maxLength: 253, pattern: secretNamePattern),
                "caSecretName": Schema.string(
                    "An existing Secret whose ca.crt is the CA that signed serverSecretName's certificate (mounted in the pods as their ca.crt).", maxLength: 253, pattern: secretNamePattern),
            ])
    }

    static var scheduling: Schema {
        Schema.object(
            "Where the pods may run.",
            [
                "antiAffinity": .string(
                    "Keep instances on different nodes: soft (prefer, default), hard (require) or none.",
                    enum: AntiAffinityPreset.allCases.map(\.rawValue)),
                "topologyKey": .string("The node label the anti-affinity spreads across (default kubernetes.io/hostname).", maxLength: 316),
                "nodeSelector": .map("Node labels the pods require.", of: .string(maxLength: 63), maxProperties: 64),
                "tolerations": .array("Taints the pods tolerate.", of: EmbeddedSchemas.toleration, maxItems: 32),
                "priorityClassName": .string("PriorityClass of the pods.", maxLength: 253),
            ])
    }

    static var upgrade: Schema {
        Schema.object(
            "How version and template changes roll out: one pod at a time, replicas first, the primary last.",
            [
                "strategy": .string("RollingPartition (default).", enum: UpgradeStrategy.allCases.map(\.rawValue)),
                "paused": .boolean("Hold the rollout at its current step until cleared."),
                "holdBeforePrimary": .boolean("Update the replicas, then hold before restarting the primary until cleared."),
                "stepTimeoutSeconds": .integer("How long one step may take to become healthy before the rollout stops as Degraded (default 600).", minimum: 30, maximum: 86400),
                "maxLagBytes": .integer("Replication lag under which an updated replica counts as caught up (default 16777216).", minimum: 0, format: "int64"),
            ])
    }

    static var failover: Schema {
        Schema.object(
            "Promoting a replica when the primary is lost, and the way home to pod 0 (docs/failover.md).",
            [
                "delaySeconds": .integer(
                    "How long the primary must be lost (unreachable and its pod not Ready, or its pod gone) before the most advanced replica is promoted (default 5).",
                    minimum: 0, maximum: 3600),
                "returnHome": .string(
                    "Automatic (default): switch over to pod 0 once it is a healthy, caught-up replica; Manual: stay until asked.",
                    enum: ReturnHomePolicy.allCases.map(\.rawValue)),
            ])
    }

    static var status: Schema {
        let condition = Schema.object(
            required: ["type", "status", "reason", "message", "lastTransitionTime"],
            [
                "type": .string(maxLength: 316),
                "status": .string(enum: ["True", "False", "Unknown"]),
                "reason": .string(maxLength: 1024),
                "message": .string(maxLength: 32768),
                "observedGeneration": .integer(minimum: 0, format: "int64"),
                "lastTransitionTime": Schema(type: .string).withFormat("date-time"),
            ])
        let instance = Schema.object(
            required: ["name", "role", "ready"],
            [
                "name": .string(),
                "role": .string(),
                "ready": .boolean(),
                "version": .string(),
                "lagBytes": .integer(format: "int64"),
                "message": .string(),
                "systemIdentifier": .string(),
                "notStreamingSince": Schema(type: .string).withFormat("date-time"),
                "slotWALStatus": .string(),
                "retainedWALBytes": .integer(format: "int64"),
                "walPosition": .string(),
                "pendingRestart": .boolean(),
            ])
        let candidate = Schema.object(
            required: ["pod"], ["pod": .string(), "receivedPosition": .string(), "replayedPosition": .string()])
        let dateTime = Schema(type: .string).withFormat("date-time")
        let change = Schema.object(
            required: ["kind", "from", "to", "reason", "startedAt"],
            [
                "kind": .string(enum: PrimaryChangeKind.allCases.map(\.rawValue)),
                "from": .string(), "to": .string(), "reason": .string(),
                "phase": .string(enum: SwitchoverPhase.allCases.map(\.rawValue)),
                "startedAt": Schema(type: .string).withFormat("date-time"),
                "completedAt": Schema(type: .string).withFormat("date-time"),
                "candidates": .array(of: candidate),
                "oldPrimaryPosition": .string(),
                "bytesMayBeLost": .integer(format: "int64"),
                "outcome": .string(),
            ])
        let applied = Schema.object(required: ["secretVersion", "primary"], ["secretVersion": .string(), "primary": .string()])
        let certificate = Schema.object(
            required: ["secretName", "issuedBy"],
            ["secretName": .string(), "issuedBy": .string(), "notAfter": Schema(type: .string).withFormat("date-time"),
             "renewAfter": Schema(type: .string).withFormat("date-time"), "problem": .string()])
        return Schema.object(
            "What the operator observed.",
            [
                "observedGeneration": .integer(format: "int64"),
                "phase": .string(enum: ClusterPhase.allCases.map(\.rawValue)),
                "instances": .integer(),
                "readyInstances": .integer(),
                "primary": .string(),
                "systemIdentifier": .string(),
                "currentVersion": .string(),
                "targetVersion": .string(),
                "partition": .integer(),
                "stepStartedAt": Schema(type: .string).withFormat("date-time"),
                "conditions": .array(of: condition).listTypeMap(key: "type"),
                "instanceStatus": .array(of: instance),
                "rebuilds": .array(of: Schema.object(
                    required: ["pod", "token", "reason", "requestedAt"],
                    ["pod": .string(), "token": .string(), "reason": .string(),
                     "requestedAt": Schema(type: .string).withFormat("date-time")])),
                "volumes": Schema.object(required: ["size", "podsHash"], ["size": .string(), "podsHash": .string()]),
                "currentPrimary": .string(),
                "primaryLostSince": Schema(type: .string).withFormat("date-time"),
                "primaryChange": change,
                "lastFailover": change,
                "lastSwitchover": change,
                "fenced": .array(of: Schema.object(
                    required: ["pod", "token", "reason", "requestedAt"],
                    ["pod": .string(), "token": .string(), "reason": .string(),
                     "requestedAt": Schema(type: .string).withFormat("date-time")])),
                "passwords": Schema.object(required: [], ["superuser": applied, "replication": applied, "app": applied, "monitor": applied]),
                "primaryFirst": Schema.object(
                    required: ["pod", "token", "revision", "settings", "requestedAt"],
                    ["pod": .string(), "token": .string(), "revision": .string(), "settings": .array(of: .string()),
                     "requestedAt": Schema(type: .string).withFormat("date-time"), "primaryPosition": .string()]),
                "certificates": Schema.object(required: [], ["authority": certificate, "server": certificate, "backup": certificate]),
                "backup": Schema.object(required: [], [
                    "archive": Schema.object(required: [], [
                        "primary": .string(), "lastArchivedWAL": .string(), "lastArchivedTime": Schema(type: .string).withFormat("date-time"),
                        "lastFailedWAL": .string(), "lastFailedTime": Schema(type: .string).withFormat("date-time"),
                        "failedCount": .integer(), "lagBytes": .integer(),
                    ]),
                    "stanza": Schema.object(required: ["repository"], ["repository": .string(), "createdTime": dateTime, "job": .string()]),
                    "lastBackup": Schema.object(required: ["job"], [
                        "job": .string(), "label": .string(), "type": .string(), "startTime": dateTime, "stopTime": dateTime,
                        "size": .integer(), "repositorySize": .integer(),
                    ]),
                    "lastFailure": Schema.object(
                        required: ["job", "action", "message"], ["job": .string(), "action": .string(), "time": dateTime, "message": .string(), "resolvedBy": .string()]),
                    "running": Schema.object(required: ["job", "action"], ["job": .string(), "action": .string(), "createdTime": dateTime]),
                    "recordedJobs": .array(of: .string()),
                    "schedules": .array(of: Schema.object(
                        required: ["type", "schedule", "lastScheduleTime"],
                        ["type": .string(), "schedule": .string(), "lastScheduleTime": dateTime, "nextScheduleTime": dateTime])),
                    "missed": Schema.object(
                        required: ["type", "scheduledTime", "reason"], ["type": .string(), "scheduledTime": dateTime, "reason": .string(), "resolvedBy": .string()]),
                    "lastRequest": .string(),
                ]),
            ])
    }
}

extension Schema {
    func withFormat(_ format: String) -> Schema {
        var copy = self
        copy.format = format
        return copy
    }

    /// A list of objects keyed by `key` (`x-kubernetes-list-type: map`).
    func listTypeMap(key: String) -> Schema {
        var copy = self
        copy.listType = "map"
        copy.listMapKeys = [key]
        return copy
    }
}
