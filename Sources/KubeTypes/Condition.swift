/// A status condition in the standard `metav1.Condition` shape.
public struct Condition: Codable, Sendable, Hashable {
    /// `Ready`, `Progressing`, `Degraded`, ...
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var reason: String
    public var message: String
    public var observedGeneration: Int64?
    /// RFC 3339 time of the last change of `status`.
    public var lastTransitionTime: String

    public init(type: String, status: String, reason: String, message: String, observedGeneration: Int64?, lastTransitionTime: String) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.observedGeneration = observedGeneration
        self.lastTransitionTime = lastTransitionTime
    }
}
