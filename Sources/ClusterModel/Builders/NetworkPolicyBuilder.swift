import KubeTypes

/// Builds `<name>`, the NetworkPolicy of `spec.networkPolicy`: the cluster's pods accept
/// connections to port 5432 only from each other (replication, clones, rewinds), from the
/// operator's namespace (probes and actions), and from the peers the spec names. Nothing else
/// of the pods is reachable (they listen on 5432 only; the kubelet's probes run in the pod).
public enum NetworkPolicyBuilder {
    /// `nil` unless `spec.networkPolicy.enabled`.
    public static func build(_ cluster: ResolvedCluster, operatorNamespace: String) -> NetworkPolicy? {
        guard cluster.networkPolicyEnabled else { return nil }
        let pods = LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: cluster.name))
        var peers = [
            NetworkPolicyPeer(podSelector: pods),
            NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["kubernetes.io/metadata.name": operatorNamespace])),
        ]
        peers += cluster.networkPolicyPeers
        let rule = NetworkPolicyIngressRule(
            from: peers, ports: [NetworkPolicyPort(protocol: "TCP", port: .int(ClusterDefaults.port))])
        return NetworkPolicy(
            metadata: cluster.metadata(name: cluster.names.networkPolicy),
            spec: NetworkPolicySpec(podSelector: pods, policyTypes: ["Ingress"], ingress: [rule]))
    }
}
