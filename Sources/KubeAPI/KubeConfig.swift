/// Where the API server is and how to talk to it: the result of loading a
/// kubeconfig or the in-cluster service account.
///
/// Its description never shows a token or key.
public struct KubeConfig: Sendable, CustomStringConvertible {
    /// Base URL, for example `https://10.96.0.1:443`.
    public var server: String
    /// The namespace the context (or service account) names; `default` otherwise.
    public var namespace: String
    /// CA, client certificate and verification policy.
    public var tls: TLSSettings
    /// How requests are authenticated.
    public var credentials: CredentialSource
    /// Where this came from (`kubeconfig /path (context kind-dev)`, `in-cluster`), for logs.
    public var origin: String
    /// Limit on connecting.
    public var connectTimeout: Duration = .seconds(10)
    /// Limit on a whole ordinary request (not watches).
    public var requestTimeout: Duration = .seconds(30)

    public init(
        server: String, namespace: String = "default", tls: TLSSettings = TLSSettings(),
        credentials: CredentialSource = .none, origin: String = "explicit"
    ) {
        var trimmed = server
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.server = trimmed
        self.namespace = namespace
        self.tls = tls
        self.credentials = credentials
        self.origin = origin
    }

    public var description: String {
        "KubeConfig(server: \(server), namespace: \(namespace), credentials: \(credentials), "
            + "verifyTLS: \(!tls.insecureSkipVerify), from: \(origin))"
    }
}

/// How requests are authenticated. The description names the kind, never the secret.
public enum CredentialSource: Sendable, CustomStringConvertible {
    /// No bearer token (client certificates, if any, come from ``TLSSettings``).
    case none
    /// A fixed bearer token.
    case token(String)
    /// A token file, re-read every `refreshInterval` (service-account tokens rotate).
    case tokenFile(path: String, refreshInterval: Duration)
    /// A credential plugin, run when needed and cached until its credential expires.
    case exec(ExecConfig)

    public var description: String {
        switch self {
        case .none: return "none"
        case .token: return "token(redacted)"
        case .tokenFile(let path, _): return "tokenFile(\(path))"
        case .exec(let config): return "exec(\(config.command))"
        }
    }
}

/// A kubeconfig `user.exec` credential plugin.
public struct ExecConfig: Sendable, Hashable {
    /// The command; a relative path with a `/` is taken from the kubeconfig's directory.
    public var command: String
    public var arguments: [String]
    /// Extra environment variables for the plugin.
    public var environment: [String: String]
    /// `client.authentication.k8s.io/v1` or `v1beta1`.
    public var apiVersion: String
    /// What to tell a user who lacks the command.
    public var installHint: String?
    /// The kubeconfig's directory, for relative commands.
    public var baseDirectory: String
    /// The cluster passed to the plugin in `KUBERNETES_EXEC_INFO` when the
    /// kubeconfig sets `provideClusterInfo: true`.
    public var clusterInfo: ExecClusterInfo?

    public init(
        command: String, arguments: [String] = [], environment: [String: String] = [:],
        apiVersion: String = "client.authentication.k8s.io/v1", installHint: String? = nil, baseDirectory: String = ".",
        clusterInfo: ExecClusterInfo? = nil
    ) {
        self.clusterInfo = clusterInfo
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.apiVersion = apiVersion
        self.installHint = installHint
        self.baseDirectory = baseDirectory
    }
}

/// The cluster an exec plugin is told about (`ExecCredential.spec.cluster`).
public struct ExecClusterInfo: Sendable, Hashable, Codable {
    public var server: String
    /// Base64 of the CA bundle, as in the kubeconfig.
    public var certificateAuthorityData: String?
    public var insecureSkipTLSVerify: Bool?

    public init(server: String, certificateAuthorityData: String? = nil, insecureSkipTLSVerify: Bool? = nil) {
        self.server = server
        self.certificateAuthorityData = certificateAuthorityData
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
    }

    enum CodingKeys: String, CodingKey {
        case server
        case certificateAuthorityData = "certificate-authority-data"
        case insecureSkipTLSVerify = "insecure-skip-tls-verify"
    }
}
