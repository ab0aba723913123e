import KubeTypes

/// Builds the PodDisruptionBudget.
public enum PodDisruptionBudgetBuilder {
    /// `nil` when the user turned it off. `maxUnavailable` is at least 1, so a single-instance cluster
    /// never blocks a node drain forever; `AlwaysAllow` lets a drain evict a pod that is not ready
    /// (it serves nothing), so a broken instance cannot hold a node hostage either.
    public static func build(_ cluster: ResolvedCluster) -> PodDisruptionBudget? {
        guard cluster.podDisruptionBudgetEnabled else { return nil }
        var spec = PodDisruptionBudgetSpec()
        spec.maxUnavailable = .int(max(1, cluster.maxUnavailable))
        spec.selector = LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: cluster.name))
        spec.unhealthyPodEvictionPolicy = "AlwaysAllow"
        return PodDisruptionBudget(metadata: cluster.metadata(name: cluster.names.podDisruptionBudget), spec: spec)
    }
}
