import KubeTypes
import Synchronization

/// What the request handlers share: the store and the test's controls.
final class ServerCore: Sendable {
    struct Controls: Sendable {
        var faults: [Fault] = []
        var requests: [RecordedRequest] = []
        var recordsRequests = true
        var requiredBearerTokens: Set<String>?
        var goneAsHTTPStatus = false
        var serverVersion: JSONValue = [
            "major": "1", "minor": "32", "gitVersion": "v1.32.13", "platform": "linux/amd64",
        ]
    }

    let store = ObjectStore()
    let controls = Mutex(Controls())
    let connections = Atomic<Int>(0)
    /// Requests held by an injected latency right now, and the most ever held at once.
    let delayed = Mutex((now: 0, peak: 0))

    func delayStarted() {
        delayed.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
    }

    func delayEnded() {
        delayed.withLock { $0.now -= 1 }
    }

    func record(_ request: APIRequest, bearerToken: String?, userAgent: String?) {
        controls.withLock { controls in
            guard controls.recordsRequests else { return }
            controls.requests.append(
                RecordedRequest(
                    verb: request.verb, method: request.method, path: request.rawPath, query: request.query,
                    contentType: request.contentType, bearerToken: bearerToken, userAgent: userAgent,
                    deleteBody: request.method == "DELETE" && !request.body.isEmpty
                        ? String(decoding: request.body, as: UTF8.self) : nil))
        }
    }

    /// The first fault matching the request, used up by one.
    func takeFault(verb: String, path: String) -> Fault.Action? {
        controls.withLock { controls in
            guard let index = controls.faults.firstIndex(where: { $0.matches(verb: verb, path: path) }) else {
                return nil
            }
            let fault = controls.faults[index]
            if let count = fault.count {
                if count <= 1 {
                    controls.faults.remove(at: index)
                } else {
                    controls.faults[index].count = count - 1
                }
            }
            return fault.action
        }
    }

    func isAuthorized(bearerToken: String?) -> Bool {
        controls.withLock { controls in
            guard let required = controls.requiredBearerTokens else { return true }
            return bearerToken.map(required.contains) ?? false
        }
    }

    var goneAsHTTPStatus: Bool { controls.withLock { $0.goneAsHTTPStatus } }
    var serverVersion: JSONValue { controls.withLock { $0.serverVersion } }
}
