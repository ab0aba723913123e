/// The API server's answer to a refused request (`metav1.Status`), the body of
/// every non-2xx response and of a watch `ERROR` event.
///
/// Unset fields are omitted when encoding, never sent as `null`.
public struct Status: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    /// `Success` or `Failure`.
    public var status: String?
    /// A human-readable description of the refusal.
    public var message: String?
    /// A machine-readable reason (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...).
    public var reason: String?
    /// Extra data about the refusal: which object, which fields.
    public var details: StatusDetails?
    /// The HTTP status code the refusal came with.
    public var code: Int?

    public init(
        status: String? = "Failure", message: String? = nil, reason: String? = nil,
        details: StatusDetails? = nil, code: Int? = nil
    ) {
        self.apiVersion = "v1"
        self.kind = "Status"
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }
}

/// Which object a ``Status`` is about, and why (`metav1.StatusDetails`).
public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    /// The resource (plural, for example `pods`) or kind the refusal concerns.
    public var kind: String?
    public var uid: String?
    /// Field-level causes, for `Invalid` and apply conflicts.
    public var causes: [StatusCause]?
    /// Seconds the client should wait before retrying, when the server says so.
    public var retryAfterSeconds: Int?

    public init(
        name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
        causes: [StatusCause]? = nil, retryAfterSeconds: Int? = nil
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// One field-level cause of a refusal (`metav1.StatusCause`).
public struct StatusCause: Codable, Sendable, Hashable {
    /// For example `FieldValueRequired`, `FieldValueInvalid`, `FieldManagerConflict`.
    public var reason: String?
    public var message: String?
    /// The field path, for example `spec.replicas` or `metadata.name`.
    public var field: String?

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
