#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import Operator
import Synchronization
import Testing

/// `/healthz`, `/readyz` and `/metrics` over real HTTP.
@Suite("HTTP endpoints")
struct EndpointTests {
    /// A plain HTTP/1.1 GET over a socket; returns the status line and the body.
    static func get(port: Int, path: String) throws -> (status: String, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError(message: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HarnessError(message: "connect failed") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (parts.first?.components(separatedBy: "\r\n").first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// Serves `/healthz`, `/readyz` and `/metrics` on a free loopback port; returns the port and
    /// the task to cancel.
    static func serve(_ metrics: OperatorMetrics, isReady: @escaping @Sendable () -> Bool = { true }) async throws -> (Int, Task<Void, any Error>) {
        let endpoints = HTTPEndpoints(host: "127.0.0.1", port: 0, metrics: metrics, isHealthy: { true }, isReady: isReady)
        let bound = Mutex<Int?>(nil)
        let server = Task { try await endpoints.run { port in bound.withLock { $0 = port } } }
        for _ in 0..<200 {
            if let port = bound.withLock({ $0 }) { return (port, server) }
            try await Task.sleep(for: .milliseconds(10))
        }
        server.cancel()
        throw HarnessError(message: "the endpoints did not bind a port")
    }

    @Test func endpointsAnswerWithStatusAndMetrics() async throws {
        let metrics = OperatorMetrics()
        metrics.observeReconcile(result: "success", seconds: 0.02)
        metrics.observeAPIRequest(verb: "apply", code: 200)
        metrics.setPhase("Healthy", cluster: "shop/orders")
        let ready = Atomic<Bool>(false)
        let (open, server) = try await Self.serve(metrics, isReady: { ready.load(ordering: .relaxed) })
        defer { server.cancel() }

        #expect(try Self.get(port: open, path: "/healthz").status == "HTTP/1.1 200 OK")
        #expect(try Self.get(port: open, path: "/readyz").status == "HTTP/1.1 503 Service Unavailable")
        ready.store(true, ordering: .relaxed)
        #expect(try Self.get(port: open, path: "/readyz").status == "HTTP/1.1 200 OK")
        let scrape = try Self.get(port: open, path: "/metrics")
        #expect(scrape.status == "HTTP/1.1 200 OK")
        #expect(scrape.body.contains("ordinal_reconcile_total{result=\"success\"} 1"))
        #expect(scrape.body.contains("ordinal_api_requests_total{verb=\"apply\",code=\"200\"} 1"))
        #expect(scrape.body.contains("ordinal_clusters{phase=\"Healthy\"} 1"))
        #expect(scrape.body.contains("ordinal_reconcile_duration_seconds_bucket{result=\"success\",le=\"0.025\"} 1"))
        #expect(try Self.get(port: open, path: "/nothing").status == "HTTP/1.1 404 Not Found")
    }

    @Test func jsonLogLinesEscapeEverything() {
        #expect(JSONLogHandler.quote("a \"b\"\n\tc\\") == "\"a \\\"b\\\"\\n\\tc\\\\\"")
        #expect(JSONLogHandler.quote("\u{01}") == "\"\\u0001\"")
    }
}
