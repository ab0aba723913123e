import ClusterModel
import KubeAPI
import KubeTypes

extension ClusterReconciler {
    /// Grows the data volumes when `spec.storage.size` grew: the StatefulSet's claim template is
    /// immutable, so each claim is patched (the StorageClass must allow expansion). Claims are only
    /// listed while the wished size is above the template's; a claim is never shrunk or deleted.
    func growVolumes(_ round: inout Round) async throws {
        let resolved = round.resolved
        guard let live = caches.statefulSets.get(namespace: resolved.namespace, name: resolved.names.statefulSet),
            let templateSize = live.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"].flatMap(Quantity.init),
            let wanted = Quantity(resolved.storageSize), wanted > templateSize
        else { return }
        let selector = LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: resolved.name)).queryString
        let claims = try await client.list(PersistentVolumeClaim.self, namespace: resolved.namespace, options: ListOptions(labelSelector: selector))
        for claim in claims.items {
            guard let name = claim.metadata.name, resolved.names.ordinalOfClaim(name) != nil,
                let current = claim.spec?.resources?.requests?["storage"].flatMap(Quantity.init), current < wanted
            else { continue }
            _ = try await client.patchMerge(
                PersistentVolumeClaim.self, name: name, namespace: resolved.namespace,
                patch: ["spec": ["resources": ["requests": ["storage": .string(wanted.text)]]]], fieldManager: options.fieldManager)
            round.writes += 1
            await events.record(ObjectReference(to: round.cluster), type: "Normal", reason: "VolumeResized",
                                message: "\(name): requested \(wanted.text) (was \(current.text))")
        }
    }
}

extension ClusterNames {
    /// The ordinal of a data claim of this cluster (`data-<name>-<ordinal>`), or `nil`.
    func ordinalOfClaim(_ claim: String) -> Int? {
        guard claim.hasPrefix("data-") else { return nil }
        return ordinal(ofPod: String(claim.dropFirst(5)))
    }
}
