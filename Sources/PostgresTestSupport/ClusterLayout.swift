/// The folders and names a ``PostgresTestCluster`` shares between its instances, standing in
/// for the ConfigMap and Secret mounts of the pods.
struct ClusterLayout: Sendable {
    var root: String
    var clusterName: String
    var user: FixtureUser
    var configDirectory: String { "\(root)/config" }
    var secretsDirectory: String { "\(root)/secrets" }
    var socketDirectory: String { "\(root)/run" }
    var scriptsDirectory: String { "\(root)/config" }
    var appDatabase: String
    var appOwner: String
    /// Environment the servers start with (as a pod's container environment: pgBackRest's
    /// repository credentials, say).
    var serverEnvironment: [String: String] = [:]
}
