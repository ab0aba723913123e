import KubeTypes

/// The typed fields whose schema constraints ``SpecValidator`` checks in Swift: those the builders
/// depend on. Enums need no entry (decoding refuses an unknown value).
public enum SpecConstraints {
    /// Every checked field, in the order errors are reported.
    public static let all: [SpecConstraint] = {
        let root = PostgresClusterSchema.root
        func string(_ path: [String], _ read: @escaping @Sendable (PostgresCluster) -> String?) -> SpecConstraint {
            SpecConstraint(path, in: root) { read($0).map(JSONValue.string) }
        }
        func integer(_ path: [String], _ read: @escaping @Sendable (PostgresCluster) -> Int64?) -> SpecConstraint {
            SpecConstraint(path, in: root) { read($0).map(JSONValue.int) }
        }
        return [
            integer(["spec", "instances"]) { Int64($0.spec.instances) },
            string(["spec", "postgresVersion"]) { $0.spec.postgresVersion },
            string(["spec", "image"]) { $0.spec.image },
            string(["spec", "storage", "size"]) { $0.spec.storage.size },
            string(["spec", "storage", "storageClassName"]) { $0.spec.storage.storageClassName },
            SpecConstraint(["spec", "postgresql", "parameters"], in: root) { cluster in
                cluster.spec.postgresql?.parameters.map { .object($0.mapValues(JSONValue.string)) }
            },
            string(["spec", "bootstrap", "database"]) { $0.spec.bootstrap?.database },
            string(["spec", "bootstrap", "owner"]) { $0.spec.bootstrap?.owner },
            string(["spec", "secrets", "superuser"]) { $0.spec.secrets?.superuser },
            string(["spec", "secrets", "app"]) { $0.spec.secrets?.app },
            string(["spec", "secrets", "replication"]) { $0.spec.secrets?.replication },
            integer(["spec", "podDisruptionBudget", "maxUnavailable"]) { $0.spec.podDisruptionBudget?.maxUnavailable.map(Int64.init) },
            integer(["spec", "upgrade", "stepTimeoutSeconds"]) { $0.spec.upgrade?.stepTimeoutSeconds.map(Int64.init) },
            integer(["spec", "upgrade", "maxLagBytes"]) { $0.spec.upgrade?.maxLagBytes },
            string(["spec", "backup", "repository", "s3", "endpoint"]) { $0.spec.backup?.repository.s3?.endpoint },
            string(["spec", "backup", "repository", "s3", "region"]) { $0.spec.backup?.repository.s3?.region },
            string(["spec", "backup", "repository", "s3", "bucket"]) { $0.spec.backup?.repository.s3?.bucket },
            string(["spec", "backup", "repository", "s3", "path"]) { $0.spec.backup?.repository.s3?.path },
            string(["spec", "backup", "repository", "s3", "credentialsSecret"]) { $0.spec.backup?.repository.s3?.credentialsSecret },
            string(["spec", "backup", "repository", "s3", "uriStyle"]) { $0.spec.backup?.repository.s3?.uriStyle },
            string(["spec", "backup", "repository", "s3", "caSecret"]) { $0.spec.backup?.repository.s3?.caSecret },
            integer(["spec", "backup", "retention", "full"]) { $0.spec.backup?.retention?.full.map(Int64.init) },
        ]
    }()
}
