import ClusterModel

extension InstanceFacts {
    /// What the planner needs of these facts, as plain values: the role, version, streaming
    /// state and lag of a reachable instance, its slots on a primary, or why it was not reached.
    public var report: InstanceReport {
        guard isReachable, let isInRecovery, let serverVersionNumber else {
            let failure = error.map { "\($0.code): \($0.serverMessage)" } ?? "the probe did not finish"
            return InstanceReport(podName: podName, failure: failure)
        }
        return InstanceReport(
            podName: podName,
            database: DatabaseFacts(
                isInRecovery: isInRecovery, serverVersionNumber: serverVersionNumber, isStreaming: isStreaming,
                lagBytes: lagBytes.map { Int64(clamping: $0) }, systemIdentifier: systemIdentifier),
            slots: replicationSlots.map { SlotFacts(name: $0.name, isActive: $0.isActive) })
    }
}
