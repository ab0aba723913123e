import ArgumentParser
import ClusterModel
import KubeAPI
import Logging
import Operator

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ordinal run`: the operator (flags as in docs/operator-flags.md; each also read from its environment variable).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the operator.")

    @Option(name: .customLong("namespace"), help: "A namespace to watch (repeatable; default all). Env: ORDINAL_WATCH_NAMESPACES.")
    var namespaces: [String] = []
    @Option(help: "Clusters reconciled concurrently. Env: ORDINAL_WORKERS.")
    var workers: Int?
    @Option(name: .customLong("health-interval"), help: "Seconds between probes of a healthy cluster. Env: ORDINAL_HEALTH_INTERVAL.")
    var healthInterval: Int?
    @Option(name: .customLong("http-port"), help: "Port of /healthz, /readyz and /metrics. Env: ORDINAL_HTTP_PORT.")
    var httpPort: Int?
    @Flag(inversion: .prefixedNo, help: "Take the leader Lease before acting. Env: ORDINAL_LEADER_ELECT.")
    var leaderElect: Bool?
    @Option(name: .customLong("lease-name"), help: "The leader Lease. Env: ORDINAL_LEASE_NAME.")
    var leaseName: String?
    @Option(name: .customLong("lease-namespace"), help: "Namespace of the Lease. Env: POD_NAMESPACE.")
    var leaseNamespace: String?
    @Option(help: "A kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account).")
    var kubeconfig: String?
    @Option(name: .customLong("probe-address"), help: "pod-dns or pod-ip. Env: ORDINAL_PROBE_ADDRESS.")
    var probeAddress: String?
    @Option(name: .customLong("log-format"), help: "json or text. Env: ORDINAL_LOG_FORMAT.")
    var logFormat: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. Env: ORDINAL_LOG_LEVEL.")
    var logLevel: String?

    func run() async throws {
        MallocArenas.limit()
        let environment = ProcessInfo.processInfo.environment
        func setting(_ value: String?, _ key: String, _ fallback: String) -> String { value ?? environment[key] ?? fallback }

        let level = Logger.Level(rawValue: setting(logLevel, "ORDINAL_LOG_LEVEL", "info")) ?? .info
        let format = setting(logFormat, "ORDINAL_LOG_FORMAT", "json")
        guard format == "json" || format == "text" else { throw ValidationFailure(lines: ["--log-format must be json or text, got \(format)"]) }
        LoggingSystem.bootstrap { label in
            if format == "text" {
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            return JSONLogHandler(label: label, level: level)
        }
        let logger = Logger(label: "ordinal")

        var options = OperatorOptions()
        let watched = namespaces.isEmpty
            ? (environment["ORDINAL_WATCH_NAMESPACES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            : namespaces
        options.namespaces = watched
        if let namespace = environment["POD_NAMESPACE"], !namespace.isEmpty { options.operatorNamespace = namespace }
        options.workers = try number(workers, environment["ORDINAL_WORKERS"], "--workers", default: 4, range: 1...256)
        options.healthInterval = .seconds(try number(healthInterval, environment["ORDINAL_HEALTH_INTERVAL"], "--health-interval", default: 10, range: 1...3600))
        switch setting(probeAddress, "ORDINAL_PROBE_ADDRESS", "pod-dns") {
        case "pod-dns": options.addressing = .podDNS
        case "pod-ip": options.addressing = .podIP
        case let other: throw ValidationFailure(lines: ["--probe-address must be pod-dns or pod-ip, got \(other)"])
        }
        let port = try number(httpPort, environment["ORDINAL_HTTP_PORT"], "--http-port", default: 8080, range: 0...65535)

        let config: KubeConfig
        do {
            config = try KubeConfig.load(explicitPath: kubeconfig)
        } catch {
            throw ValidationFailure(lines: ["cannot find API server credentials: \(error)"])
        }
        let elect = leaderElect ?? (environment["ORDINAL_LEADER_ELECT"].map { $0 != "false" && $0 != "0" } ?? true)
        var election: LeaderElectionConfig?
        if elect {
            let identity = environment["POD_NAME"] ?? environment["HOSTNAME"] ?? "ordinal-\(UInt32.random(in: 0...UInt32.max))"
            election = LeaderElectionConfig(
                leaseName: setting(leaseName, "ORDINAL_LEASE_NAME", "ordinal-leader"),
                namespace: leaseNamespace ?? environment["POD_NAMESPACE"] ?? config.namespace,
                identity: identity)
        }
        logger.info("starting", metadata: [
            "version": "\(OrdinalVersion.current)", "server": "\(config.server)",
            "namespaces": "\(watched.isEmpty ? "all" : watched.joined(separator: ","))",
            "leaderElection": "\(elect)",
        ])
        try await Self.checkServerVersion(client: KubeClient(config: config, logger: logger), logger: logger)
        try await OperatorProcess(options: options, httpPort: port, leaderElection: election, config: config, logger: logger).run()
    }

    /// Refuses to start on a Kubernetes older than the CRD needs, saying so; an unreachable
    /// server is no reason to stop (the controller keeps trying), only to warn.
    static func checkServerVersion(client: KubeClient, logger: Logger) async throws {
        do {
            let version = try await client.serverVersion()
            if let refusal = SupportedKubernetes.refusal(of: version) {
                logger.critical("unsupported Kubernetes version", metadata: ["server": "\(version.gitVersion)", "reason": "\(refusal)"])
                throw ValidationFailure(lines: [refusal])
            }
            logger.info("API server", metadata: ["kubernetesVersion": "\(version.gitVersion)"])
        } catch let error as KubeAPIError {
            logger.warning("cannot read the API server's version; going on", metadata: ["error": "\(error)"])
        }
    }

    private func number(_ flag: Int?, _ env: String?, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        let value: Int
        if let flag {
            value = flag
        } else if let env {
            guard let parsed = Int(env) else { throw ValidationFailure(lines: ["\(name): \"\(env)\" is not a number"]) }
            value = parsed
        } else {
            value = fallback
        }
        guard range.contains(value) else { throw ValidationFailure(lines: ["\(name) must be between \(range.lowerBound) and \(range.upperBound), got \(value)"]) }
        return value
    }
}
