import ClusterModel

extension InstanceFacts {
    /// What the planner needs of these facts, as plain values: the role, version, streaming
    /// state and lag of a reachable instance, its slots on a primary, or why it was not reached.
    public var report: InstanceReport {
        var report = plainReport
        report.monitorRefused = monitorError?.code == .authenticationFailed
        report.database?.parameterContexts = parameterContexts
        report.database?.limits = limits
        report.database?.archiver = archiver
        return report
    }

    private var plainReport: InstanceReport {
        guard isReachable, let isInRecovery, let serverVersionNumber else {
            let failure = error.map { "\($0.code): \($0.serverMessage)" } ?? "the probe did not finish"
            return InstanceReport(podName: podName, failure: failure, authenticationRefused: error?.code == .authenticationFailed)
        }
        return InstanceReport(
            podName: podName,
            database: DatabaseFacts(
                isInRecovery: isInRecovery, serverVersionNumber: serverVersionNumber, isStreaming: isStreaming,
                lagBytes: lagBytes.map { Int64(clamping: $0) }, systemIdentifier: systemIdentifier,
                timeline: timeline, replayPosition: (replayLSN ?? receiveLSN).map { Int64(clamping: $0.value) },
                oldestWALPosition: oldestWAL.map { Int64(clamping: $0.value) },
                walPosition: (isInRecovery ? receiveLSN : currentLSN).map { Int64(clamping: $0.value) },
                isReadOnlyByDefault: isReadOnlyByDefault, passfileDigest: passfileDigest,
                pendingRestart: pendingRestart, replayLagSeconds: replayLagSeconds, reloadFile: reloadFile,
                reloadPending: reloadPending),
            slots: replicationSlots.map { slot in
                SlotFacts(
                    name: slot.name, isActive: slot.isActive, walStatus: slot.walStatus,
                    retainedBytes: currentLSN.flatMap { head in slot.restartLSN.map { Int64(clamping: head.bytes(since: $0)) } })
            })
    }
}
