extension SpecValidator {
    /// What admission may have missed, found by treating what is running as the old object of the
    /// transition rules: an object stored before a rule existed, or admitted by an API server that
    /// did not run it, is refused with the same sentence `kubectl apply` would have shown.
    ///
    /// The old object is `cluster` with `spec.postgresVersion` set to `status.currentVersion`
    /// (the version the instances report) and `spec.storage.size` set to `liveVolumeSize` (the
    /// storage request of the live StatefulSet's volume claim template), each only when known.
    /// Every other field is the same on both sides, so only the rules on those two fields can fail:
    /// ``SpecRules/majorVersion`` and ``SpecRules/storageShrink``.
    ///
    /// - Parameters:
    ///   - cluster: the stored object, with its status.
    ///   - liveVolumeSize: the live StatefulSet's `volumeClaimTemplates[0]` storage request, or `nil`
    ///     when there is no StatefulSet yet.
    public static func liveStateErrors(in cluster: PostgresCluster, liveVolumeSize: String?) -> [FieldError] {
        var running = cluster
        if let version = cluster.status?.currentVersion, !version.isEmpty {
            running.spec.postgresVersion = version
        }
        if let size = liveVolumeSize, !size.isEmpty {
            running.spec.storage.size = size
        }
        return transitionErrors(from: running, to: cluster)
    }
}
