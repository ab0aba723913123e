import KubeTypes

/// The `apiextensions.k8s.io/v1` CustomResourceDefinition of `PostgresCluster`, generated from
/// ``PostgresClusterSchema``. `crds/` holds its YAML; a test keeps the two identical.
public enum CustomResourceDefinition {
    /// The CRD object.
    public static var postgresCluster: JSONValue {
        let column: (String, String, String, String) -> JSONValue = { name, type, path, description in
            ["name": .string(name), "type": .string(type), "jsonPath": .string(path), "description": .string(description)]
        }
        return [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": [
                "name": .string("\(PostgresCluster.plural).\(PostgresCluster.group)"),
                "labels": [
                    "app.kubernetes.io/name": "ordinal",
                    "app.kubernetes.io/part-of": "ordinal",
                ],
            ],
            "spec": [
                "group": .string(PostgresCluster.group),
                "scope": "Namespaced",
                "names": [
                    "kind": .string(PostgresCluster.kind),
                    "listKind": .string("\(PostgresCluster.kind)List"),
                    "plural": .string(PostgresCluster.plural),
                    "singular": .string(PostgresCluster.singular),
                    "shortNames": .array(PostgresCluster.shortNames.map(JSONValue.string)),
                    "categories": .array(PostgresCluster.categories.map(JSONValue.string)),
                ],
                "versions": [
                    [
                        "name": .string(PostgresCluster.version),
                        "served": true,
                        "storage": true,
                        "schema": ["openAPIV3Schema": PostgresClusterSchema.root.json],
                        "subresources": ["status": [:]],
                        "additionalPrinterColumns": [
                            column("Instances", "integer", ".spec.instances", "Instances asked for"),
                            column("Ready", "integer", ".status.readyInstances", "Instances ready"),
                            column("Primary", "string", ".status.primary", "The pod PostgreSQL reports as primary"),
                            column("Version", "string", ".status.currentVersion", "PostgreSQL version running"),
                            column("Phase", "string", ".status.phase", "Creating, Healthy, Upgrading, Degraded or Failed"),
                            column("Age", "date", ".metadata.creationTimestamp", "Time since creation"),
                        ],
                    ]
                ],
            ],
        ]
    }
}
