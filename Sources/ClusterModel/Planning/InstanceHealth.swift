/// Whether one instance is what it should be, and if not, what it waits for.
public enum InstanceHealth {
    /// `nil` when the instance is healthy for its place in the cluster (the primary, or a
    /// replica streaming from it with lag at most `maxLagBytes`), else why not.
    ///
    /// - Parameters:
    ///   - revision: the revision the pod must run, or `nil` for any.
    ///   - version: the version PostgreSQL must report, or `nil` for any.
    ///   - isPrimary: the instance should be the primary (default: ordinal 0, the primary's home).
    public static func problem(
        _ instance: InstanceObservation?, ordinal: Int, podName: String,
        revision: String?, version: PostgresVersion?, maxLagBytes: Int64, isPrimary: Bool? = nil
    ) -> String? {
        guard let instance else { return "\(podName) does not exist yet" }
        if let revision, instance.revision != revision {
            return "\(podName) runs revision \(instance.revision ?? "none"), waiting for \(revision)"
        }
        guard instance.isPodReady else { return "\(podName) is not Ready" }
        guard let database = instance.database else {
            return "\(podName): PostgreSQL is not reachable (\(instance.unreachableReason ?? "no answer"))"
        }
        if let problem = instance.identityProblem { return problem }
        if let version {
            let reported = database.version
            let matches = reported.major == version.major && (version.minor == nil || reported.minor == version.minor)
            if !matches { return "\(podName) reports PostgreSQL \(reported), expected \(version)" }
        }
        if isPrimary ?? (ordinal == 0) {
            if database.isInRecovery { return "\(podName) is in recovery, expected the primary" }
        } else {
            if !database.isInRecovery { return "\(podName) is not in recovery, expected a replica" }
            if !database.isStreaming { return "\(podName) is not streaming from the primary" }
            guard let lag = database.lagBytes else { return "\(podName): replication lag is not known yet" }
            if lag > maxLagBytes { return "\(podName) lags \(lag) bytes behind the primary (limit \(maxLagBytes))" }
        }
        return nil
    }
}
