/// Which cluster's data each instance holds, told by PostgreSQL's `system_identifier`.
///
/// Every instance made from one `initdb` (the primary and every replica cloned from it)
/// reports the same identifier. The cluster's is recorded in status the first time a primary
/// is seen, while every reachable instance agrees, and is never changed after. An instance
/// reporting another identifier (pod 0 re-initialised on an empty volume, a volume from some
/// other cluster) is foreign: it is never labelled, whatever role it reports. When nothing is
/// recorded yet and the reachable instances disagree, Ordinal chooses none of them.
struct ClusterIdentity: Sendable, Hashable {
    /// The identifier status carried before this round.
    let recorded: String?
    /// The cluster's identifier after this round: the recorded one, or the one recorded now.
    let identifier: String?
    /// Set when nothing is recorded and reachable instances report different identifiers.
    let conflict: String?

    init(recorded: String?, reports: [InstanceReport]) {
        self.recorded = recorded
        guard recorded == nil else {
            identifier = recorded
            conflict = nil
            return
        }
        let reachable = reports.filter { $0.database != nil }
        let identifiers = Set(reachable.compactMap(\.database?.systemIdentifier))
        if identifiers.count > 1 {
            identifier = nil
            let each = reachable.map { "\($0.podName) \($0.database?.systemIdentifier ?? "unknown")" }.joined(separator: ", ")
            conflict = "the instances hold data of different clusters (system identifiers: \(each)) and none is recorded yet; "
                + "Ordinal labels none of them. Keep the volumes of the cluster whose data you want and remove the others' "
                + "(see docs/faults.md)"
        } else if let only = identifiers.first,
            reachable.contains(where: { $0.isPrimary && $0.database?.systemIdentifier == only })
        {
            identifier = only
            conflict = nil
        } else {
            identifier = nil
            conflict = nil
        }
    }

    /// The identifier was first seen this round (status should record it and an Event tell of it).
    var isNewlyRecorded: Bool { recorded == nil && identifier != nil }

    /// Why `report`'s instance may not be trusted with a role, or `nil` when it may.
    /// Unreachable instances have no identity problem: they have no evidence at all.
    func problem(_ report: InstanceReport) -> String? {
        guard let database = report.database else { return nil }
        if conflict != nil {
            return "\(report.podName) reports system identifier \(database.systemIdentifier ?? "unknown"), and the instances disagree"
        }
        guard let identifier else { return nil }
        guard let reported = database.systemIdentifier else {
            return "\(report.podName): its system identifier could not be read, so its data cannot be told apart from another cluster's"
        }
        guard reported != identifier else { return nil }
        return "\(report.podName) holds another cluster's data (system identifier \(reported); this cluster's is \(identifier)): "
            + "it is not labelled, so no client reaches it through the cluster's Services"
    }
}
