/// The cluster's pods joined with what their PostgreSQL reported, ordered by ordinal.
struct InstanceSet {
    let names: ClusterNames
    /// Pods of this cluster (a name with an ordinal), by ordinal.
    let pods: [(ordinal: Int, pod: PodObservation)]
    /// Reports of the pods above.
    let reports: [InstanceReport]
    /// Which cluster's data each instance holds.
    let identity: ClusterIdentity
    /// Reports of reachable instances whose identity is not in doubt: the only ones that may
    /// decide roles.
    let trustedReports: [InstanceReport]
    /// One observation per pod, for the rollout and status.
    let observations: [InstanceObservation]

    init(observation: ClusterObservation, names: ClusterNames) {
        self.names = names
        pods = observation.pods
            .compactMap { pod in names.ordinal(ofPod: pod.name).map { (ordinal: $0, pod: pod) } }
            .sorted { $0.ordinal < $1.ordinal }
        let podNames = Set(pods.map(\.pod.name))
        var byPod: [String: InstanceReport] = [:]
        for report in observation.reports where podNames.contains(report.podName) && byPod[report.podName] == nil {
            byPod[report.podName] = report
        }
        reports = pods.compactMap { byPod[$0.pod.name] }
        let identity = ClusterIdentity(recorded: observation.cluster.status?.systemIdentifier, reports: reports)
        self.identity = identity
        trustedReports = reports.filter { identity.problem($0) == nil }
        observations = pods.map { ordinal, pod in
            let report = byPod[pod.name]
            let reason = pod.bootstrapFailure ?? pod.startFailure.map { "\(Reason.containerCannotStart.rawValue): \($0)" }
                ?? report?.failure ?? observation.probeBlocked
                ?? (report == nil ? "pod has no address yet" : nil)
            return InstanceObservation(
                ordinal: ordinal, podName: pod.name, isPodReady: pod.isReady, revision: pod.revision,
                database: report?.database, unreachableReason: report?.database == nil ? reason : nil,
                identityProblem: report.flatMap(identity.problem))
        }
        reportsByPod = byPod
    }

    private let reportsByPod: [String: InstanceReport]

    /// The report of `pod`, if it was probed.
    func report(_ pod: String) -> InstanceReport? { reportsByPod[pod] }

    /// Every pod name.
    var podNames: [String] { pods.map(\.pod.name) }
}
