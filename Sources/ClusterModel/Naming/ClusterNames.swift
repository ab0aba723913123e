/// The names of the objects made for one cluster, as the conventions fix them.
public struct ClusterNames: Sendable, Hashable {
    public let cluster: String
    public let namespace: String

    public init(cluster: String, namespace: String) {
        self.cluster = cluster
        self.namespace = namespace
    }

    public var statefulSet: String { cluster }
    public var headlessService: String { "\(cluster)-headless" }
    public var readWriteService: String { "\(cluster)-rw" }
    public var readOnlyService: String { "\(cluster)-ro" }
    public var podDisruptionBudget: String { cluster }
    public var networkPolicy: String { cluster }
    public var configMap: String { "\(cluster)-config" }
    public var superuserSecret: String { "\(cluster)-superuser" }
    public var appSecret: String { "\(cluster)-app" }
    public var replicationSecret: String { "\(cluster)-replication" }
    /// The monitoring role's Secret (always Ordinal's own).
    public var monitorSecret: String { "\(cluster)-monitor" }
    /// The CA Ordinal keeps for the cluster (`kubernetes.io/tls`: its certificate and key).
    public var certificateAuthoritySecret: String { "\(cluster)-ca" }
    /// The server certificate Ordinal issues (`kubernetes.io/tls`, with `ca.crt`).
    public var serverCertificateSecret: String { "\(cluster)-server" }
    /// pgBackRest's TLS identity (`kubernetes.io/tls`, self-signed, made while backups are on):
    /// every instance's `pgbackrest server` and every backup Job present it and trust only it.
    public var backupIdentitySecret: String { "\(cluster)-backup-tls" }
    /// The names the backup identity covers: every pod behind the headless Service, now and
    /// after a scale-up (the Jobs reach the instances by ``podHost(_:)``).
    public var backupIdentityNames: [String] {
        ["*.\(headlessService).\(namespace).svc.cluster.local", "*.\(headlessService).\(namespace).svc"]
    }

    /// A backup Job: `<cluster>-<kind>-<id>`, at most 63 characters for the longest cluster
    /// name (the Job controller labels its pods with it). Kinds: `full`, `diff` (scheduled;
    /// the id is the scheduled minute), `init` (stanza-create; the minute it was made), `req`
    /// (asked for; the id is a hash of the request).
    public func backupJob(kind: String, id: String) -> String { "\(cluster)-\(kind)-\(id)" }

    /// The Job that takes the backup asked for with `request` (``ClusterLabels/backupRequestAnnotation``).
    public func requestedBackupJob(_ request: String) -> String { backupJob(kind: "req", id: String(FNV1a.hex(request).prefix(6))) }

    /// Five base-36 digits of the minute of `seconds` since the epoch (until 2084): a Job id.
    public static func minuteID(_ seconds: Double) -> String {
        let text = String(Int64(seconds / 60), radix: 36)
        return String(repeating: "0", count: max(0, 5 - text.count)) + text
    }

    /// The pod with this ordinal.
    public func pod(_ ordinal: Int) -> String { "\(cluster)-\(ordinal)" }

    /// The data volume claim of the pod with this ordinal.
    public func dataClaim(_ ordinal: Int) -> String { "data-\(cluster)-\(ordinal)" }

    /// The stable DNS name of a pod through the headless Service.
    public func podHost(_ ordinal: Int) -> String {
        "\(pod(ordinal)).\(headlessService).\(namespace).svc.cluster.local"
    }

    /// Where replicas stream from: pod 0.
    public var primaryHost: String { podHost(0) }

    /// The physical replication slot of a pod (slot names allow `[a-z0-9_]` only).
    public static func replicationSlot(forPod pod: String) -> String {
        String(pod.map { $0 == "-" || $0 == "." ? "_" : $0 })
    }

    /// True when `podName` is one of the first `instances` pods of this cluster.
    public func isInstance(_ podName: String, of instances: Int) -> Bool {
        ordinal(ofPod: podName).map { $0 < instances } ?? false
    }

    /// The ordinal of a pod of this cluster, or `nil` for another pod.
    public func ordinal(ofPod podName: String) -> Int? {
        let prefix = "\(cluster)-"
        guard podName.hasPrefix(prefix) else { return nil }
        let suffix = podName.dropFirst(prefix.count)
        guard !suffix.isEmpty, suffix.allSatisfy(\.isNumber), suffix.first != "0" || suffix.count == 1 else { return nil }
        return Int(suffix)
    }

    /// The longest cluster name: a StatefulSet's pods get a `controller-revision-hash` label of
    /// `<name>-<10-character hash>`, and label values stop at 63 characters.
    public static let maximumClusterNameLength = 52
}
