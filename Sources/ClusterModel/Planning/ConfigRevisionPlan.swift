import KubeTypes

/// Which revision ConfigMaps (`<name>-config-<hash>`) to remove: those of revisions no pod
/// reads, once none can be made again. The StatefulSet makes a pod below the partition from its
/// current revision, so an old revision's ConfigMap stays until the walk is over: the live
/// StatefulSet has the desired template, has observed it, its current revision is its update
/// revision, and every pod of the cluster reads the desired configuration.
enum ConfigRevisionPlan {
    static func stale(resolved: ResolvedCluster, observation: ClusterObservation, desired: DesiredState) -> [String] {
        let wanted = desired.revisionConfigMap.metadata.name ?? ""
        let revisions = observation.configMaps.filter { ConfigMapBuilder.isRevision($0, of: resolved) && $0 != wanted }
        guard !revisions.isEmpty, let live = observation.statefulSet, let status = live.status else { return [] }
        let desiredTemplate = desired.statefulSet.metadata.annotations?[ClusterLabels.templateHashAnnotation]
        let desiredHash = desired.statefulSet.spec?.template.metadata?.annotations?[ClusterLabels.configHashAnnotation]
        guard live.metadata.annotations?[ClusterLabels.templateHashAnnotation] == desiredTemplate,
              status.observedGeneration == live.metadata.generation,
              status.currentRevision != nil, status.currentRevision == status.updateRevision,
              observation.pods.allSatisfy({ $0.configHash == desiredHash })
        else { return [] }
        return revisions.sorted()
    }
}
