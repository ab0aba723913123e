/// Schemas of the Kubernetes types the PostgresCluster spec embeds.
enum EmbeddedSchemas {
    static let resources = Schema.object(
        "Compute resources of the PostgreSQL container (requests and limits of cpu and memory).",
        [
            "requests": .map("Minimum resources, for example cpu: 500m, memory: 1Gi.", of: .quantity(), maxProperties: 16),
            "limits": .map("Maximum resources, for example memory: 2Gi.", of: .quantity(), maxProperties: 16),
        ]
    )

    static let toleration = Schema.object(
        "A taint the pods tolerate.",
        [
            "key": .string(maxLength: 316),
            "operator": .string(enum: ["Exists", "Equal"]),
            "value": .string(maxLength: 63),
            "effect": .string(enum: ["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            "tolerationSeconds": .integer(format: "int64"),
        ]
    )
}
