/// The `ordinal.dev/role` label changes that make the pods' labels match what PostgreSQL reported.
public enum RoleLabelPlan {
    public struct Change: Sendable, Hashable {
        public var pod: String
        /// The new label value, or `nil` to remove the label.
        public var role: String?

        public init(pod: String, role: String?) {
            self.pod = pod
            self.role = role
        }
    }

    /// - Parameters:
    ///   - current: every pod of the cluster and its current role label.
    ///   - primary: the one pod PostgreSQL reports as primary, or `nil` when there is none or more than one.
    ///   - replicas: the pods PostgreSQL reports in recovery.
    /// - Returns: changes in a safe order: every primary label that must go is removed first and
    ///   the new primary is labelled last, so no two pods ever carry the primary label.
    public static func changes(current: [String: String?], primary: String?, replicas: Set<String>) -> [Change] {
        var demotions: [Change] = []
        var others: [Change] = []
        var promotion: Change?
        for (pod, label) in current.sorted(by: { $0.key < $1.key }) {
            let wanted: String? =
                pod == primary ? ClusterLabels.primaryRole : replicas.contains(pod) ? ClusterLabels.replicaRole : nil
            guard wanted != label else { continue }
            let change = Change(pod: pod, role: wanted)
            if wanted == ClusterLabels.primaryRole {
                promotion = change
            } else if label == ClusterLabels.primaryRole {
                demotions.append(change)
            } else {
                others.append(change)
            }
        }
        return demotions + others + (promotion.map { [$0] } ?? [])
    }
}
