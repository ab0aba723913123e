/// Which instance is the primary, decided from the probes of all instances. Pure.
///
/// Exactly one reachable instance not in recovery is the primary. Zero, or more than one,
/// means no primary at all, with a ``reason`` the operator writes into the cluster status:
/// a split brain must never route writes to two servers, so it is never resolved here.
/// Replicas are the reachable instances in recovery, whatever the primary decision.
public struct RoleDecision: Sendable, Hashable {
    /// Why the decision came out as it did.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case singlePrimary = "SinglePrimary"
            case noInstanceReachable = "NoInstanceReachable"
            case noPrimary = "NoPrimary"
            case multiplePrimaries = "MultiplePrimaries"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Exactly one reachable instance accepts writes.
        public static let singlePrimary = Reason(.singlePrimary)
        /// No instance could be probed.
        public static let noInstanceReachable = Reason(.noInstanceReachable)
        /// Every reachable instance is in recovery.
        public static let noPrimary = Reason(.noPrimary)
        /// More than one instance accepts writes: a split brain.
        public static let multiplePrimaries = Reason(.multiplePrimaries)

        /// The CamelCase name, fit for a condition `reason`.
        public var description: String { base.rawValue }
    }

    /// The pod to label primary, or nil for none.
    public var primary: String?
    /// Pods to label replica: reachable and in recovery, in the order probed.
    public var replicas: [String]
    /// Pods that could not be probed (neither label).
    public var unreachable: [String]
    /// Pods that accept writes when there is more than one (a split brain); empty otherwise.
    public var conflictingPrimaries: [String]
    /// Why.
    public var reason: Reason
    /// A sentence for the status condition's `message`.
    public var message: String

    /// Decides from the probes of every instance of a cluster.
    public init(deciding facts: [InstanceFacts]) {
        let primaries = facts.filter(\.isPrimary).map(\.podName)
        replicas = facts.filter(\.isReplica).map(\.podName)
        unreachable = facts.filter { !$0.isReachable }.map(\.podName)
        conflictingPrimaries = []
        let down = unreachable.isEmpty ? "" : "; unreachable: \(unreachable.joined(separator: ", "))"
        switch primaries.count {
        case 1:
            primary = primaries[0]
            reason = .singlePrimary
            message = "\(primaries[0]) is the primary with \(replicas.count) replica(s)\(down)"
        case 0 where replicas.isEmpty:
            primary = nil
            reason = .noInstanceReachable
            message = facts.isEmpty ? "the cluster has no instances" : "no instance could be probed\(down)"
        case 0:
            primary = nil
            reason = .noPrimary
            message = "no instance accepts writes; in recovery: \(replicas.joined(separator: ", "))\(down)"
        default:
            primary = nil
            conflictingPrimaries = primaries
            reason = .multiplePrimaries
            message = "split brain: \(primaries.joined(separator: ", ")) all accept writes; no primary is labelled until one remains"
        }
    }

    /// True when a primary was chosen.
    public var hasPrimary: Bool { primary != nil }

    /// True when more than one instance accepts writes.
    public var isSplitBrain: Bool { reason == .multiplePrimaries }
}
