import ClusterModel

/// What one probe round learnt of one instance, as `/metrics` shows it (from what the operator
/// probes anyway: no query runs for metrics alone).
public struct InstanceMetrics: Sendable, Hashable {
    public var pod: String
    /// The probe reached PostgreSQL.
    public var up: Bool
    /// PostgreSQL reported it out of recovery.
    public var primary: Bool
    /// On a replica: WAL bytes not yet replayed, against the single primary.
    public var lagBytes: Int64?
    /// On a replica: seconds since the last transaction it replayed, 0 when it has replayed all it received.
    public var lagSeconds: Double?
    /// A changed setting waits for a restart (`pg_settings.pending_restart`).
    public var pendingRestart: Bool?
    /// When a probe last reached it (seconds since the epoch).
    public var lastSuccess: Double?
    /// On a primary: WAL each replication slot retains, by slot name.
    public var slotRetainedBytes: [String: Int64] = [:]

    /// The metrics of `report`, probed at `now`; `previous` keeps the last success of an instance not reached.
    public init(_ report: InstanceReport, now: Double, previous: InstanceMetrics?) {
        pod = report.podName
        up = report.database != nil
        primary = report.isPrimary
        lagBytes = report.isReplica ? report.database?.lagBytes : nil
        lagSeconds = report.isReplica ? report.database?.replayLagSeconds : nil
        pendingRestart = report.database?.pendingRestart
        lastSuccess = up ? now : previous?.lastSuccess
        for slot in report.slots {
            if let bytes = slot.retainedBytes { slotRetainedBytes[slot.name] = bytes }
        }
    }
}

extension OperatorMetrics {
    /// The lines of every instance's metrics, labelled by namespace, cluster and pod.
    static func instanceLines(_ instances: [ClusterKey: [InstanceMetrics]]) -> [String] {
        let ordered = instances.sorted { $0.key < $1.key }.flatMap { key, pods in pods.map { (key, $0) } }
        func labels(_ key: ClusterKey, _ pod: String) -> String { "\(clusterLabels(key)),pod=\"\(escape(pod))\"" }
        func family(_ name: String, _ type: String, _ help: String, _ value: (InstanceMetrics) -> String?) -> [String] {
            Self.family(name, type: type, help: help, rows: ordered, labels: { labels($0.0, $0.1.pod) }) { value($0.1) }
        }
        var out: [String] = []
        out += family("ordinal_instance_up", "gauge", "1 when the last probe reached the instance's PostgreSQL.") { $0.up ? "1" : "0" }
        out += family("ordinal_instance_primary", "gauge", "1 when PostgreSQL reported the instance out of recovery.") {
            $0.up ? ($0.primary ? "1" : "0") : nil
        }
        out += family("ordinal_instance_replication_lag_bytes", "gauge", "WAL bytes a replica has not replayed, against the primary.") {
            $0.lagBytes.map { "\($0)" }
        }
        out += family("ordinal_instance_replication_lag_seconds", "gauge",
                      "Seconds since the last transaction a replica replayed; 0 when it replayed all it received.") {
            $0.lagSeconds.map { "\($0)" }
        }
        out += family("ordinal_instance_pending_restart", "gauge", "1 when a changed setting waits for a restart.") {
            $0.pendingRestart.map { $0 ? "1" : "0" }
        }
        out += family("ordinal_instance_last_probe_success_timestamp_seconds", "gauge",
                      "When a probe last reached the instance (seconds since the epoch).") {
            $0.lastSuccess.map { "\($0)" }
        }
        out.append("# HELP ordinal_replication_slot_retained_bytes WAL a replication slot on the primary retains.")
        out.append("# TYPE ordinal_replication_slot_retained_bytes gauge")
        for (key, instance) in ordered {
            for (slot, bytes) in instance.slotRetainedBytes.sorted(by: { $0.key < $1.key }) {
                out.append("ordinal_replication_slot_retained_bytes{\(labels(key, instance.pod)),slot=\"\(escape(slot))\"} \(bytes)")
            }
        }
        return out
    }

    /// One metric family in the text format: its HELP and TYPE lines, then a sample for each row
    /// that has a value, labelled as `labels` says.
    static func family<Row>(_ name: String, type: String, help: String, rows: [Row], labels: (Row) -> String,
                            _ value: (Row) -> String?) -> [String] {
        var lines = ["# HELP \(name) \(help)", "# TYPE \(name) \(type)"]
        for row in rows {
            if let sample = value(row) { lines.append("\(name){\(labels(row))} \(sample)") }
        }
        return lines
    }

    /// The `namespace` and `cluster` labels of a cluster's samples.
    static func clusterLabels(_ key: ClusterKey) -> String {
        "namespace=\"\(escape(key.namespace))\",cluster=\"\(escape(key.name))\""
    }

    /// A label value in the text format: backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
