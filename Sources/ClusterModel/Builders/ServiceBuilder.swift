import KubeTypes

/// Builds the cluster's three Services: headless (stable pod DNS), `-rw` (the primary) and `-ro` (replicas).
public enum ServiceBuilder {
    static func port() -> ServicePort {
        ServicePort(name: "postgresql", port: ClusterDefaults.port, targetPort: .string("postgresql"), protocol: "TCP")
    }

    /// `<name>-headless`: gives every pod `<pod>.<name>-headless.<ns>.svc.cluster.local`, ready or not,
    /// so replicas can reach pod 0 while it starts and the operator can probe every instance.
    public static func headless(_ cluster: ResolvedCluster) -> Service {
        var spec = ServiceSpec()
        spec.clusterIP = "None"
        spec.publishNotReadyAddresses = true
        spec.selector = ClusterLabels.podSelector(cluster: cluster.name)
        spec.ports = [port()]
        return Service(metadata: cluster.metadata(name: cluster.names.headlessService), spec: spec)
    }

    /// `<name>-rw`: selects the one pod labelled primary by the operator.
    public static func readWrite(_ cluster: ResolvedCluster) -> Service {
        routing(cluster, name: cluster.names.readWriteService, role: ClusterLabels.primaryRole)
    }

    /// `<name>-ro`: selects the pods labelled replica.
    public static func readOnly(_ cluster: ResolvedCluster) -> Service {
        routing(cluster, name: cluster.names.readOnlyService, role: ClusterLabels.replicaRole)
    }

    private static func routing(_ cluster: ResolvedCluster, name: String, role: String) -> Service {
        var spec = ServiceSpec()
        spec.type = "ClusterIP"
        spec.selector = ClusterLabels.podSelector(cluster: cluster.name).merging([ClusterLabels.role: role]) { $1 }
        spec.ports = [port()]
        return Service(metadata: cluster.metadata(name: name), spec: spec)
    }
}
