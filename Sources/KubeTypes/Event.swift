/// A core/v1 Event: something that happened to an object, shown by `kubectl describe`.
public struct Event: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Event"
    public static let plural = "events"

    public var apiVersion: String = Event.apiVersion
    public var kind: String = Event.kind
    public var metadata: ObjectMeta
    /// The object this event is about.
    public var involvedObject: ObjectReference
    /// Short, machine-friendly, UpperCamelCase (`PrimaryChanged`).
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var source: EventSource?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var eventTime: String?
    public var count: Int?
    public var action: String?
    public var reportingComponent: String?
    public var reportingInstance: String?

    public init(
        metadata: ObjectMeta, involvedObject: ObjectReference, reason: String? = nil, message: String? = nil,
        type: String? = nil, source: EventSource? = nil, firstTimestamp: String? = nil,
        lastTimestamp: String? = nil, eventTime: String? = nil, count: Int? = nil, action: String? = nil,
        reportingComponent: String? = nil, reportingInstance: String? = nil
    ) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.eventTime = eventTime
        self.count = count
        self.action = action
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }
}

/// The component that reported an ``Event``.
public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?

    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}
