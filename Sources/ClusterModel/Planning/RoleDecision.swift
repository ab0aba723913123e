/// Which instance is the primary, decided from the reports of all probed instances. Pure.
///
/// Exactly one reachable instance not in recovery is the primary. Zero, or more than one,
/// means no primary at all, with a ``reason`` the status carries: a split brain must never
/// route writes to two servers, so it is never resolved here. Replicas are the reachable
/// instances in recovery, whatever the primary decision.
public struct RoleDecision: Sendable, Hashable {
    /// The pod to label primary, or `nil` for none.
    public var primary: String?
    /// Pods to label replica: reachable and in recovery, in the order reported.
    public var replicas: [String]
    /// Pods that were probed and could not be reached (neither label).
    public var unreachable: [String]
    /// Pods that accept writes when there is more than one (a split brain); empty otherwise.
    public var conflictingPrimaries: [String]
    /// How the decision came out.
    public enum Outcome: String, Sendable, Hashable {
        /// Exactly one reachable instance accepts writes.
        case onePrimary = "OnePrimary"
        /// No instance could be reached (or none was probed).
        case noneReachable = "NoneReachable"
        /// Every reachable instance is in recovery.
        case noPrimary = "NoPrimary"
        /// More than one instance accepts writes.
        case splitBrain = "SplitBrain"
    }

    /// How the decision came out.
    public var outcome: Outcome
    /// A sentence for status and events.
    public var message: String

    /// Decides from the reports of every probed instance of a cluster.
    public init(deciding reports: [InstanceReport]) {
        let primaries = reports.filter(\.isPrimary).map(\.podName)
        replicas = reports.filter(\.isReplica).map(\.podName)
        unreachable = reports.filter { $0.database == nil }.map(\.podName)
        conflictingPrimaries = []
        let down = unreachable.isEmpty ? "" : "; unreachable: \(unreachable.joined(separator: ", "))"
        switch primaries.count {
        case 1:
            primary = primaries[0]
            outcome = .onePrimary
            message = "\(primaries[0]) is the primary with \(replicas.count) replica(s)\(down)"
        case 0 where replicas.isEmpty:
            primary = nil
            outcome = .noneReachable
            message = reports.isEmpty ? "no instance was probed" : "no instance could be probed\(down)"
        case 0:
            primary = nil
            outcome = .noPrimary
            message = "no instance accepts writes; in recovery: \(replicas.joined(separator: ", "))\(down)"
        default:
            primary = nil
            conflictingPrimaries = primaries
            outcome = .splitBrain
            message = "split brain: \(primaries.joined(separator: ", ")) all accept writes; no primary is labelled until one remains"
        }
    }

    /// True when more than one instance accepts writes.
    public var isSplitBrain: Bool { outcome == .splitBrain }
}

extension RoleDecision {
    /// A decision stated directly (tables and tests): `primary`, or none with `outcome`.
    public init(primary: String?, replicas: [String] = [], outcome: Outcome? = nil, message: String? = nil) {
        self.primary = primary
        self.replicas = replicas
        unreachable = []
        conflictingPrimaries = []
        self.outcome = outcome ?? (primary == nil ? .noPrimary : .onePrimary)
        self.message = message ?? (primary.map { "\($0) is the primary" } ?? "no instance accepts writes")
    }
}
