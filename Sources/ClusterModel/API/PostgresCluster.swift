import KubeTypes

/// The user's wish: a PostgreSQL cluster (`ordinal.dev/v1alpha1`, kind `PostgresCluster`).
public struct PostgresCluster: KubernetesResource, Hashable {
    public static let group = "ordinal.dev"
    public static let version = "v1alpha1"
    public static let kind = "PostgresCluster"
    public static let plural = "postgresclusters"
    /// The singular resource name.
    public static let singular = "postgrescluster"
    /// `kubectl get pgc`.
    public static let shortNames = ["pgc"]
    /// `kubectl get ordinal` lists every kind in this category.
    public static let categories = ["ordinal"]

    public var apiVersion: String = PostgresCluster.apiVersion
    public var kind: String = PostgresCluster.kind
    public var metadata: ObjectMeta
    public var spec: PostgresClusterSpec
    public var status: PostgresClusterStatus?

    public init(metadata: ObjectMeta, spec: PostgresClusterSpec, status: PostgresClusterStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
