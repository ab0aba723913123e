// operator-bench --leader-change: how fast a standby with warm caches takes over.
//
// Per round: an old leader in a child process (this binary with `--lead`, a whole
// OperatorProcess that handles SIGTERM as `ordinal run` does) reconciles every cluster; a
// standby in this process syncs its caches meanwhile; then the old leader gets SIGTERM. The
// figures are wall-clock times between what the two processes report: the old leader's Lease
// release, the standby taking the Lease, its first reconcile and its last of every cluster.

import ClusterModel
import Foundation
import KubeAPI
import KubeTypes
import Logging
import Operator
import ServiceLifecycle
import Synchronization

let benchLease = (name: "bench-leader", namespace: "bench")

/// Options of both processes: no periodic re-probe, so a reconcile follows only a change or a term's start.
func benchOptions() -> OperatorOptions {
    var options = OperatorOptions()
    options.workers = 8
    options.healthInterval = .seconds(3600)
    options.busyInterval = .seconds(3600)
    options.addressing = .table { _, _ in nil }
    return options
}

func benchElection(_ identity: String) -> LeaderElectionConfig {
    LeaderElectionConfig(leaseName: benchLease.name, namespace: benchLease.namespace, identity: identity)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Distinct clusters reconciled so far.
final class ReconciledSet: Sendable {
    private let keys = Mutex<Set<ClusterKey>>([])

    /// Adds `key`; returns how many distinct keys there are now.
    func insert(_ key: ClusterKey) -> Int {
        keys.withLock { $0.insert(key); return $0.count }
    }
}

/// The child: an operator process with leader election that reports, one line each, when it
/// leads, when it has reconciled every cluster once, and when its term ended (after the release).
func lead(port: Int, identity: String, clusters count: Int) async throws {
    var logger = Logger(label: "bench-leader")
    logger.logLevel = .error
    let reconciled = ReconciledSet()
    let process = OperatorProcess(
        options: benchOptions(), httpPort: 0, leaderElection: benchElection(identity),
        config: KubeConfig(server: "http://127.0.0.1:\(port)"), logger: logger
    ) { event in
        switch event {
        case .leading: say("leading \(wallClock())")
        case .reconciled(let key): if reconciled.insert(key) == count { say("reconciled-all \(wallClock())") }
        case .leadershipEnded(let end): say("ended \(end) \(wallClock())")
        case .cachesSynced: break
        }
    }
    try await process.run()
}

/// What the standby reports, with the wall-clock time of each moment.
final class TakeoverLog: Sendable {
    struct Moments: Sendable {
        var synced: Double?
        var leading: Double?
        var firstReconcile: Double?
        var allReconciled: Double?
    }

    let changes = ChangeSignal()
    private let moments = Mutex(Moments())
    private let reconciled = ReconciledSet()
    let clusters: Int

    init(clusters: Int) { self.clusters = clusters }

    var now: Moments { moments.withLock { $0 } }

    func record(_ event: LifecycleEvent) {
        let time = wallClock()
        moments.withLock { moments in
            switch event {
            case .cachesSynced: moments.synced = moments.synced ?? time
            case .leading: moments.leading = moments.leading ?? time
            case .reconciled(let key):
                moments.firstReconcile = moments.firstReconcile ?? time
                if reconciled.insert(key) == clusters { moments.allReconciled = moments.allReconciled ?? time }
            case .leadershipEnded: break
            }
        }
        changes.fire()
    }
}

/// One round's figures, in seconds.
struct TakeoverRound {
    var sigtermToRelease: Double
    var releaseToLease: Double
    var releaseToFirstReconcile: Double
    var releaseToAllReconciled: Double
    var sigtermToFirstReconcile: Double
    var requests: [String: Int]
}

func measureLeaderChange(clusters count: Int, rounds: Int) async throws {
    let server = try ChildProcess(arguments: ["--serve", "\(count)"])
    defer { server.finish() }
    guard let port = Int(try await server.line(startingWith: "port ")) else { throw CocoaError(.fileReadCorruptFile) }
    let url = "http://127.0.0.1:\(port)"
    print("operator-bench --leader-change: \(count) PostgresClusters, \(rounds) rounds; old leader in a child process, standby here (8 workers each; Lease \(Int(benchElection("").leaseDuration.components.seconds)) s, retry every \(Int(benchElection("").retryPeriod.components.seconds)) s)")

    var results: [TakeoverRound] = []
    for round in 1...rounds {
        let leader = try ChildProcess(arguments: ["--lead", "\(port)", "bench-leader-\(round)", "\(count)"])
        _ = try await leader.line(startingWith: "leading ")

        var logger = Logger(label: "bench-standby")
        logger.logLevel = .error
        let log = TakeoverLog(clusters: count)
        let metrics = OperatorMetrics()
        let standby = OperatorProcess(
            options: benchOptions(), httpPort: 0, leaderElection: benchElection("bench-standby-\(round)"),
            config: KubeConfig(server: url), logger: logger, metrics: metrics, handlesSignals: false, observer: log.record)
        let group = ServiceGroup(services: [standby], logger: logger)
        let running = Task { try await group.run() }

        // The old leader has built and reconciled everything, and the standby's caches hold it.
        _ = try await leader.line(startingWith: "reconciled-all ")
        let caches = standby.controller.caches
        try await caches.changes.wait { caches.isSynced && caches.statefulSets.count == count }
        while !caches.clusters.all().allSatisfy({ $0.status?.observedGeneration != nil }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(2))  // the last watch events of the old leader's writes settle in both processes
        guard log.now.leading == nil else { throw CocoaError(.featureUnsupported) }  // the standby must not lead yet

        let before = metrics.apiRequestsByVerb
        let sigterm = wallClock()
        leader.terminate()
        guard let released = Double(try await leader.line(startingWith: "ended released ")) else { throw CocoaError(.fileReadCorruptFile) }
        try await log.changes.wait { log.now.allReconciled != nil }
        let moments = log.now
        let after = metrics.apiRequestsByVerb
        var requests: [String: Int] = [:]
        for (verb, total) in after where total - (before[verb] ?? 0) > 0 { requests[verb] = total - (before[verb] ?? 0) }
        let lease = moments.leading ?? released
        let first = moments.firstReconcile ?? lease
        let all = moments.allReconciled ?? first
        let result = TakeoverRound(
            sigtermToRelease: released - sigterm, releaseToLease: lease - released, releaseToFirstReconcile: first - released,
            releaseToAllReconciled: all - released, sigtermToFirstReconcile: first - sigterm, requests: requests)
        results.append(result)
        print(String(
            format: "  round %d: SIGTERM → Lease released %.3f s; release → standby takes the Lease %.3f s, → first reconcile %.3f s, → all %d reconciled %.3f s; SIGTERM → first reconcile %.3f s",
            round, result.sigtermToRelease, result.releaseToLease, result.releaseToFirstReconcile, count, result.releaseToAllReconciled,
            result.sigtermToFirstReconcile))
        print("    the new leader's API requests from SIGTERM until every cluster was reconciled: \(requests.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) (list=\(requests["list"] ?? 0))")

        // Hand the Lease back for the next round: the standby shuts down gracefully (releasing it).
        await group.triggerGracefulShutdown()
        try await running.value
        leader.finish()
    }

    func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
    print(String(
        format: "  median of %d: SIGTERM → Lease released %.3f s; release → Lease taken %.3f s; release → first reconcile %.3f s; release → all reconciled %.3f s; SIGTERM → first reconcile %.3f s",
        results.count, median(results.map(\.sigtermToRelease)), median(results.map(\.releaseToLease)),
        median(results.map(\.releaseToFirstReconcile)), median(results.map(\.releaseToAllReconciled)),
        median(results.map(\.sigtermToFirstReconcile))))
}
