import KubeTypes
import NIOCore
import NIOHTTP1

/// Per-connection handler: collects a request, applies faults and auth, and
/// answers from the store, or streams a watch.
final class APIRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Loop-confined state of the watch this connection streams.
    final class WatchSession {
        var id: Int?
        var ended = false
    }

    private let core: ServerCore
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var watch: WatchSession?

    init(core: ServerCore) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.removeAll(keepingCapacity: true)
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            receive(head, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let watch, let id = watch.id {
            watch.ended = true
            core.store.stopWatch(id)
        }
        context.fireChannelInactive()
    }

    private func receive(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        var request = APIRequest(
            method: head.method.rawValue, uri: head.uri, contentType: head.headers.first(name: "content-type"),
            body: body)
        if let agent = head.headers.first(name: "user-agent"), let name = agent.split(separator: "/").first {
            request.defaultManager = String(name)
        }
        var bearer: String?
        if let authorization = head.headers.first(name: "authorization"), authorization.hasPrefix("Bearer ") {
            bearer = String(authorization.dropFirst("Bearer ".count))
        }
        core.record(request, bearerToken: bearer, userAgent: head.headers.first(name: "user-agent"))
        let keepAlive = head.isKeepAlive
        guard core.isAuthorized(bearerToken: bearer) else {
            let status = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized").status
            respond(context, code: 401, body: status.jsonValue, keepAlive: keepAlive)
            return
        }
        switch core.takeFault(verb: request.verb, path: request.rawPath) {
        case .dropConnection?:
            context.close(promise: nil)
        case .status(let code)?:
            let reasons = [
                401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Expired",
                503: "ServiceUnavailable", 504: "Timeout",
            ]
            let message =
                code == 403
                ? "injected fault: the user cannot perform this action (forbidden)"
                : "an error on the server (\"injected fault\") has prevented the request from succeeding"
            let status = APIError(code: code, reason: reasons[code] ?? "InternalError", message: message).status
            respond(context, code: code, body: status.jsonValue, keepAlive: keepAlive)
        case .tooManyRequests(let seconds)?:
            let status = APIError(
                code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                details: StatusDetails(retryAfterSeconds: seconds)
            ).status
            respond(
                context, code: 429, body: status.jsonValue, keepAlive: keepAlive,
                headers: [("Retry-After", String(seconds))])
        case .latency(let delay)?:
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
            let delayed = request
            core.delayStarted()
            context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                let (handler, context) = bound.value
                handler.core.delayEnded()
                handler.process(delayed, keepAlive: keepAlive, context: context)
            }
        case nil:
            process(request, keepAlive: keepAlive, context: context)
        }
    }

    private func process(_ request: APIRequest, keepAlive: Bool, context: ChannelHandlerContext) {
        if request.method == "GET", let path = request.path, path.name == nil, request.flag("watch") {
            startWatch(request, path: path, keepAlive: keepAlive, context: context)
            return
        }
        if request.method == "GET", request.rawPath == "/version" {
            respond(context, code: 200, body: core.serverVersion, keepAlive: keepAlive)
            return
        }
        let (code, body) = core.store.handle(request)
        respond(context, code: code, body: body, keepAlive: keepAlive)
    }

    private func respond(
        _ context: ChannelHandlerContext, code: Int, body: JSONValue, keepAlive: Bool, headers extra: [(String, String)] = []
    ) {
        let bytes = JSONCoding.encode(body)
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(bytes.count))])
        headers.add(contentsOf: extra)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: code), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func startWatch(_ request: APIRequest, path: APIPath, keepAlive: Bool, context: ChannelHandlerContext) {
        let session = WatchSession()
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context, session), eventLoop: loop)
        let send: @Sendable (WatchFrame) -> Void = { frame in
            loop.execute {
                let (handler, context, session) = bound.value
                handler.deliver(frame, session: session, context: context)
            }
        }
        let id: Int
        do {
            id = try core.store.startWatch(request, path: path, send: send)
        } catch {
            if error.code == 410, !core.goneAsHTTPStatus {
                writeWatchHead(context)
                session.id = nil
                deliver(.event(type: "ERROR", object: error.status.jsonValue), session: session, context: context)
                deliver(.end, session: session, context: context)
            } else {
                respond(context, code: error.code, body: error.status.jsonValue, keepAlive: keepAlive)
            }
            return
        }
        session.id = id
        watch = session
        writeWatchHead(context)
        if let timeout = request.query["timeoutSeconds"].flatMap(Int64.init), timeout > 0 {
            let store = core.store
            loop.scheduleTask(in: .seconds(timeout)) {
                let (handler, context, session) = bound.value
                guard !session.ended else { return }
                store.stopWatch(id)
                handler.deliver(.end, session: session, context: context)
            }
        }
    }

    private func writeWatchHead(_ context: ChannelHandlerContext) {
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
    }

    private func deliver(_ frame: WatchFrame, session: WatchSession, context: ChannelHandlerContext) {
        guard !session.ended, context.channel.isActive else { return }
        switch frame {
        case .event(let type, let object):
            var bytes = JSONCoding.encode(JSONValue.object(["type": .string(type), "object": object]))
            bytes.append(UInt8(ascii: "\n"))
            context.writeAndFlush(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        case .end:
            session.ended = true
            if watch === session { watch = nil }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
