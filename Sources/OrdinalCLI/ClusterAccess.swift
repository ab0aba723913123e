import ArgumentParser
import ClusterModel
import KubeAPI
import KubeTypes

/// How the commands that talk to a cluster find it: a kubeconfig and a namespace, the way
/// kubectl does (so `kubectl ordinal ...` behaves like any kubectl command).
struct ClusterAccess: ParsableArguments {
    @Option(help: "A kubeconfig (default: $KUBECONFIG, ~/.kube/config, then the in-cluster service account).")
    var kubeconfig: String?

    @Option(name: [.short, .long], help: "The namespace (default: the kubeconfig context's).")
    var namespace: String?

    /// A client and the namespace to use.
    func connect() throws -> (KubeClient, String) {
        let config: KubeConfig
        do {
            config = try KubeConfig.load(explicitPath: kubeconfig)
        } catch {
            throw ValidationFailure(lines: ["cannot find API server credentials: \(error)"])
        }
        return (KubeClient(config: config), namespace ?? config.namespace)
    }

    /// The cluster `name`, or a clear error.
    func cluster(_ name: String, client: KubeClient, namespace: String) async throws -> PostgresCluster {
        do {
            return try await client.get(PostgresCluster.self, name: name, namespace: namespace)
        } catch {
            throw ValidationFailure(lines: ["cannot read PostgresCluster \(namespace)/\(name): \(error)"])
        }
    }
}
