import KubeTypes

/// How long each replica has gone without streaming, carried from round to round in
/// `status.instanceStatus[].notStreamingSince`.
///
/// A replica stops streaming for a moment whenever its primary restarts; only one that stays
/// without a WAL receiver for longer than ``ReplicaStreamingGrace/seconds`` while a primary is confirmed is
/// judged unable to stream (its WAL is gone, its timeline diverged, its slot was lost, or its
/// credentials fail) and loses its `replica` label.
struct ReplicaStreaming: Sendable, Hashable {
    /// Since when (seconds since the epoch) each reachable, trusted replica has not streamed.
    let notStreamingSince: [String: Double]

    init(instances: InstanceSet, previous: PostgresClusterStatus?, now: Double) {
        let before = Dictionary(
            (previous?.instanceStatus ?? []).compactMap { entry in entry.notStreamingSince.flatMap(KubeTime.parse).map { (entry.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        var since: [String: Double] = [:]
        for report in instances.trustedReports {
            guard let database = report.database, database.isInRecovery, !database.isStreaming else { continue }
            since[report.podName] = min(before[report.podName] ?? now, now)
        }
        notStreamingSince = since
    }

    /// Seconds `pod` has been without streaming, when that is longer than the grace period.
    func overdue(_ pod: String, now: Double) -> Double? {
        guard let since = notStreamingSince[pod], now - since >= ReplicaStreamingGrace.seconds else { return nil }
        return now - since
    }
}

/// How long a replica may go without streaming, while a primary is confirmed, before Ordinal
/// takes it out of `-ro` (and, with evidence that it can never catch up, rebuilds it).
public enum ReplicaStreamingGrace {
    public static let seconds: Double = 30
}
