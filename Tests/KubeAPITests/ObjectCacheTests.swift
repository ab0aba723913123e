@testable import KubeAPI
import KubeTypes
import Testing

/// What goes into the cache comes out: gets, selected lists, versions and change events.
@Suite("Object cache")
struct ObjectCacheTests {
    static func pod(_ name: String, role: String, version: String) -> Pod {
        var pod = Pod(
            metadata: ObjectMeta(name: name, namespace: "shop", uid: "uid-\(name)", resourceVersion: version,
                                 labels: ["ordinal.dev/cluster": "orders", "ordinal.dev/role": role],
                                 annotations: ["note": "ünïcode \"quoted\" \\ back"]),
            spec: PodSpec(containers: [Container(name: "postgres", image: "postgres:16.4")]),
            status: PodStatus(phase: "Running", podIP: "10.0.0.1", conditions: [PodCondition(type: "Ready", status: "True")]))
        pod.status?.containerStatuses = [ContainerStatus(name: "postgres", ready: true, restartCount: 3, image: "postgres:16.4")]
        pod.status?.containerStatuses?[0].state = ["running": ["startedAt": "2026-12-01T00:00:00Z"]]
        return pod
    }

    @Test func objectsComeBackExactlyAsTheyWent() {
        let cache = ObjectCache<Pod>()
        let first = Self.pod("orders-0", role: "primary", version: "10")
        let second = Self.pod("orders-1", role: "replica", version: "11")
        _ = cache.replace(with: [second, first], resourceVersion: "11")
        #expect(cache.get(name: "orders-0", namespace: "shop") == first)
        #expect(cache.list(namespace: "shop") == [first, second])
        #expect(cache.list(namespace: "shop", labelSelector: LabelSelector(matchLabels: ["ordinal.dev/role": "replica"])) == [second])
        #expect(cache.list(namespace: "other").isEmpty)
        #expect(Set(cache.versions().map { "\($0.name)@\($0.resourceVersion ?? "")" }) == ["orders-0@10", "orders-1@11"])
    }

    @Test func eventsCarryTheOldAndNewObjects() {
        let cache = ObjectCache<Pod>()
        let old = Self.pod("orders-0", role: "replica", version: "1")
        let new = Self.pod("orders-0", role: "primary", version: "2")
        _ = cache.replace(with: [old], resourceVersion: "1")
        guard case .updated(let before, let after)? = cache.apply(.modified(new)) else {
            Issue.record("a modification is an update")
            return
        }
        #expect(before == old && after == new)
        #expect(cache.get(name: "orders-0", namespace: "shop") == new)
        guard case .deleted(let gone)? = cache.apply(.deleted(new)) else {
            Issue.record("a deletion is reported")
            return
        }
        #expect(gone == new)
        #expect(cache.count == 0)
    }

    @Test func anIndexedListFollowsRelabelsMovesAndDeletions() {
        let cache = ObjectCache<Pod>(indexLabel: "ordinal.dev/cluster")
        func pod(_ name: String, namespace: String = "shop", cluster: String?, version: String) -> Pod {
            Pod(metadata: ObjectMeta(name: name, namespace: namespace, resourceVersion: version,
                                     labels: cluster.map { ["ordinal.dev/cluster": $0, "app": "pg"] } ?? ["app": "pg"]))
        }
        func names(_ cluster: String, in namespace: String = "shop") -> [String] {
            cache.list(namespace: namespace, labelSelector: LabelSelector(matchLabels: ["ordinal.dev/cluster": cluster, "app": "pg"]))
                .map { $0.metadata.name ?? "" }
        }
        _ = cache.replace(with: [pod("orders-1", cluster: "orders", version: "2"), pod("orders-0", cluster: "orders", version: "1"),
                                 pod("carts-0", cluster: "carts", version: "3"), pod("orders-0", namespace: "other", cluster: "orders", version: "4")],
                          resourceVersion: "4")
        #expect(names("orders") == ["orders-0", "orders-1"])
        #expect(names("orders", in: "other") == ["orders-0"])
        #expect(names("carts") == ["carts-0"])
        // Relabelled into another cluster's group, then out of every group.
        _ = cache.apply(.modified(pod("orders-1", cluster: "carts", version: "5")))
        #expect(names("orders") == ["orders-0"])
        #expect(names("carts") == ["carts-0", "orders-1"])
        _ = cache.apply(.modified(pod("carts-0", cluster: nil, version: "6")))
        #expect(names("carts") == ["orders-1"])
        #expect(cache.list(namespace: "shop").count == 3)
        _ = cache.apply(.deleted(pod("orders-0", cluster: "orders", version: "7")))
        #expect(names("orders").isEmpty)
        #expect(names("orders", in: "other") == ["orders-0"])
        // A relist rebuilds the groups from what the server has.
        _ = cache.replace(with: [pod("orders-2", cluster: "orders", version: "8")], resourceVersion: "8")
        #expect(names("orders") == ["orders-2"])
        #expect(names("carts").isEmpty)
        #expect(cache.list(namespace: "other").isEmpty)
        #expect(cache.list().map { $0.metadata.name ?? "" } == ["orders-2"])
    }
}
