import Foundation
import Yams

extension KubeConfig {
    /// The service account directory mounted into every pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Loads configuration in the usual order: `explicitPath`, the first existing
    /// file of `$KUBECONFIG`, `~/.kube/config`, then the in-cluster service account.
    ///
    /// - Parameters:
    ///   - explicitPath: a kubeconfig path given by the user (a flag).
    ///   - context: a context name to use instead of `current-context`.
    ///   - environment: the process environment (tests pass their own).
    ///   - serviceAccountDirectory: where the in-cluster token, `ca.crt` and `namespace` are.
    public static func load(
        explicitPath: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubeConfig.serviceAccountDirectory
    ) throws(KubeAPIError) -> KubeConfig {
        if let explicitPath, !explicitPath.isEmpty {
            return try fromKubeconfig(path: explicitPath, context: context)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            // The first file that exists, as kubectl skips missing ones (files are not merged).
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            guard let first = files.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw KubeAPIError(
                    code: .configuration, operation: "load configuration",
                    detail: "none of the files in $KUBECONFIG exists")
            }
            return try fromKubeconfig(path: first, context: context)
        }
        if let home = environment["HOME"], !home.isEmpty {
            let path = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: path) {
                return try fromKubeconfig(path: path, context: context)
            }
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        }
        throw KubeAPIError(
            code: .configuration, operation: "load configuration",
            detail: "no kubeconfig (flag, $KUBECONFIG, ~/.kube/config) and not running in a cluster")
    }

    /// Reads a kubeconfig file and resolves the context (default: `current-context`).
    public static func fromKubeconfig(path: String, context: String? = nil) throws(KubeAPIError) -> KubeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeAPIError(code: .configuration, operation: "load kubeconfig", detail: "cannot read \(path)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try fromKubeconfig(
            yaml: String(decoding: data, as: UTF8.self), directory: directory.isEmpty ? "." : directory,
            context: context, origin: path)
    }

    /// Parses kubeconfig YAML; relative file paths in it are taken from `directory`.
    public static func fromKubeconfig(
        yaml: String, directory: String, context: String? = nil, origin: String = "kubeconfig"
    ) throws(KubeAPIError) -> KubeConfig {
        func failure(_ detail: String) -> KubeAPIError {
            KubeAPIError(code: .configuration, operation: "load kubeconfig \(origin)", detail: detail)
        }
        let file: KubeconfigFile
        do {
            file = try YAMLDecoder().decode(KubeconfigFile.self, from: yaml)
        } catch {
            throw failure("not a valid kubeconfig (YAML or structure)")
        }
        guard let contextName = context ?? file.currentContext, !contextName.isEmpty else {
            throw failure("no context given and no current-context set")
        }
        guard let namedContext = file.contexts?.first(where: { $0.name == contextName }) else {
            throw failure("context \"\(contextName)\" not found")
        }
        guard let cluster = file.clusters?.first(where: { $0.name == namedContext.context.cluster })?.cluster else {
            throw failure("cluster \"\(namedContext.context.cluster)\" not found")
        }
        let user = namedContext.context.user.flatMap { name in file.users?.first { $0.name == name }?.user }

        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : directory + "/" + path
        }
        func material(data: String?, file path: String?, what: String) throws(KubeAPIError) -> [UInt8]? {
            if let data, !data.isEmpty {
                guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                    throw failure("\(what)-data is not valid base64")
                }
                return Array(decoded)
            }
            if let path, !path.isEmpty {
                guard let contents = FileManager.default.contents(atPath: resolve(path)) else {
                    throw failure("cannot read \(what) file \(resolve(path))")
                }
                return Array(contents)
            }
            return nil
        }

        var tls = TLSSettings()
        tls.certificateAuthorityPEM = try material(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority, what: "certificate-authority")
        tls.insecureSkipVerify = cluster.insecureSkipTLSVerify == true
        tls.clientCertificatePEM = try material(
            data: user?.clientCertificateData, file: user?.clientCertificate, what: "client-certificate")
        tls.clientKeyPEM = try material(data: user?.clientKeyData, file: user?.clientKey, what: "client-key")
        if (tls.clientCertificatePEM == nil) != (tls.clientKeyPEM == nil) {
            throw failure("a client certificate needs both client-certificate and client-key")
        }

        var credentials = CredentialSource.none
        if let token = user?.token, !token.isEmpty {
            credentials = .token(token)
        } else if let tokenFile = user?.tokenFile, !tokenFile.isEmpty {
            credentials = .tokenFile(path: resolve(tokenFile), refreshInterval: .seconds(60))
        } else if let exec = user?.exec {
            credentials = .exec(
                ExecConfig(
                    command: exec.command, arguments: exec.args ?? [],
                    environment: Dictionary((exec.env ?? []).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }),
                    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1", installHint: exec.installHint,
                    baseDirectory: directory,
                    clusterInfo: exec.provideClusterInfo == true
                        ? ExecClusterInfo(
                            server: cluster.server,
                            certificateAuthorityData: tls.certificateAuthorityPEM.map { Data($0).base64EncodedString() },
                            insecureSkipTLSVerify: cluster.insecureSkipTLSVerify)
                        : nil))
        } else if let provider = user?.authProvider {
            throw failure("auth-provider \"\(provider.name)\" is not supported; use an exec credential plugin")
        }
        var config = KubeConfig(
            server: cluster.server, namespace: namedContext.context.namespace ?? "default", tls: tls,
            credentials: credentials, origin: "kubeconfig \(origin) (context \(contextName))")
        if config.server.isEmpty { throw failure("cluster \"\(namedContext.context.cluster)\" has no server") }
        config.namespace = config.namespace.isEmpty ? "default" : config.namespace
        return config
    }

    /// The in-cluster configuration: `KUBERNETES_SERVICE_HOST`/`_PORT`, and the
    /// service account's token (re-read every `tokenRefreshInterval`), `ca.crt` and `namespace`.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubeConfig.serviceAccountDirectory,
        tokenRefreshInterval: Duration = .seconds(60)
    ) throws(KubeAPIError) -> KubeConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw KubeAPIError(
                code: .configuration, operation: "load in-cluster configuration",
                detail: "KUBERNETES_SERVICE_HOST is not set")
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeAPIError(
                code: .configuration, operation: "load in-cluster configuration",
                detail: "service account token \(tokenPath) is not readable")
        }
        let ca = FileManager.default.contents(atPath: serviceAccountDirectory + "/ca.crt").map(Array.init)
        let namespaceText = FileManager.default.contents(atPath: serviceAccountDirectory + "/namespace")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return KubeConfig(
            server: "https://\(hostPart):\(port)",
            namespace: namespaceText.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            tls: TLSSettings(certificateAuthorityPEM: ca),
            credentials: .tokenFile(path: tokenPath, refreshInterval: tokenRefreshInterval), origin: "in-cluster")
    }
}
