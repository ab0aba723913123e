import ClusterModel
import Foundation
import KubeTypes
import Testing
import Yams

@Suite("Round trips")
struct RoundTripTests {
    static func fullCluster() -> PostgresCluster {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "10Gi", storageClassName: "fast"))
        spec.image = "registry.example.com/postgres:16.4"
        spec.imagePullPolicy = "Always"
        spec.resources = ResourceRequirements(limits: ["memory": "2Gi"], requests: ["cpu": "1", "memory": "2Gi"])
        spec.postgresql = PostgreSQLSpec(parameters: ["work_mem": "16MB"])
        spec.bootstrap = BootstrapSpec(database: "shop", owner: "shop")
        spec.secrets = SecretsSpec(superuser: "a", app: "b", replication: "c")
        var scheduling = SchedulingSpec()
        scheduling.antiAffinity = .hard
        scheduling.topologyKey = "zone"
        scheduling.nodeSelector = ["disk": "ssd"]
        scheduling.tolerations = [Toleration(key: "db", operator: "Exists", effect: "NoSchedule")]
        scheduling.priorityClassName = "high"
        spec.scheduling = scheduling
        spec.podDisruptionBudget = PodDisruptionBudgetSettings(enabled: true, maxUnavailable: 1)
        spec.pvcRetention = PVCRetentionSpec(whenDeleted: .delete, whenScaled: .retain)
        var upgrade = UpgradeSpec()
        upgrade.strategy = .rollingPartition
        upgrade.paused = true
        upgrade.holdBeforePrimary = true
        upgrade.stepTimeoutSeconds = 120
        upgrade.maxLagBytes = 1024
        spec.upgrade = upgrade
        spec.failover = FailoverSpec(delaySeconds: 10, returnHome: .manual)
        spec.replication = ReplicationSpec(synchronous: SynchronousReplicationSpec(number: 1))
        spec.tls = TLSSpec(enabled: true, serverSecretName: "orders-cert", caSecretName: "orders-issuer")
        spec.networkPolicy = NetworkPolicySettings(enabled: true, from: [NetworkPolicyPeer(ipBlock: IPBlock(cidr: "10.0.0.0/8"))])
        spec.backup = BackupSpec(
            repository: BackupRepository(s3: S3Repository(
                endpoint: "minio.storage.svc:9000", region: "us-east-1", bucket: "orders-backups", path: "/shop/orders",
                credentialsSecret: "orders-s3", uriStyle: "path", verifyTLS: true, caSecret: "minio-ca")),
            retention: BackupRetention(full: 3), schedule: BackupSchedule(full: "0 1 * * 0", differential: "0 1 * * 1-6"),
            fromReplica: true)
        var status = PostgresClusterStatus()
        status.observedGeneration = 4
        status.phase = .healthy
        status.instances = 3
        status.readyInstances = 3
        status.primary = "orders-0"
        status.currentVersion = "16.4"
        status.conditions = [Condition(type: "Ready", status: "True", reason: "ClusterHealthy", message: "ok", observedGeneration: 4, lastTransitionTime: "2026-11-21T00:00:00Z")]
        status.instanceStatus = [InstanceStatus(name: "orders-1", role: "replica", ready: true, version: "16.4", lagBytes: 0)]
        return PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", generation: 4), spec: spec, status: status)
    }

    @Test func clusterSurvivesEncodeAndDecode() throws {
        let cluster = Self.fullCluster()
        let decoded = try JSONDecoder().decode(PostgresCluster.self, from: try JSONEncoder().encode(cluster))
        #expect(decoded == cluster)
        let minimal = PostgresCluster(metadata: ObjectMeta(name: "m"), spec: PostgresClusterSpec(instances: 1, postgresVersion: "16", storage: StorageSpec(size: "1Gi")))
        #expect(try JSONDecoder().decode(PostgresCluster.self, from: try JSONEncoder().encode(minimal)) == minimal)
    }

    @Test func encodedObjectsHaveNoNulls() throws {
        let minimal = PostgresCluster(metadata: ObjectMeta(name: "m"), spec: PostgresClusterSpec(instances: 1, postgresVersion: "16", storage: StorageSpec(size: "1Gi")))
        var values = [try JSONValue(encoding: minimal), try JSONValue(encoding: Self.fullCluster())]
        values += try ClusterRenderer.objects(for: [Self.fullCluster(), minimal], passwords: .secure)
        for value in values {
            #expect(!containsNull(value), "\(value)")
        }
        let text = String(decoding: try JSONEncoder().encode(minimal), as: UTF8.self)
        #expect(!text.contains("null"))
    }

    @Test func fullClusterValidatesAgainstItsOwnSchema() throws {
        var value = try JSONValue(encoding: Self.fullCluster())
        #expect(SchemaValidator(schema: PostgresClusterSchema.root).errors(in: value).isEmpty)
        // Every spec field the Swift type encodes is declared in the schema (no silent drift).
        if case .object(var members) = value { members["spec"] = members["spec"].map { $0 }; value = .object(members) }
        let specSchema = try #require(PostgresClusterSchema.root.properties["spec"])
        let specKeys = Set(try #require(value["spec"]?.objectValue).keys)
        #expect(specKeys.isSubset(of: Set(specSchema.properties.keys)))
        #expect(specKeys == Set(specSchema.properties.keys), "the full cluster should set every spec field")
    }

    @Test func yamlWriterOutputReadsBackAsTheSameValue() throws {
        var values = try ClusterRenderer.objects(for: [Self.fullCluster()], passwords: .secure)
        values.append(CustomResourceDefinition.postgresCluster)
        values.append([
            "tricky": ["yes", "no", "on", "16.4", "0755", "", " lead", "trail ", "a: b", "# not a comment", "- dash", "x\ty",
                       "multi\nline\n", "no final newline\nx", "two\n\n", "  indented\nblock\n", "true", "null", "~", "@at", "*star", "quote\"d", "back\\slash"],
            "numbers": [1, -2, 3.5, 1e20],
            "empty": ["object": [:], "array": []],
        ])
        for value in values {
            let text = YAMLWriter.document(value)
            let parsed = try #require(try Yams.load(yaml: text))
            #expect(try normalized(JSONValue(any: parsed)) == normalized(value), "\(text)")
        }
    }

    func containsNull(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .array(let items): items.contains(where: containsNull)
        case .object(let members): members.values.contains(where: containsNull)
        default: false
        }
    }

    func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let number) where number == number.rounded() && abs(number) < 1e15: .int(Int64(number))
        case .array(let items): .array(items.map(normalized))
        case .object(let members): .object(members.mapValues(normalized))
        default: value
        }
    }
}

extension JSONValue {
    /// From what Yams.load returns.
    init(any: Any) throws {
        switch any {
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .int(Int64(value))
        case let value as Double: self = .double(value)
        case let value as String: self = .string(value)
        case let value as [Any]: self = .array(try value.map { try JSONValue(any: $0) })
        case let value as [String: Any]: self = .object(try value.mapValues { try JSONValue(any: $0) })
        case let value as [AnyHashable: Any]:
            self = .object(Dictionary(uniqueKeysWithValues: try value.map { ("\($0.key)", try JSONValue(any: $0.value)) }))
        case is NSNull: self = .null
        default: self = .string("\(any)")
        }
    }
}
