/// The role labels a round changes, and the events that tell of them.
///
/// Labels change only on positive evidence. A pod keeps whatever label it has while it cannot
/// be probed (a timeout, a DNS blip or a wrong password on the operator's side must not empty
/// `-rw` or `-ro`; the kubelet's readiness probe already takes dead pods out of Services), and
/// nothing changes at all when probing did not run. A label changes when PostgreSQL itself
/// reports something else, or when another primary is confirmed:
///
/// - `primary` goes to the one trusted instance that accepts writes (``RoleDecision``), and
///   from every other pod; a reachable pod that accepts writes but is not that one (a split
///   brain) or holds another cluster's data loses it;
/// - `replica` goes to trusted instances in recovery that stream; one that has not streamed
///   for ``ReplicaStreamingGrace/seconds`` while a primary is confirmed loses it; so does one
///   with another cluster's data.
struct LabelPlan {
    var changes: [RoleLabelPlan.Change]
    var events: [ClusterEvent] = []

    /// - Parameter changingPrimary: a failover or switchover is under way: no pod but
    ///   `roles.primary` keeps the primary label, reachable or not.
    init(instances: InstanceSet, roles: RoleDecision, streaming: ReplicaStreaming, probeBlocked: String?,
         changingPrimary: Bool = false, now: Double) {
        guard probeBlocked == nil else {
            changes = []
            return
        }
        var current: [String: String?] = [:]
        var wanted: [String: String?] = [:]
        var why: [String: String] = [:]
        for (_, pod) in instances.pods {
            current[pod.name] = pod.roleLabel
            guard let report = instances.report(pod.name), let database = report.database else {
                // No evidence: keep the label, unless another primary is confirmed.
                if pod.roleLabel == ClusterLabels.primaryRole, let primary = roles.primary, primary != pod.name {
                    wanted[pod.name] = .some(nil)
                    why[pod.name] = "\(primary) is confirmed as primary and \(pod.name) cannot be reached"
                } else if pod.roleLabel == ClusterLabels.primaryRole, changingPrimary {
                    wanted[pod.name] = .some(nil)
                    why[pod.name] = roles.message
                }
                continue
            }
            if let problem = instances.identity.problem(report) {
                wanted[pod.name] = .some(nil)
                why[pod.name] = problem
            } else if pod.name == roles.primary {
                wanted[pod.name] = ClusterLabels.primaryRole
            } else if !database.isInRecovery {
                wanted[pod.name] = .some(nil)
                why[pod.name] = roles.message
            } else if database.isStreaming {
                wanted[pod.name] = ClusterLabels.replicaRole
            } else if roles.primary != nil, let seconds = streaming.overdue(pod.name, now: now) {
                wanted[pod.name] = .some(nil)
                why[pod.name] = "\(pod.name) has not streamed from the primary for \(Int(seconds)) s"
            } else if pod.roleLabel == ClusterLabels.primaryRole {
                // In recovery: whatever else, it is not the primary.
                wanted[pod.name] = .some(nil)
                why[pod.name] = "\(pod.name) is in recovery"
            }
        }
        changes = RoleLabelPlan.changes(current: current, wanted: wanted)
        for change in changes {
            let reason = why[change.pod].map { ": \($0)" } ?? ""
            switch change.role {
            case ClusterLabels.primaryRole?:
                events.append(ClusterEvent(.normal, .primaryLabelled, "\(change.pod) is the primary (PostgreSQL reports it is not in recovery)"))
            case ClusterLabels.replicaRole?:
                events.append(ClusterEvent(.normal, .replicaJoined, "\(change.pod) is a replica"))
            default:
                if current[change.pod] == ClusterLabels.primaryRole {
                    events.append(ClusterEvent(.warning, .primaryUnlabelled, "\(change.pod) no longer carries the primary label\(reason)"))
                } else {
                    events.append(ClusterEvent(.warning, .replicaUnlabelled, "\(change.pod) no longer carries the replica label\(reason)"))
                }
            }
        }
    }
}
