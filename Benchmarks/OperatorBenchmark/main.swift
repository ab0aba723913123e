// operator-bench: the controller managing many PostgresClusters against the API test server.
//
// The API test server runs in a child process (this same binary with `--serve`), so the
// resident memory measured is the operator's alone. Instances are not probed (no PostgreSQL
// stands behind the pods here): this measures the Kubernetes side of reconciling.
//
//   operator-bench [clusters]                          convergence, steady state, memory
//   operator-bench --leader-change [clusters] [rounds]  a SIGTERM'd leader's standby taking over (LeaderChange.swift)

import ClusterModel
import Foundation
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
import Operator

func residentKiB(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") ?? 0
    }
    return 0
}

/// The API test server, seeded with `count` PostgresClusters in namespace `bench` (child process).
func serve(count: Int) async throws {
    let server = try await KubeTestServer.start(threads: 2)
    var spec = PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
    // ORDINAL_BENCH_TLS=off: clusters without TLS (no certificates issued, cached or checked).
    if ProcessInfo.processInfo.environment["ORDINAL_BENCH_TLS"] == "off" { spec.tls = TLSSpec(enabled: false) }
    for index in 0..<count {
        _ = try server.put(PostgresCluster(
            metadata: ObjectMeta(name: clusterName(index), namespace: "bench", uid: "uid-\(index)"), spec: spec))
    }
    FileHandle.standardOutput.write(Data("port \(server.port)\n".utf8))
    while readLine() != nil {}
    await server.shutdown()
}

func clusterName(_ index: Int) -> String { String(format: "c%04d", index) }

func measure(clusters count: Int) async throws {
    MallocArenas.limit()  // as `ordinal run` does
    let startup = residentKiB("VmRSS")
    let child = try ChildProcess(arguments: ["--serve", "\(count)"])
    defer { child.finish() }
    guard let port = Int(try await child.line(startingWith: "port ")) else { throw CocoaError(.fileReadCorruptFile) }

    let namespace = "bench"
    let names = (0..<count).map(clusterName)
    let baseline = residentKiB("VmRSS")

    var logger = Logger(label: "bench")
    logger.logLevel = .error
    var options = OperatorOptions()
    options.workers = 8
    options.healthInterval = .seconds(3600)
    options.busyInterval = .seconds(3600)
    options.addressing = .table { _, _ in nil }
    let metrics = OperatorMetrics()
    let client = KubeClient(config: KubeConfig(server: "http://127.0.0.1:\(port)"), concurrentRequests: 8, retryPolicy: RetryPolicy()) { record in
        metrics.observeAPIRequest(verb: record.verb, code: record.statusCode)
    }
    let controller = Controller(client: client, options: options, metrics: metrics, logger: logger)
    let started = ContinuousClock.now
    let caches = Task { await controller.caches.run() }
    let running = Task { await controller.run() }
    // Converged: every cluster has its StatefulSet and a status written for its generation.
    let watched = controller.caches
    try await watched.changes.wait { watched.statefulSets.count == count }
    // Copying every cluster out of the cache on every change would slow the run: look ten times a second.
    while !watched.clusters.all().allSatisfy({ $0.status?.observedGeneration != nil }) {
        try await Task.sleep(for: .milliseconds(100))
    }
    let converged = ContinuousClock.now - started
    // Let reconciles queued by the last watch events finish before measuring the steady state.
    while await controller.queue.depth > 0 { try await Task.sleep(for: .milliseconds(50)) }
    try await Task.sleep(for: .seconds(1))
    let createRequests = metrics.apiRequestsByVerb

    // Steady state: one more reconcile of every cluster, nothing changed.
    let before = metrics.apiRequestsByVerb
    let steadyStart = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
            group.addTask {
                for index in stride(from: worker, to: count, by: 8) {
                    await controller.process(ClusterKey(namespace: namespace, name: names[index]))
                }
            }
        }
    }
    let steady = ContinuousClock.now - steadyStart
    let after = metrics.apiRequestsByVerb
    var steadyRequests: [String: Int] = [:]
    for (verb, total) in after { steadyRequests[verb] = total - (before[verb] ?? 0) }
    let steadyWrites = steadyRequests.filter { !["get", "list", "watch"].contains($0.key) }.values.reduce(0, +)
    running.cancel()
    caches.cancel()

    func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }
    let writesAtCreate = createRequests.filter { !["get", "list", "watch"].contains($0.key) }.values.reduce(0, +)
    print("operator-bench: \(count) PostgresClusters (3 instances each) against the API test server (separate process, seeded there)")
    print(String(format: "  every cluster's objects created and status written: %.2f s", seconds(converged)))
    print("  API requests while creating: \(createRequests.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) (\(String(format: "%.1f", Double(writesAtCreate) / Double(count))) writes per cluster)")
    print(String(format: "  steady-state reconciles: %.0f per second (%d in %.2f s, 8 workers)", Double(count) / seconds(steady), count, seconds(steady)))
    print("  steady-state API requests per reconcile: \(String(format: "%.2f", Double(steadyRequests.values.reduce(0, +)) / Double(count))) (writes: \(steadyWrites); \(steadyRequests.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))")
    print("  operator process resident memory: \(residentKiB("VmRSS") / 1024) MiB now (\(residentKiB("RssAnon") / 1024) MiB heap and stacks, \(residentKiB("RssFile") / 1024) MiB code and libraries), \(residentKiB("VmHWM") / 1024) MiB peak (at start: \(startup / 1024) MiB, before the controller: \(baseline / 1024) MiB; the API server and its objects live in the child process)")
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "--serve":
    try await serve(count: arguments.dropFirst().first.flatMap { Int($0) } ?? 0)
case "--lead":
    guard arguments.count == 4, let port = Int(arguments[1]), let count = Int(arguments[3]) else {
        fatalError("usage: operator-bench --lead PORT IDENTITY CLUSTERS (a child of --leader-change)")
    }
    try await lead(port: port, identity: arguments[2], clusters: count)
case "--leader-change":
    let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 1000
    let rounds = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 3
    try await measureLeaderChange(clusters: count, rounds: max(1, rounds))
default:
    let count = arguments.first.flatMap { Int($0) } ?? 1000
    try await measure(clusters: count)
}
