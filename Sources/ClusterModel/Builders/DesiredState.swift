import KubeTypes

/// Every object Ordinal makes for one cluster, built purely from the resolved spec.
public struct DesiredState: Sendable {
    public var secrets: [Secret]
    public var configMap: ConfigMap
    /// The ConfigMap of the template's restart-bound settings (`<name>-config-<hash>`).
    public var revisionConfigMap: ConfigMap
    public var headlessService: Service
    public var statefulSet: StatefulSet
    public var readWriteService: Service
    public var readOnlyService: Service
    public var podDisruptionBudget: PodDisruptionBudget?
    /// `spec.networkPolicy`'s, when enabled.
    public var networkPolicy: NetworkPolicy?

    /// - Parameters:
    ///   - partition: the StatefulSet partition the operator drives (0 for a new cluster).
    ///   - passwords: draws the values of the Secrets; they are used only when a Secret is created.
    ///   - systemIdentifier: the cluster's identifier once it was bootstrapped (into the ConfigMap).
    ///   - rebuild: the ConfigMap's pending rebuild requests, if any.
    ///   - primary: the ConfigMap's primary when it is not pod 0.
    ///   - primarySSL: how pods reach the primary (else as TLS is on or off).
    ///   - contexts: `pg_settings.context` of the spec's parameters, from a running server.
    ///   - operatorNamespace: where the operator runs (its NetworkPolicy peer).
    public init(_ cluster: ResolvedCluster, partition: Int = 0, passwords: PasswordGenerator, systemIdentifier: String? = nil,
                rebuild: String? = nil, primary: String? = nil, primarySSL: SSLMode? = nil, contexts: [String: String] = [:],
                operatorNamespace: String = ClusterDefaults.operatorNamespace) {
        secrets = SecretBuilder.build(cluster, passwords: passwords)
        configMap = ConfigMapBuilder.build(
            cluster, systemIdentifier: systemIdentifier, rebuild: rebuild, primary: primary, primarySSL: primarySSL, contexts: contexts)
        revisionConfigMap = ConfigMapBuilder.revision(cluster, contexts: contexts)
        headlessService = ServiceBuilder.headless(cluster)
        statefulSet = StatefulSetBuilder.build(cluster, partition: partition, contexts: contexts)
        readWriteService = ServiceBuilder.readWrite(cluster)
        readOnlyService = ServiceBuilder.readOnly(cluster)
        podDisruptionBudget = PodDisruptionBudgetBuilder.build(cluster)
        networkPolicy = NetworkPolicyBuilder.build(cluster, operatorNamespace: operatorNamespace)
    }

    /// The objects in the order they are applied: what pods mount first, then the Service that
    /// names them, the StatefulSet, the routing Services, the disruption budget and the network policy.
    public var applyOrder: [any KubernetesResource] {
        var objects: [any KubernetesResource] = secrets
        objects.append(revisionConfigMap)
        objects.append(configMap)
        objects.append(headlessService)
        objects.append(statefulSet)
        objects.append(readWriteService)
        objects.append(readOnlyService)
        if let podDisruptionBudget { objects.append(podDisruptionBudget) }
        if let networkPolicy { objects.append(networkPolicy) }
        return objects
    }
}
