import Foundation
import KubeTypes
import Logging

/// A Kubernetes API client over libcurl: typed get/list/create/update/delete,
/// merge patch, server-side apply, the status subresource, and watch, for any
/// ``KubernetesResource`` type (the path comes from the type).
///
/// Blocking transfers run on the client's own threads; cancelling the calling
/// task stops a blocked transfer within about a second.
public final class KubeClient: Sendable {
    /// The configuration it was built from.
    public let config: KubeConfig
    /// Retries it makes on its own (429 with Retry-After; reads after transport errors and 5xx).
    public let retryPolicy: RetryPolicy
    let transport: CurlTransport
    let credentials: CredentialProvider
    let logger: Logger
    let observer: (@Sendable (KubeRequestRecord) -> Void)?
    let userAgent: String

    /// - Parameters:
    ///   - config: where the server is and how to authenticate.
    ///   - concurrentRequests: worker threads, each with one reusable connection handle.
    ///   - retryPolicy: automatic retries.
    ///   - logger: request lines at debug level (verb, path, code, duration; never headers or bodies).
    ///   - observer: called after every request, for metrics.
    public init(
        config: KubeConfig, concurrentRequests: Int = 4, retryPolicy: RetryPolicy = RetryPolicy(),
        logger: Logger = Logger(label: "ordinal.kube-api"), userAgent: String = "ordinal",
        observer: (@Sendable (KubeRequestRecord) -> Void)? = nil
    ) {
        self.config = config
        self.retryPolicy = retryPolicy
        self.transport = CurlTransport(workers: concurrentRequests)
        self.credentials = CredentialProvider(source: config.credentials)
        self.logger = logger
        self.observer = observer
        self.userAgent = userAgent
    }

    deinit {
        transport.shutdown()
    }

    /// The namespace used when a call names none: the context's or service account's.
    public var defaultNamespace: String { config.namespace }

    struct Call {
        var verb: String
        var method: String
        var resource: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
        var query: [(String, String)] = []
        var body: [UInt8]?
        var contentType: String?
        /// A path outside the resource tree (`/version`), used instead of the resource's.
        var rawPath: String?

        var operation: String {
            var text = "\(verb) \(resource)"
            if let subresource { text += "/" + subresource }
            if let name {
                text += " " + (namespace.map { $0 + "/" } ?? "") + name
            } else if let namespace {
                text += " in " + namespace
            }
            return text
        }

        var isRead: Bool { method == "GET" }
    }

    func url(_ call: Call) -> String {
        var url = config.server + (call.rawPath ?? call.resource.path(namespace: call.namespace, name: call.name, subresource: call.subresource))
        if !call.query.isEmpty {
            url += "?" + call.query.map { "\($0.0)=\($0.1.percentEncodedQueryValue)" }.joined(separator: "&")
        }
        return url
    }

    func headers(_ call: Call, credentials: ResolvedCredentials) -> [(String, String)] {
        var headers = [("Accept", "application/json"), ("User-Agent", userAgent)]
        if let token = credentials.bearerToken { headers.append(("Authorization", "Bearer " + token)) }
        if let type = call.contentType { headers.append(("Content-Type", type)) }
        return headers
    }

    func tls(_ credentials: ResolvedCredentials) -> TLSSettings {
        var tls = config.tls
        if let certificate = credentials.clientCertificatePEM, let key = credentials.clientKeyPEM {
            tls.clientCertificatePEM = certificate
            tls.clientKeyPEM = key
        }
        return tls
    }

    func record(_ call: Call, status: Int?, since start: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - start
        let resource = call.resource.description + (call.subresource.map { "/" + $0 } ?? "")
        logger.debug(
            "kube request",
            metadata: [
                "verb": .string(call.verb), "resource": .string(resource),
                "namespace": .string(call.namespace ?? ""), "name": .string(call.name ?? ""),
                "code": .string(status.map(String.init) ?? "none"), "duration": .string("\(duration)"),
            ])
        observer?(
            KubeRequestRecord(
                verb: call.verb, resource: resource, namespace: call.namespace, statusCode: status, duration: duration))
    }

    /// Sends a call with retries; returns the 2xx response or throws a ``KubeAPIError``.
    func send(_ call: Call) async throws(KubeAPIError) -> HTTPResponse {
        var tooManyRequestsLeft = retryPolicy.tooManyRequestsRetries
        var readRetriesLeft = call.isRead ? retryPolicy.readRetries : 0
        var mayRefreshCredentials = credentials.canRefresh
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw KubeAPIError(code: .cancelled, operation: call.operation) }
            let resolved = try await credentials.current()
            let request = HTTPRequest(
                method: call.method, url: url(call), headers: headers(call, credentials: resolved), body: call.body,
                timeout: config.requestTimeout, connectTimeout: config.connectTimeout)
            let start = ContinuousClock.now
            let response: HTTPResponse
            do {
                response = try await transport.perform(request, tls: tls(resolved))
            } catch {
                record(call, status: nil, since: start)
                let failure = Self.transportError(error, operation: call.operation)
                if failure.code == .transport, readRetriesLeft > 0 {
                    readRetriesLeft -= 1
                    try await Self.sleep(.milliseconds(100 * (1 << min(attempt, 6))), operation: call.operation)
                    continue
                }
                throw failure
            }
            record(call, status: response.status, since: start)
            if (200..<300).contains(response.status) { return response }
            let error = Self.apiError(response, operation: call.operation)
            if response.status == 401, mayRefreshCredentials {
                mayRefreshCredentials = false
                await credentials.invalidate()
                continue
            }
            if response.status == 429, tooManyRequestsLeft > 0 {
                tooManyRequestsLeft -= 1
                let wait = min(error.retryAfter ?? .seconds(1), retryPolicy.maximumRetryAfter)
                try await Self.sleep(wait, operation: call.operation)
                continue
            }
            if [500, 502, 503, 504].contains(response.status), readRetriesLeft > 0 {
                readRetriesLeft -= 1
                try await Self.sleep(error.retryAfter ?? .milliseconds(100 * (1 << min(attempt, 6))), operation: call.operation)
                continue
            }
            throw error
        }
    }

    static func sleep(_ duration: Duration, operation: String) async throws(KubeAPIError) {
        do {
            try await Task.sleep(for: duration)
        } catch {
            throw KubeAPIError(code: .cancelled, operation: operation)
        }
    }

    static func transportError(_ failure: TransportFailure, operation: String) -> KubeAPIError {
        switch failure.kind {
        case .cancelled: return KubeAPIError(code: .cancelled, operation: operation)
        case .timedOut: return KubeAPIError(code: .timeout, operation: operation, detail: failure.detail)
        case .failed: return KubeAPIError(code: .transport, operation: operation, detail: failure.detail)
        }
    }

    /// Decodes a refusal's `Status` body (or makes one from the code when the body is not a Status).
    static func apiError(_ response: HTTPResponse, operation: String) -> KubeAPIError {
        var status = try? JSONDecoder().decode(Status.self, from: Data(response.body))
        if status?.kind != "Status" && status?.reason == nil && status?.message == nil { status = nil }
        if status == nil {
            status = Status(message: "the server answered \(response.status) without a Status body", code: response.status)
        }
        var retryAfter: Duration?
        if let header = response.headers["retry-after"], let seconds = Int(header.trimmingCharacters(in: .whitespaces)) {
            retryAfter = .seconds(seconds)
        } else if let seconds = status?.details?.retryAfterSeconds {
            retryAfter = .seconds(seconds)
        }
        return KubeAPIError(
            code: .from(httpStatus: response.status, reason: status?.reason), operation: operation,
            httpStatus: response.status, status: status, retryAfter: retryAfter)
    }

    // MARK: - Coding

    func encode<T: Encodable>(_ value: T, operation: String) throws(KubeAPIError) -> [UInt8] {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return Array(try encoder.encode(value))
        } catch {
            throw KubeAPIError(code: .encoding, operation: operation, detail: "cannot encode \(T.self)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, operation: String) throws(KubeAPIError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw KubeAPIError(
                code: .decoding, operation: operation, detail: "the answer does not decode as \(T.self): \(Self.describe(error))")
        }
    }

    /// Names the field a decoding error is about, without values (they may be Secret data).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "null at \(path(context))"
        case .dataCorrupted(let context): return "invalid data at \(path(context))"
        @unknown default: return "invalid JSON"
        }
    }

    /// `object` as JSON with `apiVersion` and `kind` set: an apply body (`ObjectMeta` never
    /// encodes `managedFields`, which an apply must not carry).
    func applyBody<T: KubernetesResource>(_ object: T, operation: String) throws(KubeAPIError) -> JSONValue {
        let encoded = try encode(object, operation: operation)
        guard var value = try? JSONDecoder().decode(JSONValue.self, from: Data(encoded)), case .object(var members) = value else {
            throw KubeAPIError(code: .encoding, operation: operation, detail: "\(T.self) does not encode as an object")
        }
        members["apiVersion"] = .string(T.apiVersion)
        members["kind"] = .string(T.kind)
        value = .object(members)
        return value
    }
}
