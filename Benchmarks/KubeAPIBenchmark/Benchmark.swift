import Foundation
import KubeAPI
import KubeTestServer
import KubeTypes

/// A small namespaced object, about the size of a label-only ConfigMap.
struct SmallObject: KubernetesResource {
    static let group = ""
    static let version = "v1"
    static let kind = "ConfigMap"
    static let plural = "configmaps"

    var apiVersion: String? = "v1"
    var kind: String? = "ConfigMap"
    var metadata: ObjectMeta
    var data: [String: String]?
}

enum Benchmark {
    static let namespace = "bench"

    static func small(_ index: Int) -> SmallObject {
        SmallObject(
            metadata: ObjectMeta(
                name: "object-\(index)", namespace: namespace,
                labels: ["app.kubernetes.io/instance": "bench", "index": String(index % 10)]),
            data: ["key": "value-\(index)"])
    }

    /// Resident set size of this process, in KiB.
    static func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ value: Double, _ digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Child-process mode: a test server holding `objects` small objects; prints its port, exits when stdin closes.
    static func serve(objects: Int) async {
        do {
            let server = try await KubeTestServer.start()
            server.resetRequests(keepRecording: false)
            for index in 0..<objects { try server.put(small(index)) }
            FileHandle.standardOutput.write(Data("PORT \(server.port)\n".utf8))
            _ = FileHandle.standardInput.readDataToEndOfFile()
            await server.shutdown()
        } catch {
            print("ERROR \(error)")
        }
    }

    static func runAll() async throws {
        print("kube-bench: KubeAPI against the in-process KubeTestServer (HTTP/1.1 on loopback)")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; client and server share them\n")
        try await requestRates()
        try await informerMemory(objects: 10_000)
        try await watchDelivery(events: 10_000)
    }

    static func requestRates() async throws {
        let server = try await KubeTestServer.start()
        server.resetRequests(keepRecording: false)
        let client = KubeClient(config: KubeConfig(server: server.url), concurrentRequests: 1)
        _ = try await client.apply(small(0), fieldManager: "kube-bench")
        // Warm up the connection and the code paths.
        for _ in 0..<200 { _ = try await client.get(SmallObject.self, name: "object-0", namespace: namespace) }

        let gets = 5_000
        var start = ContinuousClock.now
        for _ in 0..<gets { _ = try await client.get(SmallObject.self, name: "object-0", namespace: namespace) }
        let getRate = Double(gets) / seconds(ContinuousClock.now - start)

        let applies = 2_000
        start = ContinuousClock.now
        for index in 0..<applies {
            var object = small(0)
            object.data = ["key": "applied-\(index)"]
            _ = try await client.apply(object, fieldManager: "kube-bench")
        }
        let applyRate = Double(applies) / seconds(ContinuousClock.now - start)
        print("get   (one connection, sequential): \(format(getRate, 0)) requests/s over \(gets) requests")
        print("apply (one connection, sequential, each a real change): \(format(applyRate, 0)) requests/s over \(applies) requests")
        await server.shutdown()
    }

    static func informerMemory(objects: Int) async throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        child.arguments = ["--serve", String(objects)]
        let output = Pipe()
        let input = Pipe()
        child.standardOutput = output
        child.standardInput = input
        try child.run()
        var line = ""
        while !line.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            print("informer memory: the server child did not start (\(line))")
            return
        }
        let client = KubeClient(config: KubeConfig(server: "http://127.0.0.1:\(port)"), concurrentRequests: 1)
        _ = try await client.list(SmallObject.self, namespace: namespace, options: ListOptions(limit: 1))
        let before = residentKiB()
        let informer = Informer<SmallObject>(client: client, namespace: namespace)
        let start = ContinuousClock.now
        let running = Task { await informer.run() }
        await informer.waitUntilSynced()
        let syncTime = ContinuousClock.now - start
        try await Task.sleep(for: .milliseconds(300))
        let after = residentKiB()
        let count = informer.cache.count
        running.cancel()
        await running.value
        try input.fileHandleForWriting.close()
        child.waitUntilExit()
        print(
            "informer: \(count) small objects listed (pages of 500) and cached in \(format(seconds(syncTime) * 1000, 0)) ms; "
                + "client RSS \(before / 1024) MiB -> \(after / 1024) MiB (+\(format(Double(after - before) / 1024)) MiB, "
                + "\(format(Double((after - before) * 1024) / Double(max(count, 1)), 0)) bytes/object)")
    }

    static func watchDelivery(events: Int) async throws {
        let server = try await KubeTestServer.start()
        server.resetRequests(keepRecording: false)
        let client = KubeClient(config: KubeConfig(server: server.url), concurrentRequests: 1)
        let stream = client.watch(
            SmallObject.self, namespace: namespace, options: WatchOptions(resourceVersion: server.currentResourceVersion))
        let consumer = Task { () -> (Int, ContinuousClock.Instant) in
            var received = 0
            for try await event in stream {
                if case .added = event { received += 1 }
                if received == events { break }
            }
            return (received, ContinuousClock.now)
        }
        while server.openWatchCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let start = ContinuousClock.now
        for index in 0..<events { try server.put(small(index)) }
        let produced = ContinuousClock.now
        let (received, end) = try await consumer.value
        let total = seconds(end - start)
        print(
            "watch: \(received) events delivered (typed, decoded) in \(format(total * 1000, 0)) ms "
                + "(\(format(Double(received) / total, 0)) events/s; the server produced them in "
                + "\(format(seconds(produced - start) * 1000, 0)) ms)")

        // The same 10,000 changes replayed from history: the server writes as fast as it can.
        let replay = client.watch(
            SmallObject.self, namespace: namespace, options: WatchOptions(resourceVersion: "1"))
        let replayStart = ContinuousClock.now
        var replayed = 0
        for try await event in replay {
            if case .added = event { replayed += 1 }
            if replayed == events { break }
        }
        let replayTime = seconds(ContinuousClock.now - replayStart)
        print(
            "watch replay: \(replayed) events from history delivered in \(format(replayTime * 1000, 0)) ms "
                + "(\(format(Double(replayed) / replayTime, 0)) events/s)")
        await server.shutdown()
    }
}
