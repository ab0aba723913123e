import Foundation

/// Hands out current credentials: a fixed token, a token file re-read every
/// refresh interval (bound service-account tokens rotate), or an exec
/// plugin's credential cached until it expires. After a 401 the client calls
/// ``invalidate()`` and asks again once.
actor CredentialProvider {
    private let source: CredentialSource
    private var cached: ResolvedCredentials?
    /// Seconds since the epoch after which `cached` is stale; `nil` for never.
    private var expiresAt: Double?
    private var inFlight: Task<(ResolvedCredentials, Double?), any Error>?
    /// The wall clock, in seconds since the epoch (expiry timestamps are wall-clock times).
    private let now: @Sendable () -> Double

    init(source: CredentialSource, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.source = source
        self.now = now
    }

    /// Whether asking again after a 401 can give different credentials.
    nonisolated var canRefresh: Bool {
        switch source {
        case .tokenFile, .exec: return true
        case .none, .token: return false
        }
    }

    func invalidate() {
        cached = nil
        expiresAt = nil
    }

    func current() async throws(KubeAPIError) -> ResolvedCredentials {
        let now = self.now()
        if let cached, expiresAt.map({ now < $0 }) ?? true { return cached }
        switch source {
        case .none:
            return ResolvedCredentials()
        case .token(let token):
            return ResolvedCredentials(bearerToken: token)
        case .tokenFile(let path, let interval):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeAPIError(code: .credentials, operation: "read token", detail: "cannot read token file \(path)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let credentials = ResolvedCredentials(bearerToken: token)
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            cached = credentials
            expiresAt = now + seconds
            return credentials
        case .exec(let config):
            let task: Task<(ResolvedCredentials, Double?), any Error>
            if let inFlight {
                task = inFlight
            } else {
                task = Task.detached { try await ExecCredentialPlugin.run(config) }
                inFlight = task
            }
            do {
                let (credentials, expiry) = try await task.value
                inFlight = nil
                cached = credentials
                // Refresh a little before the plugin's expiry; without one, keep until a 401.
                expiresAt = expiry.map { $0 - 10 }
                return credentials
            } catch let error as KubeAPIError {
                inFlight = nil
                throw error
            } catch {
                inFlight = nil
                throw KubeAPIError(code: .credentials, operation: "exec credential plugin", detail: "\(config.command) failed")
            }
        }
    }
}
