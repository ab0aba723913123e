import KubeTypes

/// Volume growth: when the spec asks for more storage than the StatefulSet's claim template
/// holds, every data claim smaller than that is grown (volumes never shrink).
struct VolumePlan {
    var growth: [VolumeGrowth] = []
    var events: [ClusterEvent] = []

    init(resolved: ResolvedCluster, statefulSet: StatefulSet?, claims: [ClaimObservation]?) {
        guard let wanted = Self.wantedGrowth(resolved, statefulSet: statefulSet), let claims else { return }
        for claim in claims.sorted(by: { $0.name < $1.name }) {
            guard resolved.names.ordinal(ofClaim: claim.name) != nil,
                let current = claim.requested.flatMap(Quantity.init), current < wanted
            else { continue }
            growth.append(VolumeGrowth(claim: claim.name, size: wanted.text))
            events.append(ClusterEvent(.normal, .volumeResized, "\(claim.name): requested \(wanted.text) (was \(current.text))"))
        }
    }

    /// The size to grow claims to, when the spec asks for more than the claim template holds.
    static func wantedGrowth(_ resolved: ResolvedCluster, statefulSet: StatefulSet?) -> Quantity? {
        guard let template = statefulSet?.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"].flatMap(Quantity.init),
            let wanted = Quantity(resolved.storageSize), wanted > template
        else { return nil }
        return wanted
    }
}

extension ClusterNames {
    /// The ordinal of a data claim of this cluster (`data-<name>-<ordinal>`), or `nil`.
    public func ordinal(ofClaim claim: String) -> Int? {
        guard claim.hasPrefix("data-") else { return nil }
        return ordinal(ofPod: String(claim.dropFirst(5)))
    }
}
