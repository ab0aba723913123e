import KubeTypes

/// `ordinal render`: every object the operator would create for some clusters, in apply order.
public enum ClusterRenderer {
    /// The objects for each cluster, as JSON values, in apply order.
    public static func objects(for clusters: [PostgresCluster], passwords: PasswordGenerator) throws -> [JSONValue] {
        try clusters.flatMap { cluster in
            try DesiredState(ResolvedCluster(cluster), passwords: passwords).applyOrder.map { try JSONValue(encoding: $0) }
        }
    }

    /// The objects as a YAML stream.
    public static func yaml(for clusters: [PostgresCluster], passwords: PasswordGenerator) throws -> String {
        YAMLWriter.stream(try objects(for: clusters, passwords: passwords))
    }
}
