import KubeTypes

/// Replicas that can never catch up by streaming, rebuilt from the primary.
///
/// A replica is rebuilt only on positive evidence that streaming cannot heal it, and only
/// while it has gone without streaming past ``ReplicaStreamingGrace/seconds``:
/// - its slot on the primary was invalidated (`wal_status = lost`: it fell more than
///   `max_slot_wal_keep_size` behind);
/// - the WAL it needs next is older than the oldest WAL the primary keeps;
/// - its timeline differs from the primary's (it diverged).
///
/// Only while a primary is confirmed and Ready, one replica at a time, never the primary. The
/// request goes into the ConfigMap (`rebuild`: `<pod> <token>` lines, read by the pod's
/// bootstrap at start) and status; then the pod is deleted so the StatefulSet makes it again
/// and its bootstrap rewinds or re-clones it into a staging folder that replaces the old data
/// only when complete (docs/pod-contract.md). The token is the uid of the pod the request was
/// made for, so a pod is deleted once per request, and the bootstrap runs it once.
struct RebuildPlan {
    /// Requests pending after this round.
    var requests: [RebuildRequest] = []
    /// Pods to delete so their bootstrap rebuilds them.
    var podsToDelete: [String] = []
    /// Replica pods whose invalidated slot is dropped and made again on the primary first.
    var slotsToRecreate: [String] = []
    var events: [ClusterEvent] = []

    /// - Parameter wanted: `spec.instances`; a request for a pod beyond it is dropped.
    init(instances: InstanceSet, roles: RoleDecision, streaming: ReplicaStreaming, previous: [RebuildRequest], wanted: Int, now: Double) {
        let pods = Dictionary(instances.pods.map { ($0.pod.name, $0.pod) }, uniquingKeysWith: { first, _ in first })
        // Requests still under way: kept until the pod streams again, or is scaled away. A pod
        // that is absent (deleted for this request, not made again yet) keeps its request: its
        // bootstrap reads it from the ConfigMap when the StatefulSet makes the pod again.
        for request in previous {
            guard let pod = pods[request.pod] else {
                if instances.names.isInstance(request.pod, of: wanted) { requests.append(request) }
                continue
            }
            if let database = instances.report(request.pod)?.database, database.isInRecovery, database.isStreaming,
                pod.uid != request.token
            {
                events.append(ClusterEvent(.normal, .replicaRebuilt, "\(request.pod) was rebuilt and streams from the primary again"))
                continue
            }
            requests.append(request)
            if pod.uid == request.token { podsToDelete.append(request.pod) }
        }
        guard requests.isEmpty, let primaryName = roles.primary, pods[primaryName]?.isReady == true,
            let primaryReport = instances.report(primaryName), let primary = primaryReport.database,
            instances.identity.problem(primaryReport) == nil
        else { return }

        for report in instances.trustedReports where report.podName != primaryName {
            guard let database = report.database, database.isInRecovery, !database.isStreaming,
                let seconds = streaming.overdue(report.podName, now: now), let pod = pods[report.podName]
            else { continue }
            var reason: String?
            if primaryReport.slot(forPod: report.podName)?.isLost == true {
                reason = "its replication slot was invalidated (it fell more than max_slot_wal_keep_size behind)"
                slotsToRecreate.append(report.podName)
            } else if let needed = database.replayPosition, let oldest = primary.oldestWALPosition, needed < oldest {
                reason = "the WAL it needs next was removed from the primary"
            } else if let mine = database.timeline, let theirs = primary.timeline, mine != theirs {
                reason = "its timeline \(mine) differs from the primary's \(theirs)"
            }
            guard let reason else { continue }
            let token = pod.uid ?? "pod-\(Int(now))"
            requests.append(RebuildRequest(pod: report.podName, token: token, reason: reason, requestedAt: KubeTime.format(now)))
            podsToDelete.append(report.podName)
            events.append(ClusterEvent(
                .warning, .replicaRebuild,
                "\(report.podName) has not streamed for \(Int(seconds)) s and cannot catch up: \(reason). "
                    + "It is restarted to be rewound or cloned again from \(primaryName); its old data stays until the new copy is complete"))
            break  // one at a time
        }
    }

    /// The ConfigMap's `rebuild` value: one `<pod> <token>` line per pending request.
    static func configText(_ requests: [RebuildRequest]) -> String? {
        requests.isEmpty ? nil : requests.map { "\($0.pod) \($0.token)\n" }.joined()
    }
}
