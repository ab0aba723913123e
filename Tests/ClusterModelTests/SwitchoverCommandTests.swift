import ClusterModel
import Foundation
import KubeTestServer
import KubeTypes
import Testing
@testable import OrdinalCLI

/// `ordinal switchover` and `ordinal status` against the API test server over HTTP, through a
/// kubeconfig file as a user's would be.
@Suite("switchover and status commands")
struct SwitchoverCommandTests {
    func setUp() async throws -> (KubeTestServer, String) {
        let server = try await KubeTestServer.start()
        server.register(PostgresCluster.self)
        var cluster = PostgresCluster(
            metadata: ObjectMeta(name: "orders", namespace: "shop"),
            spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi")))
        var status = PostgresClusterStatus()
        status.currentPrimary = "orders-0"
        status.primary = "orders-0"
        var failover = PrimaryChange(kind: .failover, from: "orders-1", to: "orders-0", reason: "orders-1 does not exist", startedAt: "2026-12-02T20:00:00Z")
        failover.candidates = [CandidatePosition(pod: "orders-0", receivedPosition: "0/5000060", replayedPosition: "0/5000060")]
        failover.bytesMayBeLost = 96
        failover.outcome = "Completed"
        status.lastFailover = failover
        cluster.status = status
        _ = try server.put(cluster)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ordinal-kubeconfig-\(UUID().uuidString)").path
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: test, cluster: {server: "\(server.url)"}}]
            users: [{name: test, user: {token: test-token}}]
            contexts: [{name: test, context: {cluster: test, user: test, namespace: shop}}]
            current-context: test
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return (server, path)
    }

    func failure(_ run: () async throws -> Void) async -> [String] {
        do {
            try await run()
            return []
        } catch let failure as ValidationFailure {
            return failure.lines
        } catch {
            return ["\(error)"]
        }
    }

    @Test("a switchover request becomes the ordinal.dev/primary annotation; a pod outside the cluster is refused")
    func switchoverSetsTheAnnotation() async throws {
        let (server, kubeconfig) = try await setUp()
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        let command = try SwitchoverCommand.parse(["orders", "--to", "orders-2", "--kubeconfig", kubeconfig])
        #expect(await failure { try await command.run() } == [])
        let stored = try #require(try server.object(PostgresCluster.self, namespace: "shop", name: "orders"))
        #expect(stored.metadata.annotations?[ClusterLabels.primaryAnnotation] == "orders-2")
        #expect(stored.spec.instances == 3, "nothing else changed")

        let outside = try SwitchoverCommand.parse(["orders", "--to", "orders-3", "--kubeconfig", kubeconfig])
        #expect(await failure { try await outside.run() } == ["--to orders-3 is not one of orders's instances (orders-0 ... orders-2)"])
        let missing = try SwitchoverCommand.parse(["payments", "--to", "payments-1", "--kubeconfig", kubeconfig, "-n", "shop"])
        #expect(await failure { try await missing.run() }.first?.hasPrefix("cannot read PostgresCluster shop/payments") == true)
    }

    @Test("status tells the primary and the last failover with its evidence")
    func statusTellsTheLastFailover() async throws {
        let (server, kubeconfig) = try await setUp()
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        let status = try #require(try server.object(PostgresCluster.self, namespace: "shop", name: "orders")?.status)
        let text = StatusCommand.text(status, cluster: "shop/orders")
        #expect(text.contains("primary orders-0 (held: orders-0)"))
        #expect(text.contains("last failover: orders-1 → orders-0"))
        #expect(text.contains("candidate orders-0: received 0/5000060"))
        #expect(text.contains("may have lost at least 96 bytes"))
        let json = try StatusCommand.parse(["orders", "-o", "json", "--kubeconfig", kubeconfig])
        #expect(await failure { try await json.run() } == [])
        let bad = try StatusCommand.parse(["orders", "-o", "yaml", "--kubeconfig", kubeconfig])
        #expect(await failure { try await bad.run() } == ["-o must be text or json, got yaml"])
    }
}
