import KubeTypes
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// An in-process fake of the Kubernetes API server, for tests: HTTP/1.1 (or
/// HTTPS) on loopback, reached through the real client.
///
/// It serves any resource path generically (`/api/v1/...`, `/apis/G/V/...`,
/// namespaced and cluster-scoped) and stores objects as `JSONValue`, keeping
/// the semantics a controller relies on: resourceVersions and 409 conflicts,
/// Status bodies for 404/409/410/422, selectors and pagination, ordered watch
/// streams, merge patch, a reasonable server-side apply, the status
/// subresource, and `metadata.generation`. Tests reach the store directly
/// (seed, read, delete), count requests, and inject faults.
public final class KubeTestServer: Sendable {
    /// HTTPS settings: the server's certificate and key, and optionally a CA
    /// whose client certificates it requires.
    public struct TLS: Sendable {
        /// PEM file of the server certificate (chain).
        public var certificatePath: String
        /// PEM file of its private key.
        public var privateKeyPath: String
        /// PEM file of the CA whose client certificates are required; `nil` asks for none.
        public var clientCAPath: String?

        public init(certificatePath: String, privateKeyPath: String, clientCAPath: String? = nil) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
        }
    }

    let core: ServerCore
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The loopback port it listens on.
    public let port: Int
    /// Whether it serves HTTPS.
    public let isTLS: Bool

    /// The base URL to put in a kubeconfig's `server`.
    public var url: String { "\(isTLS ? "https" : "http")://127.0.0.1:\(port)" }

    private init(core: ServerCore, group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, isTLS: Bool) {
        self.core = core
        self.group = group
        self.channel = channel
        self.port = port
        self.isTLS = isTLS
    }

    /// Starts a server on an ephemeral loopback port.
    public static func start(tls: TLS? = nil, threads: Int = 2) async throws -> KubeTestServer {
        let core = ServerCore()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var sslContext: NIOSSLContext?
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)))
            if let clientCA = tls.clientCAPath {
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .file(clientCA)
            }
            configuration.applicationProtocols = ["http/1.1"]
            sslContext = try NIOSSLContext(configuration: configuration)
        }
        let context = sslContext
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                core.connections.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(APIRequestHandler(core: core))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            let port = channel.localAddress?.port ?? 0
            return KubeTestServer(core: core, group: group, channel: channel, port: port, isTLS: tls != nil)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening, closes every connection and ends the event loops.
    public func shutdown() async {
        closeWatches()
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    // MARK: - Direct access to the store

    /// Stores `object` as is (no validation; a Secret's `stringData` is moved into `data` as the
    /// real server does), creating or replacing it, with a new resourceVersion, and sends the
    /// event to watches. Returns it as stored.
    @discardableResult
    public func put(_ object: JSONValue, in resource: ResourceKey) -> JSONValue {
        let name = object.metadataName ?? ""
        let namespace = object.metadataNamespace ?? ""
        let key = ObjectKey(namespace: namespace, name: name)
        return core.store.state.withLock { state in
            var value = object
            state.completeTypeInfo(&value, resource: resource)
            StoreState.convertStringData(&value, resource: resource)
            let old = state.collections[resource]?[key]
            if value["metadata"]?["uid"] == nil {
                value.setValue(old?.value["metadata"]?["uid"] ?? .string(StoreState.makeUID()), at: ["metadata", "uid"])
            }
            if value["metadata"]?["creationTimestamp"] == nil {
                value.setValue(.string(StoreState.now()), at: ["metadata", "creationTimestamp"])
            }
            if value["metadata"]?["generation"] == nil { value.setValue(.int(1), at: ["metadata", "generation"]) }
            let rev = state.nextRevision()
            value.setValue(.string(String(rev)), at: ["metadata", "resourceVersion"])
            state.collections[resource, default: [:]][key] = StoredObject(value: value, owners: old?.owners ?? [:])
            state.record(
                HistoryEntry(
                    resource: resource, revision: rev, type: old == nil ? "ADDED" : "MODIFIED", object: value,
                    old: old?.value))
            return value
        }
    }

    /// Stores a typed object as is; see ``put(_:in:)``.
    @discardableResult
    public func put<T: KubernetesResource>(_ object: T) throws -> T {
        let stored = put(try JSONCoding.jsonValue(object), in: ResourceKey(T.self))
        return try JSONCoding.typed(T.self, from: stored)
    }

    /// Tells the server a collection's `apiVersion` and `kind`, so objects stored
    /// without them (by ``put(_:in:)`` or a client that omits them) get them, as
    /// from a real server. Objects that carry both teach the server the same.
    public func register(_ resource: ResourceKey, apiVersion: String, kind: String) {
        core.store.state.withLock { $0.typeInfo[resource] = (apiVersion, kind) }
    }

    /// Registers a typed resource's `apiVersion` and `kind`; see ``register(_:apiVersion:kind:)``.
    public func register<T: KubernetesResource>(_ type: T.Type) {
        register(ResourceKey(T.self), apiVersion: T.apiVersion, kind: T.kind)
    }

    /// The stored object, or `nil`. `namespace` is `nil` for cluster-scoped objects.
    public func object(in resource: ResourceKey, namespace: String?, name: String) -> JSONValue? {
        core.store.state.withLock {
            $0.collections[resource]?[ObjectKey(namespace: namespace ?? "", name: name)]?.value
        }
    }

    /// The stored object decoded as `T`, or `nil`.
    public func object<T: KubernetesResource>(_ type: T.Type, namespace: String?, name: String) throws -> T? {
        guard let value = object(in: ResourceKey(T.self), namespace: namespace, name: name) else { return nil }
        return try JSONCoding.typed(T.self, from: value)
    }

    /// Every stored object of a collection, ordered by namespace and name.
    public func objects(in resource: ResourceKey) -> [JSONValue] {
        core.store.state.withLock { state in
            (state.collections[resource] ?? [:]).sorted { $0.key < $1.key }.map(\.value.value)
        }
    }

    /// Deletes an object at once (finalizers ignored), sending `DELETED` to watches.
    public func remove(in resource: ResourceKey, namespace: String?, name: String) {
        _ = core.store.state.withLock {
            $0.remove(resource, key: ObjectKey(namespace: namespace ?? "", name: name), path: nil)
        }
    }

    /// The store's current resourceVersion.
    public var currentResourceVersion: String {
        core.store.state.withLock { String($0.revision) }
    }

    /// What `GET /version` answers (a v1.32 server unless a test says otherwise).
    public func setServerVersion(major: String, minor: String, gitVersion: String) {
        core.controls.withLock { $0.serverVersion = ["major": .string(major), "minor": .string(minor), "gitVersion": .string(gitVersion)] }
    }

    /// An admission check run on every create, update, patch and apply: causes
    /// it returns make the write fail with `422 Invalid`.
    public func setValidator(_ validator: (@Sendable (ResourceKey, JSONValue) -> [StatusCause])?) {
        core.store.state.withLock { $0.validator = validator }
    }

    // MARK: - Watches

    /// Forgets the change history: watches and continue tokens from older
    /// versions now get `410 Gone`.
    public func compact() {
        core.store.state.withLock { $0.compact() }
    }

    /// Ends every open watch stream cleanly, as the server does when its watch timeout passes.
    public func closeWatches() {
        core.store.broadcast(end: true) { _, _ in nil }
    }

    /// Ends every open watch with an `ERROR` event carrying a 410 Status, as
    /// after an etcd compaction, and compacts the history.
    public func expireWatches() {
        compact()
        core.store.broadcast(end: true) { _, revision in
            .event(type: "ERROR", object: APIError.gone("too old resource version (\(revision))").status.jsonValue)
        }
    }

    /// Sends a `BOOKMARK` with the current resourceVersion to every watch that allowed bookmarks.
    public func sendBookmarks() {
        core.store.broadcast(end: false) { watcher, revision in
            guard watcher.allowBookmarks else { return nil }
            return .event(
                type: "BOOKMARK",
                object: .object([
                    "apiVersion": .string(watcher.apiVersion),
                    "metadata": .object(["resourceVersion": .string(String(revision))]),
                ]))
        }
    }

    /// How many watches are open.
    public var openWatchCount: Int {
        core.store.state.withLock { $0.watchers.count }
    }

    /// Whether a watch from a compacted version is refused with an HTTP 410
    /// (true) or, as the real server does, a 200 stream with one `ERROR` event (false, the default).
    public func setGoneAsHTTPStatus(_ value: Bool) {
        core.controls.withLock { $0.goneAsHTTPStatus = value }
    }

    // MARK: - Faults, auth and request records

    /// Adds a fault; faults are checked in the order added.
    public func inject(_ fault: Fault) {
        core.controls.withLock { $0.faults.append(fault) }
    }

    /// Removes every fault.
    public func clearFaults() {
        core.controls.withLock { $0.faults.removeAll() }
    }

    /// Accept only these bearer tokens (`401 Unauthorized` otherwise); `nil` accepts any request.
    public func requireBearerTokens(_ tokens: Set<String>?) {
        core.controls.withLock { $0.requiredBearerTokens = tokens }
    }

    /// Every request received so far, in order.
    public var requests: [RecordedRequest] {
        core.controls.withLock { $0.requests }
    }

    /// How many connections clients have opened so far (keep-alive reuse keeps this low).
    public var connectionCount: Int {
        core.connections.load(ordering: .relaxed)
    }

    /// The most requests an injected latency held at the same moment: how many
    /// of a client's requests were really in flight together.
    public var peakConcurrentDelayedRequests: Int {
        core.delayed.withLock { $0.peak }
    }

    /// How many requests with this verb were received (`get`, `list`, `watch`, `create`, ...).
    public func requestCount(verb: String) -> Int {
        core.controls.withLock { $0.requests.count { $0.verb == verb } }
    }

    /// Forgets recorded requests; with `keepRecording: false`, stops recording (for benchmarks).
    public func resetRequests(keepRecording: Bool = true) {
        core.controls.withLock {
            $0.requests.removeAll()
            $0.recordsRequests = keepRecording
        }
    }
}
