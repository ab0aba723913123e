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
    /// - Returns: changes in a safe order (see ``changes(current:wanted:)``); every pod gets a
    ///   label from `primary` and `replicas` or none.
    public static func changes(current: [String: String?], primary: String?, replicas: Set<String>) -> [Change] {
        var wanted: [String: String?] = [:]
        for pod in current.keys {
            wanted[pod] = pod == primary ? ClusterLabels.primaryRole : replicas.contains(pod) ? ClusterLabels.replicaRole : nil
        }
        return changes(current: current, wanted: wanted)
    }

    /// - Parameters:
    ///   - current: every pod of the cluster and its current role label.
    ///   - wanted: the label each pod with evidence should carry (`.some(nil)`: none); a pod
    ///     not in it keeps its label.
    /// - Returns: changes in a safe order: every primary label that must go is removed first and
    ///   the new primary is labelled last, so no two pods ever carry the primary label. A new
    ///   primary label is given only when no other pod keeps one.
    public static func changes(current: [String: String?], wanted: [String: String?]) -> [Change] {
        var demotions: [Change] = []
        var others: [Change] = []
        var promotion: Change?
        for (pod, label) in current.sorted(by: { $0.key < $1.key }) {
            guard let target = wanted[pod], target != label else { continue }
            let change = Change(pod: pod, role: target)
            if target == ClusterLabels.primaryRole {
                promotion = change
            } else if label == ClusterLabels.primaryRole {
                demotions.append(change)
            } else {
                others.append(change)
            }
        }
        if let promoted = promotion?.pod {
            let keepsPrimary = current.contains { pod, label in
                pod != promoted && label == ClusterLabels.primaryRole && !demotions.contains { $0.pod == pod }
            }
            if keepsPrimary { promotion = nil }
        }
        return demotions + others + (promotion.map { [$0] } ?? [])
    }
}
