/// The reload part of a plan: parameters a reload applies go to every instance at once, with no
/// restart and no walk.
///
/// They live in the ConfigMap's reload file, which every pod mounts; the kubelet brings a new
/// version to each pod a little later. An instance whose file (as PostgreSQL parses it,
/// `pg_file_settings`) says what the spec says and has something a reload would change is
/// reloaded; one whose file does not say it yet is waited for, and looked at again soon.
/// Which parameters a reload applies is PostgreSQL's word (``ParameterContexts``).
struct ReloadPlan {
    var actions: [InstanceAction] = []
    var events: [ClusterEvent] = []
    /// Instances whose reload file does not say the spec yet (the kubelet has not delivered it).
    var waiting: [String] = []

    init(resolved: ResolvedCluster, observation: ClusterObservation, instances: InstanceSet, roles: RoleDecision) {
        let reload = ParameterContexts.split(resolved.parameters, reported: observation.parameterContexts).reload
        var wanted: [String: String] = [:]
        for (name, value) in reload { wanted[name.lowercased()] = value }
        var reloaded: [String] = []
        for pod in ([roles.primary].compactMap { $0 } + roles.replicas) {
            guard let facts = instances.report(pod)?.database else { continue }
            guard (facts.reloadFile ?? [:]) == wanted else {
                waiting.append(pod)
                continue
            }
            if facts.reloadPending {
                actions.append(.reloadConfiguration(pod: pod))
                reloaded.append(pod)
            }
        }
        if !reloaded.isEmpty {
            let names = reload.keys.sorted().joined(separator: ", ")
            events.append(ClusterEvent(.normal, .configurationReloaded,
                                       "reloaded the configuration on \(reloaded.joined(separator: ", ")) (reload-only settings: \(names.isEmpty ? "none" : names))"))
        }
    }
}
