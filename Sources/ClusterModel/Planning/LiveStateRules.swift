import KubeTypes

extension ClusterPlanner {
    /// What admission may have missed (older API servers, objects stored before a rule existed),
    /// checked against what runs: the same transition rules the CRD holds, with the running
    /// version and the live volume size as the old values (``SpecValidator/liveStateErrors(in:liveVolumeSize:)``).
    static func liveStateErrors(_ observation: ClusterObservation) -> [FieldError] {
        SpecValidator.liveStateErrors(
            in: observation.cluster,
            liveVolumeSize: observation.statefulSet?.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"])
    }
}
