import ClusterModel
import KubeTypes
@testable import Operator
import Testing

/// A round that starts before the watch delivered the last round's own status write decides
/// from that write, not from the status it replaced.
@Suite("The last status written")
struct WrittenStatusTests {
    func cluster(version: String, primary: String?) -> PostgresCluster {
        var cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop", resourceVersion: version),
            spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi")))
        var status = PostgresClusterStatus()
        status.currentPrimary = primary
        cluster.status = status
        return cluster
    }

    @Test func aStaleCacheYieldsTheWrittenObjectUntilItCatchesUp() {
        let written = WrittenStatus()
        let key = ClusterKey(namespace: "shop", name: "orders")
        let before = cluster(version: "10", primary: "orders-1")
        let after = cluster(version: "11", primary: "orders-0")
        #expect(written.current(key, cached: before) == before, "nothing written yet")
        written.record(key, before: before, after: after)
        #expect(written.current(key, cached: before).status?.currentPrimary == "orders-0", "the cache still holds the replaced version")
        #expect(written.current(key, cached: after) == after)
        #expect(written.current(key, cached: before) == before, "once caught up, the entry is gone")
        written.record(key, before: before, after: after)
        let newer = cluster(version: "12", primary: "orders-0")
        #expect(written.current(key, cached: newer) == newer, "a newer version is used as it is")
    }
}
