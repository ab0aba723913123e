import ClusterModel
import KubeTypes
@testable import Operator
import PostgresTestSupport
import Foundation
import Testing

/// Per-instance metrics from what the probes read, scraped over HTTP from `/metrics` and parsed.
@Suite("Per-instance metrics with real PostgreSQL", .serialized,
       .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"))
struct LiveMetricsTests {
    /// The samples of a scrape: `name{labels}` → value, comments skipped; fails on a malformed line.
    static func parse(_ body: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw HarnessError(message: "not a sample line: \(line)")
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func labels(_ pod: String) -> String { "namespace=\"shop\",cluster=\"orders\",pod=\"\(pod)\"" }

    @Test func instancesAreScrapedWithRoleLagSlotsAndPendingRestart() async throws {
        let cluster = try await PostgresTestCluster.start(name: "orders", replicas: 2)
        defer { Task { await cluster.shutdown() } }
        let harness = try await LivePostgresTests.harness(for: cluster, failoverDelay: 3600)
        defer { Task { await harness.stop() } }
        try await LivePostgresTests.reconcileUntilHealthy(harness)
        let (open, server) = try await EndpointTests.serve(harness.metrics)
        defer { server.cancel() }
        func scrape() throws -> [String: Double] {
            let response = try EndpointTests.get(port: open, path: "/metrics")
            #expect(response.status == "HTTP/1.1 200 OK")
            return try Self.parse(response.body)
        }

        var samples = try scrape()
        for pod in ["orders-0", "orders-1", "orders-2"] {
            #expect(samples["ordinal_instance_up{\(Self.labels(pod))}"] == 1)
            #expect(samples["ordinal_instance_primary{\(Self.labels(pod))}"] == (pod == "orders-0" ? 1 : 0))
            #expect(samples["ordinal_instance_pending_restart{\(Self.labels(pod))}"] == 0)
            let seen = try #require(samples["ordinal_instance_last_probe_success_timestamp_seconds{\(Self.labels(pod))}"])
            #expect(abs(seen - Date().timeIntervalSince1970) < 60)
        }
        for replica in ["orders-1", "orders-2"] {
            #expect(samples["ordinal_instance_replication_lag_bytes{\(Self.labels(replica))}"] != nil)
            #expect((samples["ordinal_instance_replication_lag_seconds{\(Self.labels(replica))}"] ?? -1) >= 0)
            let slot = "orders_" + replica.dropFirst("orders-".count)
            #expect(samples["ordinal_replication_slot_retained_bytes{\(Self.labels("orders-0")),slot=\"\(slot)\"}"] != nil)
        }
        #expect(samples["ordinal_instance_replication_lag_bytes{\(Self.labels("orders-0"))}"] == nil, "a primary has no lag")

        // A setting that needs a restart, changed on one standby: pending there only, in
        // metrics and in status.
        _ = try await cluster.replicas[0].psql("ALTER SYSTEM SET max_connections = 150")
        _ = try await cluster.replicas[0].psql("SELECT pg_reload_conf()")
        try await cluster.replicas[0].waitFor("SELECT count(*) FROM pg_settings WHERE pending_restart", toPrint: "1")
        _ = try await harness.reconcile()
        samples = try scrape()
        #expect(samples["ordinal_instance_pending_restart{\(Self.labels("orders-1"))}"] == 1)
        #expect(samples["ordinal_instance_pending_restart{\(Self.labels("orders-2"))}"] == 0)
        #expect(try harness.cluster()?.status?.instanceStatus?.first { $0.name == "orders-1" }?.pendingRestart == true)

        // A standby stopped: down, its last success kept.
        let before = samples["ordinal_instance_last_probe_success_timestamp_seconds{\(Self.labels("orders-2"))}"]
        try await cluster.replicas[1].stop()
        _ = try await harness.reconcile()
        samples = try scrape()
        #expect(samples["ordinal_instance_up{\(Self.labels("orders-2"))}"] == 0)
        #expect(samples["ordinal_instance_last_probe_success_timestamp_seconds{\(Self.labels("orders-2"))}"] == before)
    }
}
