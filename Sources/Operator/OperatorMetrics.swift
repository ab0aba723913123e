import ClusterModel
import Synchronization

/// The operator's metrics, rendered in the Prometheus text format at `/metrics`.
public final class OperatorMetrics: Sendable {
    static let durationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct Histogram: Sendable {
        var buckets = [Int](repeating: 0, count: OperatorMetrics.durationBuckets.count)
        var count = 0
        var sum = 0.0

        mutating func observe(_ value: Double) {
            for (index, bound) in OperatorMetrics.durationBuckets.enumerated() where value <= bound {
                buckets[index] += 1
            }
            count += 1
            sum += value
        }
    }

    private struct State: Sendable {
        var reconciles: [String: Int] = [:]
        var reconcileErrors = 0
        var reconcileDurations: [String: Histogram] = [:]
        var probeDurations = Histogram()
        var apiRequests: [String: Int] = [:]
        var queueDepth = 0
        var phases: [String: String] = [:]
        var isLeader = false
        var instances: [ClusterKey: [InstanceMetrics]] = [:]
        var backups: [ClusterKey: BackupMetrics] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts one reconcile by result (`success`, `error`, `invalid`) with its duration.
    public func observeReconcile(result: String, seconds: Double) {
        state.withLock { state in
            state.reconciles[result, default: 0] += 1
            if result == "error" { state.reconcileErrors += 1 }
            state.reconcileDurations[result, default: Histogram()].observe(seconds)
        }
    }

    /// Records how long probing one cluster took.
    public func observeProbe(seconds: Double) {
        state.withLock { $0.probeDurations.observe(seconds) }
    }

    /// Counts one API request by verb and HTTP status code (`0` for a transport failure).
    public func observeAPIRequest(verb: String, code: Int?) {
        state.withLock { $0.apiRequests["\(verb)|\(code ?? 0)", default: 0] += 1 }
    }

    public func setQueueDepth(_ depth: Int) { state.withLock { $0.queueDepth = depth } }

    /// Records the phase of a cluster (`nil` when it is gone).
    public func setPhase(_ phase: String?, cluster: String) {
        state.withLock { state in
            if let phase { state.phases[cluster] = phase } else { state.phases.removeValue(forKey: cluster) }
        }
    }

    public func setLeader(_ isLeader: Bool) { state.withLock { $0.isLeader = isLeader } }

    /// Records what the last probe round of cluster `key` learnt of its instances (`[]` when it is gone).
    public func setInstances(_ reports: [InstanceReport], cluster key: ClusterKey, now: Double) {
        state.withLock { state in
            guard !reports.isEmpty else {
                state.instances.removeValue(forKey: key)
                return
            }
            let previous = Dictionary((state.instances[key] ?? []).map { ($0.pod, $0) }, uniquingKeysWith: { first, _ in first })
            state.instances[key] = reports.map { InstanceMetrics($0, now: now, previous: previous[$0.podName]) }
        }
    }

    /// Records a cluster's backups as its status says (`nil`: no `spec.backup`, or the cluster is gone).
    public func setBackup(_ backup: BackupStatus?, healthy: Bool, cluster key: ClusterKey) {
        state.withLock { state in
            if let backup { state.backups[key] = BackupMetrics(backup, healthy: healthy) } else { state.backups.removeValue(forKey: key) }
        }
    }

    /// Whether this process leads right now.
    public var isLeader: Bool { state.withLock { $0.isLeader } }

    /// Total API requests so far, for tests and benchmarks.
    public var apiRequestCount: Int { state.withLock { $0.apiRequests.values.reduce(0, +) } }

    /// API requests so far by verb, for tests and benchmarks.
    public var apiRequestsByVerb: [String: Int] {
        state.withLock { state in
            var byVerb: [String: Int] = [:]
            for (key, count) in state.apiRequests {
                byVerb[String(key.split(separator: "|").first ?? ""), default: 0] += count
            }
            return byVerb
        }
    }

    /// The metrics in the Prometheus text exposition format.
    public func render() -> String {
        let snapshot = state.withLock { $0 }
        var out: [String] = []
        out.append("# HELP ordinal_reconcile_total Reconciles by result.")
        out.append("# TYPE ordinal_reconcile_total counter")
        for (result, count) in snapshot.reconciles.sorted(by: { $0.key < $1.key }) {
            out.append("ordinal_reconcile_total{result=\"\(result)\"} \(count)")
        }
        out.append("# HELP ordinal_reconcile_errors_total Reconciles that failed.")
        out.append("# TYPE ordinal_reconcile_errors_total counter")
        out.append("ordinal_reconcile_errors_total \(snapshot.reconcileErrors)")
        out.append("# HELP ordinal_reconcile_duration_seconds Reconcile duration by result.")
        out.append("# TYPE ordinal_reconcile_duration_seconds histogram")
        for (result, histogram) in snapshot.reconcileDurations.sorted(by: { $0.key < $1.key }) {
            out += Self.histogramLines("ordinal_reconcile_duration_seconds", labels: "result=\"\(result)\"", histogram)
        }
        out.append("# HELP ordinal_probe_duration_seconds Time to probe every instance of one cluster.")
        out.append("# TYPE ordinal_probe_duration_seconds histogram")
        out += Self.histogramLines("ordinal_probe_duration_seconds", labels: nil, snapshot.probeDurations)
        out.append("# HELP ordinal_api_requests_total Kubernetes API requests by verb and HTTP code.")
        out.append("# TYPE ordinal_api_requests_total counter")
        for (key, count) in snapshot.apiRequests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false)
            out.append("ordinal_api_requests_total{verb=\"\(parts[0])\",code=\"\(parts.count > 1 ? parts[1] : "0")\"} \(count)")
        }
        out.append("# HELP ordinal_workqueue_depth Clusters waiting to be reconciled.")
        out.append("# TYPE ordinal_workqueue_depth gauge")
        out.append("ordinal_workqueue_depth \(snapshot.queueDepth)")
        out.append("# HELP ordinal_clusters Clusters by phase.")
        out.append("# TYPE ordinal_clusters gauge")
        var byPhase: [String: Int] = [:]
        for phase in snapshot.phases.values { byPhase[phase, default: 0] += 1 }
        for (phase, count) in byPhase.sorted(by: { $0.key < $1.key }) {
            out.append("ordinal_clusters{phase=\"\(phase)\"} \(count)")
        }
        out.append("# HELP ordinal_leader 1 while this process holds the leader lease.")
        out.append("# TYPE ordinal_leader gauge")
        out.append("ordinal_leader \(snapshot.isLeader ? 1 : 0)")
        out += Self.instanceLines(snapshot.instances)
        if !snapshot.backups.isEmpty { out += Self.backupLines(snapshot.backups) }
        return out.joined(separator: "\n") + "\n"
    }

    private static func histogramLines(_ name: String, labels: String?, _ histogram: Histogram) -> [String] {
        let prefix = labels.map { "\($0)," } ?? ""
        var lines: [String] = []
        for (index, bound) in durationBuckets.enumerated() {
            lines.append("\(name)_bucket{\(prefix)le=\"\(bound)\"} \(histogram.buckets[index])")
        }
        lines.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)")
        let suffix = labels.map { "{\($0)}" } ?? ""
        lines.append("\(name)_sum\(suffix) \(histogram.sum)")
        lines.append("\(name)_count\(suffix) \(histogram.count)")
        return lines
    }
}
