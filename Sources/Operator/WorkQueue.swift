/// The controller's work queue: de-duplicates keys, never hands out a key that is being worked
/// on (a key added meanwhile runs again after), delays re-adds, and backs off per key on failure.
public actor WorkQueue<Key: Hashable & Sendable> {
    private var queue: [Key] = []
    private var queued: Set<Key> = []
    private var processing: Set<Key> = []
    private var dirty: Set<Key> = []
    private var failures: [Key: Int] = [:]
    private var delayed: [Key: Task<Void, Never>] = [:]
    private var waiters: [CheckedContinuation<Key?, Never>] = []
    private var isShutDown = false
    private let backoffBase: Duration
    private let backoffMaximum: Duration

    public init(backoffBase: Duration = .milliseconds(200), backoffMaximum: Duration = .seconds(300)) {
        self.backoffBase = backoffBase
        self.backoffMaximum = backoffMaximum
    }

    /// Keys waiting to be worked on.
    public var depth: Int { queue.count }

    /// Queues `key` unless it is already queued; a key being processed is queued again when done.
    public func add(_ key: Key) {
        guard !isShutDown else { return }
        if processing.contains(key) {
            dirty.insert(key)
            return
        }
        guard !queued.contains(key) else { return }
        delayed.removeValue(forKey: key)?.cancel()
        if let waiter = waiters.first {
            waiters.removeFirst()
            processing.insert(key)
            waiter.resume(returning: key)
        } else {
            queue.append(key)
            queued.insert(key)
        }
    }

    /// Queues `key` after `delay`, unless it is queued earlier by something else.
    public func add(_ key: Key, after delay: Duration) {
        guard !isShutDown else { return }
        if let existing = delayed[key] { existing.cancel() }
        delayed[key] = Task { [weak self] in
            do { try await Task.sleep(for: delay) } catch { return }
            await self?.fireDelayed(key)
        }
    }

    private func fireDelayed(_ key: Key) {
        delayed.removeValue(forKey: key)
        add(key)
    }

    /// Re-queues `key` after an exponential, jittered backoff that grows with each failure in a row.
    public func addRateLimited(_ key: Key) {
        let count = failures[key, default: 0]
        failures[key] = count + 1
        add(key, after: backoff(count))
    }

    /// The delay after `failures` failures in a row: base × 2ⁿ, capped, with ±20% jitter.
    public func backoff(_ failures: Int) -> Duration {
        let factor = Double(1 << min(failures, 20))
        let base = Double(backoffBase.components.seconds) + Double(backoffBase.components.attoseconds) / 1e18
        let maximum = Double(backoffMaximum.components.seconds) + Double(backoffMaximum.components.attoseconds) / 1e18
        let seconds = min(base * factor, maximum) * Double.random(in: 0.8...1.2)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Forgets the failures of `key` (after a success).
    public func forget(_ key: Key) {
        failures.removeValue(forKey: key)
    }

    /// The number of failures in a row of `key`.
    public func failureCount(_ key: Key) -> Int { failures[key, default: 0] }

    /// The next key to work on; waits for one. `nil` once the queue is shut down.
    public func next() async -> Key? {
        if isShutDown { return nil }
        if !queue.isEmpty {
            let key = queue.removeFirst()
            queued.remove(key)
            processing.insert(key)
            return key
        }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Marks `key` done; if it was added while being processed, it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.remove(key) != nil {
            add(key)
        }
    }

    /// Stops handing out keys; waiting workers get `nil`.
    public func shutDown() {
        isShutDown = true
        for waiter in waiters { waiter.resume(returning: nil) }
        waiters.removeAll()
        for task in delayed.values { task.cancel() }
        delayed.removeAll()
    }
}
