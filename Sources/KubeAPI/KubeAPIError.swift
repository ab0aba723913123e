import KubeTypes

/// A failed Kubernetes API call: either the server refused it (an HTTP code
/// and its `Status` body) or it never got an answer (transport, timeout,
/// cancellation), or the client could not build or read it.
///
/// The description names the call and what the server said; it never holds a
/// token, a header, a request body or Secret data.
public struct KubeAPIError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, alreadyExists, conflict, gone,
                unsupportedMediaType, invalid, tooManyRequests, serverError, serverTimeout, otherStatus
            case transport, timeout, cancelled, decoding, encoding, configuration, credentials
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 400.
        public static let badRequest = Code(.badRequest)
        /// 401: the credentials were refused.
        public static let unauthorized = Code(.unauthorized)
        /// 403.
        public static let forbidden = Code(.forbidden)
        /// 404.
        public static let notFound = Code(.notFound)
        /// 405.
        public static let methodNotAllowed = Code(.methodNotAllowed)
        /// 409 with reason `AlreadyExists`: a create of an existing name.
        public static let alreadyExists = Code(.alreadyExists)
        /// 409 otherwise: a stale resourceVersion, a failed precondition, or an apply conflict.
        public static let conflict = Code(.conflict)
        /// 410: the version asked for is compacted; relist.
        public static let gone = Code(.gone)
        /// 415.
        public static let unsupportedMediaType = Code(.unsupportedMediaType)
        /// 422: the object failed validation; see ``KubeAPIError/causes``.
        public static let invalid = Code(.invalid)
        /// 429: slow down; see ``KubeAPIError/retryAfter``.
        public static let tooManyRequests = Code(.tooManyRequests)
        /// 5xx other than 504.
        public static let serverError = Code(.serverError)
        /// 504: the server timed out.
        public static let serverTimeout = Code(.serverTimeout)
        /// Any other non-2xx code.
        public static let otherStatus = Code(.otherStatus)
        /// No answer: connection refused or dropped, TLS failure, DNS.
        public static let transport = Code(.transport)
        /// No answer within the client's timeout.
        public static let timeout = Code(.timeout)
        /// The calling task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The answer could not be decoded as the expected type.
        public static let decoding = Code(.decoding)
        /// The object could not be encoded.
        public static let encoding = Code(.encoding)
        /// The kubeconfig or in-cluster configuration is missing or wrong.
        public static let configuration = Code(.configuration)
        /// Credentials could not be obtained (token file, exec plugin).
        public static let credentials = Code(.credentials)

        public var description: String { base.rawValue }

        static func from(httpStatus: Int, reason: String?) -> Code {
            switch httpStatus {
            case 400: return .badRequest
            case 401: return .unauthorized
            case 403: return .forbidden
            case 404: return .notFound
            case 405: return .methodNotAllowed
            case 409: return reason == "AlreadyExists" ? .alreadyExists : .conflict
            case 410: return .gone
            case 415: return .unsupportedMediaType
            case 422: return .invalid
            case 429: return .tooManyRequests
            case 504: return .serverTimeout
            case 500...599: return .serverError
            default: return .otherStatus
            }
        }
    }

    public var code: Code
    /// The call, for example `get configmaps default/orders-config`.
    public var operation: String
    /// The HTTP code, when the server answered.
    public var httpStatus: Int?
    /// The server's `Status` body, when it sent one.
    public var status: Status?
    /// How long the server asked to wait (`Retry-After`), for 429 and some 5xx.
    public var retryAfter: Duration?
    /// What went wrong, for failures without an answer.
    public var detail: String?

    public init(
        code: Code, operation: String, httpStatus: Int? = nil, status: Status? = nil, retryAfter: Duration? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.operation = operation
        self.httpStatus = httpStatus
        self.status = status
        self.retryAfter = retryAfter
        self.detail = detail
    }

    /// True when the server answered and refused; false for transport failures.
    public var isAPIRefusal: Bool { httpStatus != nil }

    /// True when no answer came (connection, TLS, timeout, cancellation).
    public var isTransportFailure: Bool { code == .transport || code == .timeout || code == .cancelled }

    /// The server's reason (`NotFound`, `Conflict`, `Invalid`, ...).
    public var reason: String? { status?.reason }

    /// The server's message.
    public var message: String? { status?.message }

    /// Field-level causes (`Invalid`, apply conflicts).
    public var causes: [StatusCause] { status?.details?.causes ?? [] }

    public var description: String {
        var text = operation + ": "
        if let httpStatus {
            text += "\(httpStatus) \(status?.reason ?? code.description)"
            if let message = status?.message { text += ": " + message }
        } else {
            text += code.description
            if let detail { text += ": " + detail }
        }
        return text
    }
}
