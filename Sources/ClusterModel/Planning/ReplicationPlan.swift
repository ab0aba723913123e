/// Replication for a round: a slot on the primary for every other pod, slots of pods gone for
/// good dropped, and every replica streaming from the primary.
///
/// Only when the primary is confirmed (wherever it is: pod 0, or the replica a failover
/// promoted): slots live on it, and replicas stream from its stable name. A slot is dropped
/// only for a pod that does not exist and lies at or beyond the instance count, never for a
/// replica that is merely down.
struct ReplicationPlan {
    var actions: [InstanceAction] = []
    var events: [ClusterEvent] = []

    init(resolved: ResolvedCluster, instances: InstanceSet, roles: RoleDecision, user: String, failures: [ActionFailure]) {
        let names = resolved.names
        guard let home = roles.primary, let primary = instances.report(home) else { return }
        let existing = Set(instances.podNames)
        let replicaPods = instances.pods.map(\.pod.name).filter { $0 != home }
        let slots = Dictionary(primary.slots.map { ($0.name, $0.isActive) }, uniquingKeysWith: { $0 || $1 })
        let missing = replicaPods.filter { slots[ClusterNames.replicationSlot(forPod: $0)] == nil }
        let gone = slots.keys.sorted().compactMap { slot -> String? in
            guard slots[slot] == false, let pod = Self.pod(ofSlot: slot, names: names),
                let ordinal = names.ordinal(ofPod: pod), ordinal >= resolved.instances, !existing.contains(pod)
            else { return nil }
            return pod
        }
        if !missing.isEmpty || !gone.isEmpty {
            let action = InstanceAction.ensureSlots(pod: home, replicas: replicaPods, dropping: gone)
            actions.append(action)
            if !gone.isEmpty && !failures.contains(where: { $0.action == action }) {
                events.append(ClusterEvent(.normal, .slotsDropped, "dropped replication slots of removed pods: \(gone.map(ClusterNames.replicationSlot(forPod:)).joined(separator: ", "))"))
            }
        }
        let tls = Dictionary(instances.pods.map { ($0.pod.name, $0.pod.servesTLS) }, uniquingKeysWith: { first, _ in first })
        for replica in roles.replicas {
            let ssl = SSLMode.between(client: tls[replica] ?? false, server: tls[home] ?? false)
            actions.append(.streamFrom(pod: replica, upstream: home, user: user, ssl: ssl))
        }
    }

    /// The pod a slot belongs to: `<cluster>_<ordinal>` with the cluster's `-` written `_`.
    static func pod(ofSlot slot: String, names: ClusterNames) -> String? {
        guard let underscore = slot.lastIndex(of: "_"), let ordinal = Int(slot[slot.index(after: underscore)...]), ordinal >= 0 else {
            return nil
        }
        let pod = names.pod(ordinal)
        return ClusterNames.replicationSlot(forPod: pod) == slot ? pod : nil
    }
}
