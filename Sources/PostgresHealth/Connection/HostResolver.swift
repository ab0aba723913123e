#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Resolves host names with `getaddrinfo` on a thread of its own, within a deadline, so
/// libpq never resolves (and blocks) on a Swift cooperative thread: the connection is then
/// made with `hostaddr` set and `host` kept for TLS and passfile matching.
enum HostResolver {
    /// How a resolution ended.
    enum Outcome: Sendable, Equatable {
        /// Numeric addresses, IPv4 first, at most four.
        case addresses([String])
        /// `getaddrinfo` failed; the message is `gai_strerror`'s.
        case failed(String)
        /// The deadline passed first (the lookup finishes in the background and is dropped).
        case timedOut
    }

    /// True when `host` needs no lookup: an IPv4/IPv6 literal or a Unix-socket directory.
    static func isLiteral(_ host: String) -> Bool {
        if host.hasPrefix("/") || host.hasPrefix("@") { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Resolves `host` before `deadline`.
    static func resolve(_ host: String, deadline: ContinuousClock.Instant) async -> Outcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let request = Request(host: host, continuation: continuation)
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                request.finish(.timedOut)
            }
            request.setTimer(timer)
            let context = Unmanaged.passRetained(request).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                let request = Unmanaged<Request>.fromOpaque(context).takeRetainedValue()
                request.finish(HostResolver.lookUp(request.host))
                return nil
            }, context)
            if started == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged<Request>.fromOpaque(context).release()
                request.finish(.failed("could not start a resolver thread"))
            }
        }
    }

    /// The blocking lookup.
    static func lookUp(_ host: String) -> Outcome {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else {
            return .failed(String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var v4: [String] = []
        var v6: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            if let address = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin_addr
                        if inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil {
                            v4.append(Self.string(buffer))
                        }
                    }
                } else if entry.pointee.ai_family == AF_INET6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var raw = pointer.pointee.sin6_addr
                        if inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil {
                            v6.append(Self.string(buffer))
                        }
                    }
                }
            }
            cursor = entry.pointee.ai_next
        }
        var seen = Set<String>()
        let addresses = (v4 + v6).filter { seen.insert($0).inserted }
        return addresses.isEmpty ? .failed("no addresses") : .addresses(Array(addresses.prefix(4)))
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// One lookup; whichever of the lookup and the timer finishes first resumes the caller.
    private final class Request: Sendable {
        let host: String
        private let state: Mutex<(continuation: CheckedContinuation<Outcome, Never>?, timer: Task<Void, Never>?)>

        init(host: String, continuation: CheckedContinuation<Outcome, Never>) {
            self.host = host
            state = Mutex((continuation, nil))
        }

        func setTimer(_ timer: Task<Void, Never>) {
            let finished = state.withLock { state in
                if state.continuation == nil { return true }
                state.timer = timer
                return false
            }
            if finished { timer.cancel() }
        }

        func finish(_ outcome: Outcome) {
            let (continuation, timer) = state.withLock { state in
                let taken = (state.continuation, state.timer)
                state.continuation = nil
                state.timer = nil
                return taken
            }
            timer?.cancel()
            continuation?.resume(returning: outcome)
        }
    }
}
