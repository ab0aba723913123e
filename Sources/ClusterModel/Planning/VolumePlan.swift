import KubeTypes

/// Volume growth: when the spec asks for more storage than the StatefulSet's claim template
/// holds, every data claim smaller than that is grown (volumes never shrink).
///
/// The claims are read only while a resize is not yet confirmed: once every claim of the
/// current pods was seen at the wanted size, status records it (``VolumesStatus``) and the
/// claims are read again only when the pods change (a new pod may bring a new, smaller claim).
/// A growth the API server refuses (a StorageClass without expansion, a quota) is reported in
/// status and an Event; the rest of the reconcile goes on.
struct VolumePlan {
    var growth: [VolumeGrowth] = []
    var events: [ClusterEvent] = []
    /// What status records about volumes after this round.
    var confirmed: VolumesStatus?
    /// Why a resize is not done, when the API server refused it.
    var problem: String?

    init(resolved: ResolvedCluster, observation: ClusterObservation) {
        let previous = observation.cluster.status?.volumes
        guard let wanted = Self.wantedGrowth(resolved, statefulSet: observation.statefulSet) else { return }
        let podsHash = Self.podsHash(observation.pods)
        guard let claims = observation.claims else {
            // Not read: the recorded resize still covers these pods.
            confirmed = previous
            return
        }
        for claim in claims.sorted(by: { $0.name < $1.name }) {
            guard resolved.names.ordinal(ofClaim: claim.name) != nil,
                let current = claim.requested.flatMap(Quantity.init), current < wanted
            else { continue }
            growth.append(VolumeGrowth(claim: claim.name, size: wanted.text))
            if !observation.growthFailures.contains(where: { $0.claim == claim.name }) {
                events.append(ClusterEvent(.normal, .volumeResized, "\(claim.name): requested \(wanted.text) (was \(current.text))"))
            }
        }
        if !observation.growthFailures.isEmpty {
            let each = observation.growthFailures.map { "\($0.claim): \($0.message)" }.joined(separator: "; ")
            problem = "the data volumes could not be grown to \(wanted.text) (\(each)); the pods keep running on the old size. "
                + "Check that the StorageClass allows volume expansion (allowVolumeExpansion) and the namespace's quota"
            events.append(ClusterEvent(.warning, .volumeResizeFailed, problem ?? ""))
        } else if growth.isEmpty {
            confirmed = VolumesStatus(size: wanted.text, podsHash: podsHash)
        }
    }

    /// The size to grow claims to, when the spec asks for more than the claim template holds.
    static func wantedGrowth(_ resolved: ResolvedCluster, statefulSet: StatefulSet?) -> Quantity? {
        guard let template = statefulSet?.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"].flatMap(Quantity.init),
            let wanted = Quantity(resolved.storageSize), wanted > template
        else { return nil }
        return wanted
    }

    /// A stable hash of the pods' names and uids.
    static func podsHash(_ pods: [PodObservation]) -> String {
        FNV1a.hex(pods.map { "\($0.name):\($0.uid ?? "")" }.sorted().joined(separator: ";"))
    }
}

extension ClusterNames {
    /// The ordinal of a data claim of this cluster (`data-<name>-<ordinal>`), or `nil`.
    public func ordinal(ofClaim claim: String) -> Int? {
        guard claim.hasPrefix("data-") else { return nil }
        return ordinal(ofPod: String(claim.dropFirst(5)))
    }
}
