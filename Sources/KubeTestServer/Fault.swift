/// A failure the test server injects into matching requests, to exercise the
/// client's error paths.
public struct Fault: Sendable {
    /// What happens to a matching request.
    public enum Action: Sendable {
        /// Answer normally, after a delay.
        case latency(Duration)
        /// Answer with this HTTP code and an `InternalError`-style Status body.
        case status(Int)
        /// `429 TooManyRequests` with a `Retry-After` header.
        case tooManyRequests(retryAfterSeconds: Int)
        /// Close the connection without answering.
        case dropConnection
    }

    /// Only requests with this verb (`get`, `list`, `watch`, `create`, `update`,
    /// `patch`, `apply`, `delete`); `nil` for any.
    public var verb: String?
    /// Only requests whose path contains this text; `nil` for any.
    public var pathContains: String?
    /// How many requests it applies to; `nil` for all until cleared.
    public var count: Int?
    public var action: Action

    public init(_ action: Action, verb: String? = nil, pathContains: String? = nil, count: Int? = 1) {
        self.action = action
        self.verb = verb
        self.pathContains = pathContains
        self.count = count
    }

    func matches(verb: String, path: String) -> Bool {
        (self.verb == nil || self.verb == verb) && (pathContains.map { path.contains($0) } ?? true)
    }
}

/// One request the test server received, for assertions.
public struct RecordedRequest: Sendable {
    /// The API verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `apply`, `delete`, `deletecollection`).
    public var verb: String
    public var method: String
    public var path: String
    public var query: [String: String]
    public var contentType: String?
    /// The bearer token the request carried, if any (the test server is test-only).
    public var bearerToken: String?
    /// The User-Agent header.
    public var userAgent: String?
    /// The request body, kept for DELETE requests (their DeleteOptions) only.
    public var deleteBody: String?
}
