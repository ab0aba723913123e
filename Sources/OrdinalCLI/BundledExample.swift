/// The example `ordinal render` uses when given no file: `examples/minimal.yaml` (a test keeps them equal).
public enum BundledExample {
    public static let minimal = """
    # The smallest useful cluster: three instances of PostgreSQL 16.4 with 10 GiB each.
    apiVersion: ordinal.dev/v1alpha1
    kind: PostgresCluster
    metadata:
      name: orders
    spec:
      instances: 3
      postgresVersion: "16.4"
      storage:
        size: 10Gi

    """
}
