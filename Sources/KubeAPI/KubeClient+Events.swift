import Foundation
import KubeTypes

/// Whether an Event reports ordinary progress or something needing attention.
public enum EventType: String, Sendable, Hashable {
    case normal = "Normal"
    case warning = "Warning"
}

extension KubeClient {
    /// Records a core/v1 Event about `object` (shown by `kubectl describe`), named
    /// like client-go's (`<object>.<hex nanoseconds>`), in the object's namespace.
    @discardableResult
    public func recordEvent<T: KubernetesResource>(
        about object: T, type: EventType, reason: String, message: String, component: String, instance: String? = nil
    ) async throws(KubeAPIError) -> Event {
        let now = Date().timeIntervalSince1970
        let timestamp = KubeTime.format(now)
        let name = (object.metadata.name ?? "object") + "." + String(UInt64(now * 1_000_000_000), radix: 16)
        let namespace = object.metadata.namespace ?? config.namespace
        let event = Event(
            metadata: ObjectMeta(name: name, namespace: namespace), involvedObject: ObjectReference(to: object),
            reason: reason, message: String(message.prefix(1024)), type: type.rawValue,
            source: EventSource(component: component), firstTimestamp: timestamp, lastTimestamp: timestamp,
            count: 1, reportingComponent: component, reportingInstance: instance)
        return try await create(event, namespace: namespace)
    }
}
