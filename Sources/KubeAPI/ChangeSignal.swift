import Synchronization

/// A counter of changes that tasks can wait on: whoever changes something calls ``fire()``,
/// and every task waiting for a change after the generation it last saw wakes up.
///
/// Waits are events, not polls: ``wait(until:)`` checks its condition once, then again after
/// each change, so it sees every state a change leads to and sleeps in between. Several
/// ``ObjectCache``s may share one signal (``ClusterCaches`` in the operator does), so one
/// waiter hears them all.
public final class ChangeSignal: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<UInt64, any Error>
    }

    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many changes have been signalled so far.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Records a change and wakes every waiter.
    public func fire() {
        let woken = state.withLock { state -> [Waiter] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        let generation = self.generation
        for waiter in woken { waiter.continuation.resume(returning: generation) }
    }

    /// Waits until the generation is past `generation`; returns the generation then.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    @discardableResult
    public func wait(after generation: UInt64) async throws -> UInt64 {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UInt64, any Error>) in
                let immediate = state.withLock { state -> Result<UInt64, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.generation != generation { return .success(state.generation) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns once `condition` holds: checks it now, then after every change.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func wait(until condition: () -> Bool) async throws {
        while true {
            let seen = generation
            if condition() { return }
            try await wait(after: seen)
        }
    }
}
