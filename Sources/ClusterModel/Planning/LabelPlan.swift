/// The role labels a round changes, and the events that tell of them.
struct LabelPlan {
    var changes: [RoleLabelPlan.Change]
    var events: [ClusterEvent] = []

    init(instances: InstanceSet, roles: RoleDecision) {
        var current: [String: String?] = [:]
        for (_, pod) in instances.pods { current[pod.name] = pod.roleLabel }
        changes = RoleLabelPlan.changes(current: current, primary: roles.primary, replicas: Set(roles.replicas))
        for change in changes {
            switch change.role {
            case ClusterLabels.primaryRole?:
                events.append(ClusterEvent(.normal, .primaryLabelled, "\(change.pod) is the primary (PostgreSQL reports it is not in recovery)"))
            case ClusterLabels.replicaRole?:
                events.append(ClusterEvent(.normal, .replicaJoined, "\(change.pod) is a replica"))
            default:
                if current[change.pod] == ClusterLabels.primaryRole {
                    events.append(ClusterEvent(.warning, .primaryUnlabelled, "\(change.pod) no longer carries the primary label: \(roles.message)"))
                }
            }
        }
    }
}
