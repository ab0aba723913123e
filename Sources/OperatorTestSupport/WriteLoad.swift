import PostgresHealth
import Synchronization

/// A client writing to the primary without pause, one row per statement, each with a sequence
/// number: counts the writes PostgreSQL acknowledged and measures the longest time between two
/// acknowledged writes (the write downtime while the primary restarts or moves).
public final class WriteLoad: Sendable {
    /// Where to connect, asked again on every reconnect (as a client of the `-rw` Service
    /// reaches whichever pod carries the primary label); `nil` while there is none.
    let target: @Sendable () -> ConnectionSettings?
    let table: String
    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    struct State {
        var acknowledged: [Int64] = []
        var failures = 0
        var lastSuccess: ContinuousClock.Instant?
        var longestGap: Duration = .zero
        var gapEndedAt: ContinuousClock.Instant?
        var nextSequence: Int64 = 1
    }

    /// Writes to `table` (a `seq bigint primary key` column) with `settings` (pod 0's address).
    public convenience init(settings: ConnectionSettings, table: String) {
        self.init(table: table) { settings }
    }

    /// Writes to `table`, connecting wherever `target` says at each (re)connect.
    public init(table: String, target: @escaping @Sendable () -> ConnectionSettings?) {
        self.target = target
        self.table = table
    }

    /// Starts writing in a task of its own.
    public func start() {
        let task = Task { [self] in await run() }
        self.task.withLock { $0 = task }
    }

    /// Stops writing and waits for the last statement.
    public func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    /// The sequence numbers PostgreSQL acknowledged.
    public var acknowledged: [Int64] { state.withLock { $0.acknowledged } }
    /// The longest time from one acknowledged write to the next.
    public var longestGap: Duration { state.withLock { $0.longestGap } }
    /// Statements (or connection attempts) that failed.
    public var failures: Int { state.withLock { $0.failures } }
    /// Forgets the longest gap so far (to measure one event).
    public func resetGap() { state.withLock { $0.longestGap = .zero } }

    private func run() async {
        var connection: PostgresConnection?
        while !Task.isCancelled {
            do {
                if connection == nil {
                    guard let settings = target() else {
                        try? await Task.sleep(for: .milliseconds(20))
                        continue
                    }
                    connection = try await PostgresConnection.connect(settings)
                }
                guard let open = connection else { continue }
                let sequence = state.withLock { state -> Int64 in
                    defer { state.nextSequence += 1 }
                    return state.nextSequence
                }
                _ = try await open.query("INSERT INTO \(table) (seq) VALUES ($1)", [String(sequence)], timeout: .seconds(5))
                let now = ContinuousClock.now
                state.withLock { state in
                    state.acknowledged.append(sequence)
                    if let last = state.lastSuccess, now - last > state.longestGap {
                        state.longestGap = now - last
                        state.gapEndedAt = now
                    }
                    state.lastSuccess = now
                }
                try? await Task.sleep(for: .milliseconds(5))
            } catch {
                state.withLock { $0.failures += 1 }
                connection?.close()
                connection = nil
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        connection?.close()
    }
}
