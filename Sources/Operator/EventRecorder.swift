import KubeAPI
import KubeTypes
import Logging
import Synchronization

/// Records Kubernetes Events about PostgresClusters for what a human should know, de-duplicated:
/// the same reason and message for the same object is sent once per `window`.
public final class EventRecorder: Sendable {
    private let client: KubeClient
    private let logger: Logger
    private let window: Duration
    private let recent = Mutex<[String: ContinuousClock.Instant]>([:])
    private let component: String

    private let clock: WallClock

    public init(client: KubeClient, logger: Logger, component: String = "ordinal", window: Duration = .seconds(600), clock: WallClock = .system) {
        self.client = client
        self.clock = clock
        self.logger = logger
        self.component = component
        self.window = window
    }

    /// Sends an Event (type `Normal` or `Warning`) about `cluster`, unless the same one was sent recently.
    public func record(_ cluster: ObjectReference, type: String, reason: String, message: String) async {
        let key = "\(cluster.namespace ?? "")/\(cluster.name ?? "")|\(type)|\(reason)|\(message)"
        let now = ContinuousClock.now
        let isNew = recent.withLock { seen -> Bool in
            if let last = seen[key], now - last < window { return false }
            seen[key] = now
            if seen.count > 10_000 { seen = seen.filter { now - $0.value < window } }
            return true
        }
        guard isNew else { return }
        let time = KubeTime.format(clock.now())
        let suffix = String(UInt64.random(in: 0..<UInt64.max), radix: 36)
        let event = Event(
            metadata: ObjectMeta(name: "\(cluster.name ?? "cluster").\(suffix)", namespace: cluster.namespace),
            involvedObject: cluster, reason: reason, message: message, type: type,
            source: EventSource(component: component), firstTimestamp: time, lastTimestamp: time, count: 1,
            reportingComponent: component)
        do {
            _ = try await client.create(event, namespace: cluster.namespace)
        } catch {
            logger.warning("could not record event", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }
}
