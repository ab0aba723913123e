import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import Operator
import Testing

/// Whole operator processes against one API server: caches that run on standbys, a takeover from
/// a warm cache, graceful shutdown, a lost Lease. Every wait is for an event or a count, with a
/// generous limit; nothing is timed.
@Suite("Leader change from warm caches")
struct LeaderChangeTests {
    static let names = ["orders", "billing", "stock"]
    static var keys: Set<ClusterKey> { Set(names.map { ClusterKey(namespace: "shop", name: $0) }) }

    func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
        throw HarnessError(message: "timed out waiting for \(what)")
    }

    func serverWithClusters() async throws -> KubeTestServer {
        let server = try await KubeTestServer.start()
        for (index, name) in Self.names.enumerated() {
            _ = try server.put(PostgresCluster(
                metadata: ObjectMeta(name: name, namespace: "shop", uid: "uid-\(index)"),
                spec: PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))))
        }
        return server
    }

    func holder(_ server: KubeTestServer) throws -> String? {
        try server.object(Lease.self, namespace: ProcessUnderTest.lease.namespace, name: ProcessUnderTest.lease.name)?.spec?.holderIdentity
    }

    /// A leader that has reconciled every cluster, and a standby started after it.
    func leaderAndStandby(_ server: KubeTestServer) async throws -> (ProcessUnderTest, ProcessUnderTest) {
        let leader = ProcessUnderTest.start("operator-a", server: server)
        try await eventually("operator-a leads") { leader.metrics.isLeader }
        try await eventually("the leader reconciled every cluster") { leader.reconciled() == Self.keys }
        let standby = ProcessUnderTest.start("operator-b", server: server)
        try await eventually("the standby's caches synced") { standby.events.contains(.cachesSynced) }
        return (leader, standby)
    }

    @Test(.timeLimit(.minutes(2)))
    func standbyCachesAreSyncedAndReadyBeforeItWinsTheLease() async throws {
        let server = try await serverWithClusters()
        let (leader, standby) = try await leaderAndStandby(server)
        defer { leader.cancel(); standby.cancel(); Task { await server.shutdown() } }

        // Synced while the other process holds the Lease: nothing reconciled, not leading.
        #expect(try holder(server) == "operator-a")
        #expect(!standby.metrics.isLeader)
        #expect(!standby.events.contains(.leading))
        #expect(standby.reconciled().isEmpty)
        #expect(standby.caches.isSynced)
        #expect(Set(standby.caches.clusters.all().compactMap(\.metadata.name)) == Set(Self.names))
        // It follows what the leader writes.
        try await eventually("the standby's cache holds the leader's StatefulSets") {
            standby.caches.statefulSets.all().count == Self.names.count
        }
        // A standby is ready: /readyz answers 200 once its caches are synced.
        let port = try #require(standby.process.endpoints.boundPort)
        #expect(try EndpointTests.get(port: port, path: "/readyz").status == "HTTP/1.1 200 OK")
        #expect(try EndpointTests.get(port: port, path: "/healthz").status == "HTTP/1.1 200 OK")

        await leader.shutDownGracefully()
        try await leader.finished()
        try await eventually("the standby leads") { standby.events.contains(.leading) }
        let events = standby.events
        let synced = try #require(events.firstIndex(of: .cachesSynced))
        let leading = try #require(events.firstIndex(of: .leading))
        #expect(synced < leading)
    }

    @Test(.timeLimit(.minutes(2)))
    func newLeaderReconcilesEveryClusterFromTheWarmCacheWithoutAList() async throws {
        let server = try await serverWithClusters()
        let (leader, standby) = try await leaderAndStandby(server)
        defer { leader.cancel(); standby.cancel(); Task { await server.shutdown() } }
        try await eventually("the standby's cache holds the leader's StatefulSets") {
            standby.caches.statefulSets.all().count == Self.names.count
        }

        server.resetRequests()
        await leader.shutDownGracefully()
        try await leader.finished()
        try await eventually("the new leader reconciled every cluster") { standby.reconciled() == Self.keys }
        #expect(standby.metrics.isLeader)
        #expect(try holder(server) == "operator-b")
        // The takeover read the Lease and nothing else in bulk: the informers kept their watches.
        let lists = server.requests.filter { $0.verb == "list" }
        #expect(lists.isEmpty, "LIST after the leader change: \(lists.map(\.path))")
    }

    @Test(.timeLimit(.minutes(2)))
    func gracefulShutdownReleasesTheLeaseAndEndsTheRun() async throws {
        let server = try await serverWithClusters()
        let (leader, standby) = try await leaderAndStandby(server)
        defer { leader.cancel(); standby.cancel(); Task { await server.shutdown() } }

        // A standby shuts down at once, leaving the Lease to the leader.
        await standby.shutDownGracefully()
        try await standby.finished()
        #expect(try holder(server) == "operator-a")
        #expect(!standby.events.contains(.leading))

        // The leader finishes its term, releases the Lease, and its run returns.
        await leader.shutDownGracefully()
        try await leader.finished()
        #expect(leader.events.last == .leadershipEnded(.released))
        #expect(!leader.metrics.isLeader)
        #expect(try holder(server) == nil)
    }

    @Test(.timeLimit(.minutes(2)))
    func lostLeaseStopsReconcilingWhileTheCachesKeepRunning() async throws {
        let server = try await serverWithClusters()
        let process = ProcessUnderTest.start("operator-a", server: server)
        defer { process.cancel(); Task { await server.shutdown() } }
        try await eventually("operator-a leads") { process.metrics.isLeader }
        try await eventually("the leader reconciled every cluster") { process.reconciled() == Self.keys }

        // Someone else takes the Lease, for long.
        var stolen = try #require(try server.object(Lease.self, namespace: ProcessUnderTest.lease.namespace, name: ProcessUnderTest.lease.name))
        stolen.spec?.holderIdentity = "intruder"
        stolen.spec?.leaseDurationSeconds = 3600
        _ = try server.put(stolen)
        try await eventually("the term ends as lost") { process.events.contains(.leadershipEnded(.lost)) }
        #expect(!process.metrics.isLeader)
        let afterLoss = process.events.count

        // A new cluster reaches the cache, and is not reconciled.
        _ = try server.put(PostgresCluster(
            metadata: ObjectMeta(name: "later", namespace: "shop", uid: "uid-later"),
            spec: PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))))
        try await eventually("the cache holds the new cluster") { process.caches.clusters.get(namespace: "shop", name: "later") != nil }
        #expect(process.reconciled(since: afterLoss).isEmpty)
        #expect(try server.object(StatefulSet.self, namespace: "shop", name: "later") == nil)
        #expect(try holder(server) == "intruder")
    }
}
