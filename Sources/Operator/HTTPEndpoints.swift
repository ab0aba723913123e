import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves `/healthz`, `/readyz` and `/metrics` over HTTP/1.1; a ``Service`` of the operator process.
public final class HTTPEndpoints: ServiceLifecycle.Service {
    public typealias Check = @Sendable () -> Bool

    let port: Int
    let host: String
    let isHealthy: Check
    let isReady: Check
    let metrics: OperatorMetrics
    private let onBound: @Sendable (Int) -> Void
    private let bound = Mutex<Int?>(nil)

    /// - Parameters:
    ///   - port: the port to listen on; 0 for any free one (``boundPort`` tells which).
    ///   - isReady: `/readyz` answers 200 while it holds, 503 otherwise.
    ///   - onBound: called with the port once listening (when run as a ``Service``).
    public init(host: String = "0.0.0.0", port: Int, metrics: OperatorMetrics, isHealthy: @escaping Check, isReady: @escaping Check,
                onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.isHealthy = isHealthy
        self.isReady = isReady
        self.onBound = onBound
    }

    /// The port listened on, once bound.
    public var boundPort: Int? { bound.withLock { $0 } }

    /// Serves until the task is cancelled or the process shuts down gracefully.
    public func run() async throws {
        try await run(onBound: onBound)
    }

    /// Binds and serves until the task is cancelled or the process shuts down gracefully.
    /// Returns the bound port through `onBound`.
    public func run(onBound: @Sendable (Int) -> Void) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let handler = EndpointResponder(endpoints: self)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(EndpointHandler(responder: handler))
                }
            }
            .bind(host: host, port: port).get()
        let listening = channel.localAddress?.port ?? port
        bound.withLock { $0 = listening }
        onBound(listening)
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }

    /// The status and body for a path.
    func respond(path: String) -> (HTTPResponseStatus, String, String) {
        switch path.split(separator: "?").first.map(String.init) ?? path {
        case "/healthz":
            return isHealthy() ? (.ok, "text/plain", "ok\n") : (.serviceUnavailable, "text/plain", "unhealthy\n")
        case "/readyz":
            return isReady() ? (.ok, "text/plain", "ok\n") : (.serviceUnavailable, "text/plain", "caches not synced\n")
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", metrics.render())
        default:
            return (.notFound, "text/plain", "not found\n")
        }
    }
}

struct EndpointResponder: Sendable {
    let endpoints: HTTPEndpoints
}

final class EndpointHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: EndpointResponder
    private var path = "/"
    private var keepAlive = false

    init(responder: EndpointResponder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let (status, type, body) = responder.endpoints.respond(path: path)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: type)
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            if keepAlive {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                // Close once the response is out; the channel (Sendable) is captured, not the context.
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
