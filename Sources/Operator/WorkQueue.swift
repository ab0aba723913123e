/// The controller's work queue: de-duplicates keys, never hands out a key that is being worked
/// on (a key added meanwhile runs again after), delays re-adds, and backs off per key on failure.
///
/// A queue serves one term of leadership at a time: ``shutDown()`` ends a term (waiting workers
/// get `nil`, nothing is queued any more) and ``reopen()`` starts the next one empty. A worker
/// waiting in ``next()`` also gets `nil` when its own task is cancelled.
public actor WorkQueue<Key: Hashable & Sendable> {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Key?, Never>
    }

    private var queue: [Key] = []
    private var queued: Set<Key> = []
    private var processing: Set<Key> = []
    private var dirty: Set<Key> = []
    private var failures: [Key: Int] = [:]
    /// When each delayed key is due. One timer task sleeps until the earliest (not a task per
    /// key: with 1,000 clusters each waiting for its next health round, a sleeping task apiece
    /// held some 4 MiB).
    private var deadlines: [Key: ContinuousClock.Instant] = [:]
    private var timer: Task<Void, Never>?
    private var timerDeadline: ContinuousClock.Instant?
    private var waiters: [Waiter] = []
    private var nextWaiterID: UInt64 = 0
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
        deadlines.removeValue(forKey: key)
        if let waiter = waiters.first {
            waiters.removeFirst()
            processing.insert(key)
            waiter.continuation.resume(returning: key)
        } else {
            queue.append(key)
            queued.insert(key)
        }
    }

    /// Queues `key` after `delay`, unless it is queued earlier by something else.
    /// A later call for the same key replaces the earlier delay.
    public func add(_ key: Key, after delay: Duration) {
        guard !isShutDown else { return }
        let due = ContinuousClock.now + delay
        deadlines[key] = due
        if let current = timerDeadline, current <= due { return }
        schedule(at: due)
    }

    /// Delayed keys not yet due.
    var delayedCount: Int { deadlines.count }

    private func schedule(at due: ContinuousClock.Instant) {
        timer?.cancel()
        timerDeadline = due
        timer = Task { [weak self] in
            do { try await Task.sleep(until: due, clock: .continuous) } catch { return }
            await self?.fireDue()
        }
    }

    /// Queues every key that is due, earliest first, and sleeps until the next one.
    private func fireDue() {
        timer = nil
        timerDeadline = nil
        let now = ContinuousClock.now
        var due: [(key: Key, at: ContinuousClock.Instant)] = []
        var next: ContinuousClock.Instant?
        for (key, at) in deadlines {
            if at <= now {
                due.append((key, at))
            } else if next.map({ at < $0 }) ?? true {
                next = at
            }
        }
        for (key, _) in due.sorted(by: { $0.at < $1.at }) {
            deadlines.removeValue(forKey: key)
            add(key)
        }
        if let next { schedule(at: next) }
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

    /// Workers waiting in ``next()``.
    var waitingCount: Int { waiters.count }

    /// The next key to work on; waits for one. `nil` once the queue is shut down, or when the
    /// calling task is cancelled (before or while it waits).
    public func next() async -> Key? {
        if isShutDown || Task.isCancelled { return nil }
        if !queue.isEmpty {
            let key = queue.removeFirst()
            queued.remove(key)
            processing.insert(key)
            return key
        }
        nextWaiterID &+= 1
        let id = nextWaiterID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                // Runs on this actor before it suspends: a cancellation that came first is seen here,
                // one that comes later finds the waiter through `cancelWaiter`.
                if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    waiters.append(Waiter(id: id, continuation: continuation))
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    /// Marks `key` done; if it was added while being processed, it is queued again.
    public func done(_ key: Key) {
        processing.remove(key)
        if dirty.remove(key) != nil {
            add(key)
        }
    }

    /// Ends the term: stops handing out keys (waiting workers get `nil`), drops the queued and
    /// delayed keys and ignores adds until ``reopen()``.
    public func shutDown() {
        isShutDown = true
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters.removeAll()
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        deadlines.removeAll()
        queue.removeAll()
        queued.removeAll()
    }

    /// Starts a new term after ``shutDown()``: empty, with no failure counts; a key still being
    /// processed from the last term stays out of the queue until it is done.
    public func reopen() {
        isShutDown = false
        queue.removeAll()
        queued.removeAll()
        dirty.removeAll()
        failures.removeAll()
    }
}
