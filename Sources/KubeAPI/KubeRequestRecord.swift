/// One finished API request, for metrics ("API requests by verb and code") and logs.
public struct KubeRequestRecord: Sendable {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `apply`, `delete`.
    public var verb: String
    /// The resource (`pods`, `postgresclusters.ordinal.dev`), with `/status` for the subresource.
    public var resource: String
    public var namespace: String?
    /// The HTTP code, or `nil` when no answer came.
    public var statusCode: Int?
    public var duration: Duration
}

/// Retries the client makes on its own.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after `429 TooManyRequests`, waiting `Retry-After` (capped by ``maximumRetryAfter``).
    public var tooManyRequestsRetries: Int
    public var maximumRetryAfter: Duration
    /// Retries of reads (get, list) after transport failures and 5xx answers.
    public var readRetries: Int

    public init(tooManyRequestsRetries: Int = 3, maximumRetryAfter: Duration = .seconds(10), readRetries: Int = 2) {
        self.tooManyRequestsRetries = tooManyRequestsRetries
        self.maximumRetryAfter = maximumRetryAfter
        self.readRetries = readRetries
    }

    /// No retries at all.
    public static let none = RetryPolicy(tooManyRequestsRetries: 0, readRetries: 0)
}
