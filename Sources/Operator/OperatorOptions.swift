import ClusterModel

/// How the operator runs (see docs/operator-flags.md).
public struct OperatorOptions: Sendable {
    /// Namespaces to watch; empty means all.
    public var namespaces: [String] = []
    /// Clusters reconciled concurrently.
    public var workers = 4
    /// How often every cluster is probed again.
    public var healthInterval: Duration = .seconds(10)
    /// How often a cluster that is changing (creating, rolling out) is looked at again.
    public var busyInterval: Duration = .seconds(2)
    /// How soon a cluster whose primary is changing (failover, switchover) is looked at again.
    public var promptInterval: Duration = .milliseconds(250)
    /// The namespace the operator runs in (`POD_NAMESPACE`): a cluster's NetworkPolicy lets it in.
    public var operatorNamespace = ClusterDefaults.operatorNamespace
    /// The server-side apply field manager.
    public var fieldManager = "ordinal"
    /// How long probing one cluster may take.
    public var probeTimeout: Duration = .seconds(5)
    /// Where instances are reached.
    public var addressing: InstanceAddressing = .podDNS
    /// The passfile a replica's `primary_conninfo` names (written by the pod's bootstrap script).
    public var replicationPassfile: @Sendable (_ namespace: String, _ pod: String) -> String? = { _, _ in
        "/var/lib/postgresql/data/replication.pgpass"
    }

    /// The CA file a replica's `primary_conninfo` names for `verify-full` (the server
    /// certificate Secret's `ca.crt`, mounted in the pod).
    public var replicaCertificateAuthority: @Sendable (_ namespace: String, _ pod: String) -> String = { _, _ in
        "/etc/ordinal/tls/ca.crt"
    }
    /// Where the operator keeps each cluster's CA as a file for libpq's `sslrootcert` (a
    /// writable directory: the chart mounts an emptyDir at /tmp).
    public var certificateDirectory = "/tmp/ordinal-ca"

    public init() {}
}

/// How the operator reaches an instance's PostgreSQL.
public enum InstanceAddressing: Sendable {
    /// `<pod>.<name>-headless.<ns>.svc.cluster.local:5432` (in the cluster).
    case podDNS
    /// The pod IP, port 5432 (an operator running outside the cluster network).
    case podIP
    /// A fixed table, pod name to host and port (tests with local servers standing in for pods).
    case table(@Sendable (_ namespace: String, _ pod: String) -> (host: String, port: Int)?)
}
