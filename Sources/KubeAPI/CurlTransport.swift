import Foundation
import Synchronization

/// Runs HTTP transfers with libcurl on threads of its own, never on Swift's
/// cooperative pool.
///
/// Ordinary requests go to a fixed set of worker threads, each with one
/// reusable easy handle (so connections are kept alive and reused, and HTTP/2
/// is used where the server offers it over TLS). Each stream (a watch) gets a
/// dedicated thread and handle for its lifetime. Cancelling the calling task
/// stops a blocked transfer within about a second (libcurl's progress callback).
final class CurlTransport: Sendable {
    private struct Job: Sendable {
        var run: @Sendable (CurlEasy) -> Void
    }

    private let jobs = Mutex<[Job]>([])
    private let available = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    let workerCount: Int

    init(workers: Int) {
        workerCount = max(1, workers)
        for index in 0..<workerCount {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "kube-curl-\(index)"
            thread.start()
        }
    }

    /// Stops the workers once their current transfer ends.
    func shutdown() {
        stopped.store(true, ordering: .releasing)
        for _ in 0..<workerCount { available.signal() }
    }

    private func workerLoop() {
        guard let easy = CurlEasy() else { return }
        while true {
            available.wait()
            if stopped.load(ordering: .acquiring) { return }
            let job = jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            job?.run(easy)
        }
    }

    /// Sends a request and collects the whole response.
    func perform(_ request: HTTPRequest, tls: TLSSettings) async throws(TransportFailure) -> HTTPResponse {
        let flag = CancellationFlag()
        let result: Result<HTTPResponse, TransportFailure> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let job = Job { easy in
                    if flag.isCancelled {
                        continuation.resume(returning: .failure(TransportFailure(kind: .cancelled, detail: "cancelled")))
                        return
                    }
                    continuation.resume(returning: easy.perform(request, tls: tls, cancellation: flag))
                }
                if stopped.load(ordering: .acquiring) {
                    continuation.resume(returning: .failure(TransportFailure(kind: .failed, detail: "client shut down")))
                    return
                }
                jobs.withLock { $0.append(job) }
                available.signal()
            }
        } onCancel: {
            flag.cancel()
        }
        return try result.get()
    }

    /// Runs a streaming request on a dedicated thread: `onData` gets each chunk
    /// of a 2xx body as it arrives (return false to stop), `onEnd` the final
    /// response (with the body of a non-2xx answer) or the failure.
    func stream(
        _ request: HTTPRequest, tls: TLSSettings, cancellation: CancellationFlag,
        onData: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool,
        onEnd: @escaping @Sendable (Result<HTTPResponse, TransportFailure>) -> Void
    ) {
        let thread = Thread {
            guard let easy = CurlEasy() else {
                onEnd(.failure(TransportFailure(kind: .failed, detail: "curl_easy_init failed")))
                return
            }
            onEnd(easy.perform(request, tls: tls, cancellation: cancellation, onData: onData))
        }
        thread.name = "kube-watch"
        thread.start()
    }
}
