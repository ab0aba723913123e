import ClusterModel
import KubeTypes
import Testing

/// `spec.networkPolicy`: off by default; on, only the cluster's pods, the operator's namespace
/// and the named peers reach port 5432.
@Suite("NetworkPolicy")
struct NetworkPolicyBuilderTests {
    static func cluster(_ settings: NetworkPolicySettings?) -> ResolvedCluster {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.networkPolicy = settings
        return ResolvedCluster(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "u1"), spec: spec))
    }

    @Test func offByDefault() {
        #expect(NetworkPolicyBuilder.build(Self.cluster(nil), operatorNamespace: "ordinal-system") == nil)
        #expect(DesiredState(Self.cluster(nil), passwords: .deterministic(seed: 1)).networkPolicy == nil)
    }

    @Test func onItLetsInThePodsTheOperatorAndTheNamedPeersToPostgreSQLOnly() throws {
        let peer = NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["team": "shop"]))
        let policy = try #require(NetworkPolicyBuilder.build(Self.cluster(NetworkPolicySettings(enabled: true, from: [peer])), operatorNamespace: "ops"))
        #expect(policy.metadata.name == "orders" && policy.metadata.namespace == "shop")
        #expect(policy.metadata.labels?[ClusterLabels.managedBy] == ClusterLabels.managedByValue)
        #expect(policy.metadata.ownerReferences?.first?.uid == "u1")
        let spec = try #require(policy.spec)
        #expect(spec.podSelector.matchLabels == ClusterLabels.podSelector(cluster: "orders"))
        #expect(spec.policyTypes == ["Ingress"])
        let rule = try #require(spec.ingress?.first)
        #expect(spec.ingress?.count == 1)
        #expect(rule.ports == [NetworkPolicyPort(protocol: "TCP", port: .int(5432))])
        #expect(rule.from == [
            NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: "orders"))),
            NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["kubernetes.io/metadata.name": "ops"])),
            peer,
        ])
    }

    @Test func thePlannerAppliesItAndDeletesItWhenTurnedOff() {
        var observation = ClusterObservation(cluster: PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "u1", generation: 1),
            spec: { var spec = PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
                    spec.networkPolicy = NetworkPolicySettings(enabled: true); return spec }()), now: 1_000_000)
        observation.operatorNamespace = "ops"
        let on = ClusterPlanner.plan(observation)
        #expect(on.objects.contains { if case .networkPolicy = $0 { true } else { false } })
        #expect(on.networkPolicyToDelete == nil)
        observation.cluster.spec.networkPolicy = NetworkPolicySettings(enabled: false)
        observation.hasNetworkPolicy = true
        let off = ClusterPlanner.plan(observation)
        #expect(!off.objects.contains { if case .networkPolicy = $0 { true } else { false } })
        #expect(off.networkPolicyToDelete == "orders")
    }
}
