import KubeTypes
import Logging
import Synchronization

/// Keeps an ``ObjectCache`` of one collection up to date: lists, then watches
/// from the list's version; re-watches from the last seen version when the
/// server closes the stream; relists when the server says `410 Gone` (as an
/// HTTP code or an `ERROR` event); backs off with jitter on failures.
///
/// Generic over any ``KubernetesResource``, so it serves built-in types and CRDs alike.
public final class Informer<T: KubernetesResource>: Sendable {
    /// Counters, for tests and metrics.
    public struct Statistics: Sendable, Hashable {
        public var lists = 0
        public var watches = 0
        public var relistsAfterGone = 0
        public var failures = 0
    }

    /// The local copy.
    public let cache: ObjectCache<T>
    private let client: KubeClient
    private let namespace: String?
    private let labelSelector: String?
    private let fieldSelector: String?
    private let pageSize: Int
    private let watchTimeoutSeconds: Int
    private let backoff: Backoff
    private let handler: (@Sendable (InformerEvent<T>) -> Void)?
    private let transform: (@Sendable (T) -> T)?
    private let stats = Mutex(Statistics())

    /// - Parameters:
    ///   - namespace: one namespace, or `nil` for all.
    ///   - labelSelector, fieldSelector: restrict the collection (server-side).
    ///   - watchTimeoutSeconds: ask the server to end each watch after about this long (re-watched at once).
    ///   - changes: the signal the cache fires after each list and change (shared by informers waited on together).
    ///   - indexLabel: a label key the cache indexes (see ``ObjectCache/init(changes:indexLabel:)``).
    ///   - handler: called for every change, in order, after the cache has it.
    public init(
        client: KubeClient, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        pageSize: Int = 500, watchTimeoutSeconds: Int = 300, backoff: Backoff = Backoff(),
        changes: ChangeSignal = ChangeSignal(), indexLabel: String? = nil,
        transform: (@Sendable (T) -> T)? = nil,
        handler: (@Sendable (InformerEvent<T>) -> Void)? = nil
    ) {
        cache = ObjectCache<T>(changes: changes, indexLabel: indexLabel)
        self.transform = transform
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.backoff = backoff
        self.handler = handler
    }

    /// Counters so far.
    public var statistics: Statistics { stats.withLock { $0 } }

    /// Runs until the calling task is cancelled.
    public func run() async {
        var needsList = true
        var failures = 0
        while !Task.isCancelled {
            do {
                if needsList {
                    let list = try await client.listAll(
                        T.self, namespace: namespace,
                        options: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector), pageSize: pageSize)
                    stats.withLock { $0.lists += 1 }
                    let items = transform.map { list.items.map($0) } ?? list.items
                    for event in cache.replace(with: items, resourceVersion: list.metadata.resourceVersion) {
                        handler?(event)
                    }
                    needsList = false
                }
                stats.withLock { $0.watches += 1 }
                let timeout = watchTimeoutSeconds + Int.random(in: 0...max(1, watchTimeoutSeconds / 5))
                let stream = client.watch(
                    T.self, namespace: namespace,
                    options: WatchOptions(
                        labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: cache.resourceVersion,
                        allowWatchBookmarks: true, timeoutSeconds: timeout))
                let watchStart = ContinuousClock.now
                var sawEvent = false
                for try await event in stream {
                    if let change = cache.apply(transform.map { event.map($0) } ?? event) { handler?(change) }
                    sawEvent = true
                    failures = 0
                }
                // The server ended the stream: watch again from the last version seen, at
                // once; but not in a tight loop when it keeps closing streams straight away.
                if !sawEvent, ContinuousClock.now - watchStart < .seconds(1) {
                    let delay = backoff.delay(attempt: failures)
                    failures += 1
                    do { try await Task.sleep(for: delay) } catch { return }
                }
            } catch let error as KubeAPIError where error.code == .gone {
                stats.withLock { $0.relistsAfterGone += 1 }
                client.logger.debug("informer relists after 410 Gone", metadata: ["resource": "\(ResourceType(T.self))"])
                needsList = true
            } catch {
                if Task.isCancelled { return }
                stats.withLock { $0.failures += 1 }
                client.logger.warning(
                    "informer list/watch failed", metadata: ["resource": "\(ResourceType(T.self))", "error": "\(error)"])
                let delay = backoff.delay(attempt: failures)
                failures += 1
                do { try await Task.sleep(for: delay) } catch { return }
            }
        }
    }

    /// Waits until the first list is in the cache (or the task is cancelled): woken by the
    /// cache's ``ObjectCache/changes``, not by polling.
    public func waitUntilSynced() async {
        try? await cache.waitUntilSynced()
    }
}
