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
}
