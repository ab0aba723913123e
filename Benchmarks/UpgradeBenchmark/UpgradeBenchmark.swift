// upgrade-bench: the primary's write-unavailable time during its upgrade step, with a
// CHECKPOINT before the restart (what the operator does) and without it.
//
// Starts a primary on the older of two real PostgreSQL minors (scripts/fetch-postgres-minors.sh),
// with shared_buffers large enough to hold the dirty data. For each repetition and mode: empties
// and checkpoints the bulk table, writes `dirty MiB` of rows (left dirty in shared buffers),
// starts a client inserting one row at a time without pause, optionally runs CHECKPOINT, then
// restarts the server on the other minor (fast shutdown, start, as the pod's replacement does).
// The write-unavailable time is the longest gap between two acknowledged writes: from the last
// successful write before the restart to the first after it.
//
//   swift run -c release --scratch-path .build-up upgrade-bench [repetitions] [dirty MiB]
import PostgresHealth
import PostgresTestSupport
import Synchronization

@main
struct UpgradeBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
        let repetitions = arguments.count > 0 ? arguments[0] : 3
        let dirtyMiB = arguments.count > 1 ? arguments[1] : 384
        let minors = try PostgresMinorVersions.locateOrFetch()
        print("upgrade-bench: primary on \(minors.oldVersion), restarts alternate \(minors.oldVersion) <-> \(minors.newVersion); \(dirtyMiB) MiB dirty before each restart; \(repetitions) repetitions per mode")
        let cluster = try await PostgresTestCluster.start(
            name: "bench", replicas: 0, binaries: minors.old,
            extraParameters: [
                "shared_buffers": "\(dirtyMiB * 2 + 128)MB", "max_wal_size": "8GB", "checkpoint_timeout": "1h",
                "checkpoint_completion_target": "0.9",
            ])
        defer { cluster.shutdownNow() }
        let primary = cluster.primary
        try await primary.psql("CREATE EXTENSION IF NOT EXISTS pg_buffercache")
        try await primary.psql("CREATE TABLE load (seq bigserial PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())")
        try await primary.psql("CREATE TABLE bulk (id bigint, payload text)")
        let settings = ConnectionSettings(
            host: primary.host, port: primary.port, user: "postgres", password: PostgresPassword(cluster.superuserPassword),
            applicationName: "upgrade-bench", connectTimeout: .seconds(2))
        // ~ 7,000 rows of 100 characters per MiB of heap.
        let rows = dirtyMiB * 7_000

        var results: [Bool: [Measurement]] = [true: [], false: []]
        var useNew = true
        for repetition in 1...repetitions {
            for checkpointFirst in [true, false] {
                try await primary.psql("TRUNCATE bulk; CHECKPOINT")
                try await primary.psql("INSERT INTO bulk SELECT g, repeat(md5(g::text), 3) || 'xxxx' FROM generate_series(1, \(rows)) g")
                let dirty = try await primary.psql("SELECT count(*) FILTER (WHERE isdirty) * 8 / 1024 FROM pg_buffercache")
                let writer = Writer(settings: settings)
                let task = Task { await writer.run() }
                try await Task.sleep(for: .milliseconds(500))
                let started = ContinuousClock.now
                var checkpointTime = Duration.zero
                if checkpointFirst {
                    try await primary.psql("CHECKPOINT")
                    checkpointTime = ContinuousClock.now - started
                }
                let restartStarted = ContinuousClock.now
                try await primary.restart(with: useNew ? minors.new : minors.old)
                let restartTime = ContinuousClock.now - restartStarted
                useNew.toggle()
                try await Task.sleep(for: .milliseconds(500))
                task.cancel()
                await task.value
                let measurement = Measurement(
                    downtime: writer.longestGap, checkpoint: checkpointTime, restart: restartTime, dirtyMiB: Int(dirty) ?? -1,
                    writes: writer.count)
                results[checkpointFirst, default: []].append(measurement)
                print("  repetition \(repetition) \(checkpointFirst ? "CHECKPOINT first" : "no CHECKPOINT   "): dirty \(measurement.dirtyMiB) MiB, checkpoint \(ms(checkpointTime)) ms, stop+start \(ms(restartTime)) ms, write downtime \(ms(measurement.downtime)) ms (\(measurement.writes) writes)")
            }
        }
        print("mode              | write downtime ms (median, max) | stop+start ms (median) | CHECKPOINT ms (median)")
        for checkpointFirst in [true, false] {
            let list = results[checkpointFirst] ?? []
            let downtimes = list.map(\.downtime).sorted()
            let restarts = list.map(\.restart).sorted()
            let checkpoints = list.map(\.checkpoint).sorted()
            print("\(checkpointFirst ? "CHECKPOINT first " : "no CHECKPOINT    ")| \(ms(median(downtimes))), \(ms(downtimes.last ?? .zero))".padding(toLength: 52, withPad: " ", startingAt: 0)
                + "| \(ms(median(restarts)))".padding(toLength: 25, withPad: " ", startingAt: 0)
                + "| \(checkpointFirst ? String(ms(median(checkpoints))) : "-")")
        }
        await cluster.shutdown()
    }

    struct Measurement {
        var downtime: Duration
        var checkpoint: Duration
        var restart: Duration
        var dirtyMiB: Int
        var writes: Int
    }

    static func median(_ sorted: [Duration]) -> Duration {
        sorted.isEmpty ? .zero : sorted[sorted.count / 2]
    }

    static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Inserts one row at a time until cancelled; keeps the longest gap between acknowledged writes.
final class Writer: Sendable {
    let settings: ConnectionSettings
    private let state = Mutex<(count: Int, last: ContinuousClock.Instant?, longest: Duration)>((0, nil, .zero))

    init(settings: ConnectionSettings) { self.settings = settings }

    var longestGap: Duration { state.withLock { $0.longest } }
    var count: Int { state.withLock { $0.count } }

    func run() async {
        var connection: PostgresConnection?
        while !Task.isCancelled {
            do {
                if connection == nil { connection = try await PostgresConnection.connect(settings) }
                guard let open = connection else { continue }
                _ = try await open.query("INSERT INTO load DEFAULT VALUES", timeout: .seconds(30))
                let now = ContinuousClock.now
                state.withLock { state in
                    state.count += 1
                    if let last = state.last, now - last > state.longest { state.longest = now - last }
                    state.last = now
                }
            } catch {
                connection?.close()
                connection = nil
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        connection?.close()
    }
}
