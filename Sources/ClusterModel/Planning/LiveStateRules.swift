import KubeTypes

extension ClusterPlanner {
    /// What admission may have missed (older API servers, objects stored before a rule existed),
    /// checked against the live state: the operator refuses anything it cannot do safely.
    static func liveStateErrors(_ observation: ClusterObservation) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = observation.cluster.spec
        if let running = observation.cluster.status?.currentVersion.flatMap(PostgresVersion.init),
            let wanted = PostgresVersion(spec.postgresVersion), running.major != wanted.major
        {
            errors.append(FieldError(
                field: "spec.postgresVersion",
                message: "the cluster runs PostgreSQL \(running.major); a change to \(wanted.major) cannot be rolled out in place. Set the version back to \(running.major).x, or create a new cluster and migrate"))
        }
        if let size = observation.statefulSet?.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"],
            let liveSize = Quantity(size), let wanted = Quantity(spec.storage.size), wanted < liveSize
        {
            errors.append(FieldError(field: "spec.storage.size", message: "cannot shrink from \(liveSize) to \(wanted): volumes can only grow"))
        }
        return errors
    }
}
