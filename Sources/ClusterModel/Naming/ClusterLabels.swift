import KubeTypes

/// The label keys and values Ordinal puts on what it makes.
public enum ClusterLabels {
    public static let name = "app.kubernetes.io/name"
    public static let instance = "app.kubernetes.io/instance"
    public static let component = "app.kubernetes.io/component"
    public static let managedBy = "app.kubernetes.io/managed-by"
    public static let cluster = "ordinal.dev/cluster"
    /// On pods only, set by the operator from what PostgreSQL reports: `primary` or `replica`.
    public static let role = "ordinal.dev/role"
    public static let primaryRole = "primary"
    public static let replicaRole = "replica"
    public static let managedByValue = "ordinal"
    /// The template annotation whose change rolls the pods (a hash of the server configuration).
    public static let configHashAnnotation = "ordinal.dev/config-hash"
    /// On pods whose server serves TLS with the cluster's certificate (``tlsServed``): Ordinal
    /// and replicas verify it (`verify-full`); a pod without it is reached without verification
    /// while a walk turns TLS on or off.
    public static let tlsAnnotation = "ordinal.dev/tls"
    public static let tlsServed = "verify-full"
    /// The StatefulSet annotation that records which pod template the operator last applied,
    /// so a template change is seen without comparing fields the API server defaults or rewrites.
    public static let templateHashAnnotation = "ordinal.dev/template-hash"
    /// The PostgresCluster annotation naming the pod the user wants as primary (set by
    /// `ordinal switchover`, or kept in a GitOps repository); absent: pod 0.
    public static let primaryAnnotation = "ordinal.dev/primary"
    /// On a PostgresCluster: a backup is asked for; a new value asks again (`ordinal backup` sets
    /// it to the time; a GitOps repository may carry any value).
    public static let backupRequestAnnotation = "ordinal.dev/backup-request"
    /// On a PostgresCluster: the type of the asked-for backup, `full` (the default), `diff` or `incr`.
    public static let backupTypeAnnotation = "ordinal.dev/backup-type"

    /// The labels every object of `cluster` carries.
    public static func common(cluster: String) -> [String: String] {
        [
            name: "postgresql",
            instance: cluster,
            component: "database",
            managedBy: managedByValue,
            Self.cluster: cluster,
        ]
    }

    /// The labels that pick out the pods of `cluster` (the StatefulSet selector; immutable).
    public static func podSelector(cluster: String) -> [String: String] {
        [name: "postgresql", instance: cluster, Self.cluster: cluster]
    }
}

extension Pod {
    /// True when its template says its server serves the cluster's certificate (``ClusterLabels/tlsAnnotation``).
    public var servesTLS: Bool { metadata.annotations?[ClusterLabels.tlsAnnotation] == ClusterLabels.tlsServed }
}
