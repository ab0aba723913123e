import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `/healthz`, `/readyz` and `/metrics` over HTTP/1.1.
public final class HTTPEndpoints: Sendable {
    public typealias Check = @Sendable () -> Bool

    let port: Int
    let host: String
    let isHealthy: Check
    let isReady: Check
    let metrics: OperatorMetrics

    public init(host: String = "0.0.0.0", port: Int, metrics: OperatorMetrics, isHealthy: @escaping Check, isReady: @escaping Check) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.isHealthy = isHealthy
        self.isReady = isReady
    }

    /// Binds and serves until the task is cancelled. Returns the bound port through `onBound`.
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
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
        onBound(channel.localAddress?.port ?? port)
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
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
