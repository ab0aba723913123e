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

    /// A label selector, as Kubernetes objects hold one.
    static let labelSelector = Schema.object(
        "A label selector (matchLabels and matchExpressions, all of which must hold).",
        [
            "matchLabels": .map(of: .string(maxLength: 63), maxProperties: 32),
            "matchExpressions": .array(of: Schema.object(
                required: ["key", "operator"],
                [
                    "key": .string(maxLength: 316),
                    "operator": .string(enum: ["In", "NotIn", "Exists", "DoesNotExist"]),
                    "values": .array(of: .string(maxLength: 63), maxItems: 32),
                ]), maxItems: 16),
        ])

    /// A NetworkPolicy peer: pods and/or namespaces by label, or an IP block.
    static let networkPolicyPeer = Schema.object(
        "Who may connect: pods (podSelector, in this namespace unless namespaceSelector is set), namespaces (namespaceSelector), or an ipBlock.",
        [
            "podSelector": labelSelector,
            "namespaceSelector": labelSelector,
            "ipBlock": Schema.object(
                "A CIDR, less the CIDRs in except.", required: ["cidr"],
                ["cidr": .string(maxLength: 64), "except": .array(of: .string(maxLength: 64), maxItems: 32)]),
        ])
}
