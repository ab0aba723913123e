#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Waits for sockets to become readable or writable without blocking Swift's cooperative threads.
///
/// One dedicated thread runs `poll(2)` over every socket a task is waiting on, plus a pipe to
/// wake it when a new wait is registered; each wait has a deadline. libpq connections use it
/// between `PQconnectPoll` steps and while a query's result is not complete, so hundreds of
/// probes in flight cost one thread, not hundreds.
final class SocketWaiter: Sendable {
    /// What a socket is awaited for.
    enum Interest: Sendable {
        case read, write
    }

    /// How a wait ended.
    enum Outcome: Sendable, Equatable {
        case ready, timedOut
    }

    private struct Waiter {
        var fd: Int32
        var interest: Interest
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    /// The process-wide waiter.
    static let shared = SocketWaiter()

    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 {
            fatalError("SocketWaiter: pipe() failed, errno \(errno)")
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        // Not inherited by processes the host program starts.
        _ = fcntl(wakeRead, F_SETFD, FD_CLOEXEC)
        _ = fcntl(wakeWrite, F_SETFD, FD_CLOEXEC)
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            let waiter = Unmanaged<SocketWaiter>.fromOpaque(context).takeRetainedValue()
            waiter.run()
            return nil
        }, box)
        if result != 0 {
            fatalError("SocketWaiter: pthread_create failed, error \(result)")
        }
        pthread_detach(thread)
    }

    /// Suspends until `fd` is ready for `interest` or `deadline` passes.
    func wait(fd: Int32, for interest: Interest, until deadline: ContinuousClock.Instant) async -> Outcome {
        if deadline <= .now { return .timedOut }
        return await withCheckedContinuation { continuation in
            state.withLock { state in
                state.nextID &+= 1
                state.waiters[state.nextID] = Waiter(
                    fd: fd, interest: interest, deadline: deadline, continuation: continuation)
            }
            wake()
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        var drain = [UInt8](repeating: 0, count: 256)
        while true {
            let snapshot = state.withLock { state in state.waiters.map { ($0.key, $0.value.fd, $0.value.interest, $0.value.deadline) } }
            var pollfds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            var ids: [UInt64] = []
            var earliest: ContinuousClock.Instant?
            for (id, fd, interest, deadline) in snapshot {
                let events = interest == .read ? Int16(POLLIN) : Int16(POLLOUT)
                pollfds.append(pollfd(fd: fd, events: events, revents: 0))
                ids.append(id)
                if earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
            }
            var timeout: Int32 = -1
            if let earliest {
                let remaining = earliest - .now
                let millis = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
                timeout = Int32(clamping: max(0, millis + 1))
            }
            let count = poll(&pollfds, nfds_t(pollfds.count), timeout)
            if count < 0 {
                // EINTR, or a transient ENOMEM: nothing is known about the sockets; try again
                // shortly (deadlines are still checked below). A closed descriptor does not
                // fail poll, it reports POLLNVAL, which wakes its waiter.
                if errno != EINTR { usleep(10_000) }
                for index in pollfds.indices { pollfds[index].revents = 0 }
            }
            if pollfds[0].revents != 0 {
                _ = read(wakeRead, &drain, drain.count)
            }
            let now = ContinuousClock.now
            var finished: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
            state.withLock { state in
                for (index, id) in ids.enumerated() {
                    guard let waiter = state.waiters[id] else { continue }
                    if pollfds[index + 1].revents != 0 {
                        finished.append((waiter.continuation, .ready))
                        state.waiters[id] = nil
                    } else if waiter.deadline <= now {
                        finished.append((waiter.continuation, .timedOut))
                        state.waiters[id] = nil
                    }
                }
            }
            for (continuation, outcome) in finished {
                continuation.resume(returning: outcome)
            }
        }
    }
}
