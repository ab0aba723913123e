// failover-bench: write downtime of a failover and of the switchover home, through the
// operator's real controller loop (work queue, requeue intervals, event-driven reconciles),
// the API test server standing in for Kubernetes and three real PostgreSQL servers for pods.
//
// Each repetition, for each delaySeconds: a client writes one row at a time to whichever pod
// carries the primary label (as through the -rw Service); the primary's server is killed
// (immediate shutdown); `kubelet` seconds later its pod is marked not Ready (the readiness
// probe's detection: period 2 s x 2 failures = at most 4 s); the operator fails over. The
// failover figure is the longest gap between two acknowledged writes: from the last write the
// old primary acknowledged to the first the new one did. Then pod 0 comes back (its bootstrap
// rewinds it into a standby), the operator switches over home, and the gap is measured again;
// every acknowledged write after the failover must be on the final primary.
//
// Then `synchronous repetitions` failovers (delaySeconds 0) with synchronous replication (ANY 1):
// acknowledged writes lost must be 0.
//
//   swift run -c release --scratch-path .build-fo failover-bench [repetitions] [kubelet seconds] [synchronous repetitions]
import ClusterModel
import KubeTestServer
import KubeTypes
import Operator
import OperatorTestSupport
import PostgresHealth
import PostgresTestSupport

@main
struct FailoverBenchmark {
    struct Figures {
        var failover: [Double] = []
        var home: [Double] = []
        var lost = 0
        var lostAfterFailover = 0
    }

    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst().compactMap { Double($0) }
        let repetitions = arguments.count > 0 ? Int(arguments[0]) : 3
        let kubelet = arguments.count > 1 ? arguments[1] : 4
        let synchronousRepetitions = arguments.count > 2 ? Int(arguments[2]) : 0
        print("failover-bench: 3 instances; the pod is marked not Ready \(kubelet) s after its server dies; \(repetitions) repetitions per delay, \(synchronousRepetitions) synchronous")
        var results: [Int: Figures] = [:]
        for repetition in 1...max(1, repetitions) {
            for delay in [0, ClusterDefaults.failoverDelaySeconds] {
                let figures = try await once(delay: delay, kubelet: kubelet, synchronous: false)
                results[delay, default: Figures()].failover += figures.failover
                results[delay, default: Figures()].home += figures.home
                results[delay, default: Figures()].lost += figures.lost
                results[delay, default: Figures()].lostAfterFailover += figures.lostAfterFailover
                print("  repetition \(repetition), delaySeconds \(delay): failover \(format(figures.failover[0])) s, switchover home \(format(figures.home[0])) s, acknowledged writes lost in the failover \(figures.lost), after it \(figures.lostAfterFailover)")
            }
        }
        var synchronous = Figures()
        for repetition in 0..<synchronousRepetitions {
            let figures = try await once(delay: 0, kubelet: kubelet, synchronous: true)
            synchronous.failover += figures.failover
            synchronous.lost += figures.lost + figures.lostAfterFailover
            print("  synchronous \(repetition + 1): failover \(format(figures.failover[0])) s, acknowledged writes lost \(figures.lost + figures.lostAfterFailover)")
        }
        if synchronousRepetitions > 0 {
            print("synchronous (ANY 1), delaySeconds 0: \(synchronousRepetitions) failovers, acknowledged writes lost \(synchronous.lost); failover write downtime median \(format(median(synchronous.failover))) s")
        }
        for delay in results.keys.sorted() {
            guard let figures = results[delay] else { continue }
            print("delaySeconds \(delay): failover write downtime median \(format(median(figures.failover))) s (max \(format(figures.failover.max() ?? 0))), switchover home median \(format(median(figures.home))) s (max \(format(figures.home.max() ?? 0))); acknowledged writes lost: \(figures.lost) in failovers (async replication), \(figures.lostAfterFailover) after them")
        }
    }

    static func once(delay: Int, kubelet: Double, synchronous: Bool) async throws -> Figures {
        let extra = synchronous ? ["synchronous_standby_names": ClusterDefaults.synchronousStandbyNames(cluster: "orders", number: 1)] : [:]
        let postgres = try await PostgresTestCluster.start(name: "orders", replicas: 2, extraParameters: extra)
        defer { postgres.shutdownNow() }
        let server = try await KubeTestServer.start()
        var options = OperatorOptions()
        options.probeTimeout = .seconds(2)
        options.addressing = .table { _, pod in postgres.instances.first { $0.podName == pod }.map { ($0.host, $0.port) } }
        options.replicationPassfile = { _, pod in postgres.instances.first { $0.podName == pod }?.passfile }
        let run = OperatorRun(server: server, options: options, key: ClusterKey(namespace: "shop", name: "orders"))
        let kube = Kubelet(server: server, postgres: postgres)
        try kube.setUp(delay: delay, synchronous: synchronous)
        let controller = Task { await run.controller.run() }
        defer {
            controller.cancel()
            Task { await run.stop() }
        }
        try await kube.waitFor("healthy") { try kube.status()?.phase == .healthy }
        try await postgres.primary.psql("CREATE TABLE ledger (seq bigint PRIMARY KEY)")
        for replica in postgres.replicas { try await replica.waitFor("SELECT to_regclass('ledger') IS NOT NULL", toPrint: "t") }

        let load = WriteLoad(table: "ledger") { kube.primarySettings() }
        load.start()
        try await kube.waitFor("writes") { load.acknowledged.count >= 200 }
        load.resetGap()
        let beforeKill = load.acknowledged.count
        try await postgres.primary.stop(mode: "immediate")
        try await Task.sleep(for: .seconds(kubelet))
        try kube.setReady(0, false)
        try await kube.waitFor("the failover") {
            try kube.status()?.lastFailover?.outcome == "Completed" && load.acknowledged.count > beforeKill + 50
        }
        var figures = Figures()
        figures.failover = [seconds(load.longestGap)]
        let afterFailover = load.acknowledged.count

        // Pod 0 comes back and rejoins; the operator brings the primary home.
        let configMap = try server.object(ConfigMap.self, namespace: "shop", name: "orders-config")?.data ?? [:]
        try await postgres.restartPod(postgres.primary, configMap: configMap)
        try kube.putPod(0)
        load.resetGap()
        try await kube.waitFor("the switchover home") {
            try kube.status()?.lastSwitchover?.outcome == "Completed" && kube.status()?.primary == "orders-0"
        }
        let homeAt = load.acknowledged.count
        try await kube.waitFor("writes at home") { load.acknowledged.count > homeAt + 50 }
        figures.home = [seconds(load.longestGap)]
        await load.stop()

        let present = try await postgres.primary.psql("SELECT coalesce(string_agg(seq::text, ','), '') FROM ledger")
        let rows = Set(present.split(separator: ",").compactMap { Int64($0) })
        let acknowledged = load.acknowledged
        figures.lost = acknowledged.prefix(afterFailover).filter { !rows.contains($0) }.count
        figures.lostAfterFailover = acknowledged.dropFirst(afterFailover).filter { !rows.contains($0) }.count
        return figures
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
