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

/// Where the pods' TLS files come from.
@Suite("TLS mount")
struct TLSMountTests {
    static func volume(_ tls: TLSSpec?) -> Volume? {
        var spec = PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.tls = tls
        let cluster = ResolvedCluster(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop"), spec: spec))
        return StatefulSetBuilder.build(cluster).spec?.template.spec?.volumes?.first { $0.name == PodLayout.tlsVolume }
    }

    @Test func ordinalsOrTheUsersServerSecretWithItsCAOrTheCASecretTheUserNames() throws {
        let own = try #require(Self.volume(nil))
        #expect(own.secret?.secretName == "orders-server" && own.secret?.items?.map(\.key) == ["tls.crt", "tls.key", "ca.crt"])
        #expect(own.secret?.defaultMode == 0o640)
        let users = try #require(Self.volume(TLSSpec(serverSecretName: "mine")))
        #expect(users.secret?.secretName == "mine")
        // With a CA Secret, ca.crt comes from it: the server Secret need not have one.
        let split = try #require(Self.volume(TLSSpec(serverSecretName: "mine", caSecretName: "my-ca")))
        #expect(split.secret == nil)
        #expect(split.projected?.sources.map { $0.secret?.name } == ["mine", "my-ca"])
        #expect(split.projected?.sources.first?.secret?.items?.map(\.key) == ["tls.crt", "tls.key"])
        #expect(split.projected?.sources.last?.secret?.items?.map(\.key) == ["ca.crt"])
        #expect(split.projected?.defaultMode == 0o640)
        #expect(Self.volume(TLSSpec(enabled: false)) == nil)
    }
}
