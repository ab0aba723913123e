import KubeTypes

/// The Swift twins of the CRD's CEL rules, plus what only the operator can check.
///
/// Admission runs the CEL rules first; this runs in `ordinal render` (no API
/// server there) and in the operator, which reports failures in status instead of crashing.
public enum SpecValidator {
    /// Problems with one object on its own.
    public static func errors(in cluster: PostgresCluster) -> [FieldError] {
        var found: [FieldError] = []
        let name = cluster.metadata.name ?? ""
        if name.isEmpty {
            found.append(FieldError(field: "metadata.name", message: "required field is missing"))
        } else {
            if name.count > ClusterNames.maximumClusterNameLength {
                found.append(FieldError(
                    field: "metadata.name",
                    message: "must be at most \(ClusterNames.maximumClusterNameLength) characters: pod and revision names add suffixes to it and must stay within 63"))
            }
            if !Identifiers.isDNS1035Label(name) {
                found.append(FieldError(
                    field: "metadata.name",
                    message: "must start with a lowercase letter and contain only lowercase letters, digits and '-': it names Services, which must be DNS-1035 labels"))
            }
        }
        let spec = cluster.spec
        if !(1...Int(PostgresClusterSchema.maximumInstances)).contains(spec.instances) {
            found.append(FieldError(field: "spec.instances", message: "must be between 1 and \(PostgresClusterSchema.maximumInstances), got \(spec.instances)"))
        }
        if let version = PostgresVersion(spec.postgresVersion), Identifiers.isVersionText(spec.postgresVersion) {
            if version.major < 13 {
                found.append(FieldError(field: "spec.postgresVersion", message: "must be 13 or newer"))
            }
        } else {
            found.append(FieldError(field: "spec.postgresVersion", message: "invalid value \"\(spec.postgresVersion)\": must be MAJOR or MAJOR.MINOR, for example \"16.4\""))
        }
        if Quantity(spec.storage.size) == nil {
            found.append(FieldError(field: "spec.storage.size", message: "invalid value \"\(spec.storage.size)\": must be a quantity such as 10Gi"))
        } else if let size = Quantity(spec.storage.size), size.value <= 0 {
            found.append(FieldError(field: "spec.storage.size", message: "must be greater than zero"))
        }
        found += parameterErrors(spec.postgresql?.parameters ?? [:])
        if let database = spec.bootstrap?.database {
            if !Identifiers.isSQLIdentifier(database) {
                found.append(FieldError(field: "spec.bootstrap.database", message: "invalid value \"\(database)\": must be a lowercase SQL identifier"))
            } else if PostgresClusterSchema.reservedDatabases.contains(database) {
                found.append(FieldError(field: "spec.bootstrap.database", message: "cannot be a built-in database (\(PostgresClusterSchema.reservedDatabases.joined(separator: ", ")))"))
            }
        }
        if let owner = spec.bootstrap?.owner {
            if !Identifiers.isSQLIdentifier(owner) {
                found.append(FieldError(field: "spec.bootstrap.owner", message: "invalid value \"\(owner)\": must be a lowercase SQL identifier"))
            } else if PostgresClusterSchema.reservedRoles.contains(owner) {
                found.append(FieldError(field: "spec.bootstrap.owner", message: "cannot be a role Ordinal owns (\(PostgresClusterSchema.reservedRoles.joined(separator: ", ")))"))
            }
        }
        if let maxUnavailable = spec.podDisruptionBudget?.maxUnavailable, maxUnavailable < 1 {
            found.append(FieldError(field: "spec.podDisruptionBudget.maxUnavailable", message: "must be at least 1, so a node drain never blocks forever"))
        }
        if let timeout = spec.upgrade?.stepTimeoutSeconds, !(30...86400).contains(timeout) {
            found.append(FieldError(field: "spec.upgrade.stepTimeoutSeconds", message: "must be between 30 and 86400, got \(timeout)"))
        }
        if let lag = spec.upgrade?.maxLagBytes, lag < 0 {
            found.append(FieldError(field: "spec.upgrade.maxLagBytes", message: "must be at least 0"))
        }
        return found
    }

    /// Problems with changing `old` into `new` (the transition rules).
    public static func updateErrors(from old: PostgresCluster, to new: PostgresCluster) -> [FieldError] {
        var found: [FieldError] = []
        if let oldVersion = PostgresVersion(old.spec.postgresVersion), let newVersion = PostgresVersion(new.spec.postgresVersion),
            oldVersion.major != newVersion.major
        {
            found.append(FieldError(
                field: "spec.postgresVersion",
                message: "cannot change major version in place (\(oldVersion.major) to \(newVersion.major)): a rolling restart cannot upgrade the data files; keep the major version, or create a new cluster and migrate the data"))
        }
        if let oldSize = Quantity(old.spec.storage.size), let newSize = Quantity(new.spec.storage.size), newSize < oldSize {
            found.append(FieldError(field: "spec.storage.size", message: "cannot shrink from \(oldSize) to \(newSize): volumes can only grow"))
        }
        if old.spec.storage.storageClassName != new.spec.storage.storageClassName {
            found.append(FieldError(field: "spec.storage.storageClassName", message: "cannot change: existing volumes keep the class they were made with"))
        }
        if let oldBootstrap = old.spec.bootstrap, let newBootstrap = new.spec.bootstrap, oldBootstrap != newBootstrap {
            found.append(FieldError(field: "spec.bootstrap", message: "cannot change after creation: the database and owner were made at the first start"))
        }
        let roles: [(String, KeyPath<SecretsSpec, String?>)] = [("superuser", \.superuser), ("app", \.app), ("replication", \.replication)]
        for (role, keyPath) in roles {
            if let before = old.spec.secrets?[keyPath: keyPath], let after = new.spec.secrets?[keyPath: keyPath], before != after {
                found.append(FieldError(field: "spec.secrets.\(role)", message: "cannot change: the password in the database was set from the first Secret"))
            }
        }
        return found
    }

    static func parameterErrors(_ parameters: [String: String]) -> [FieldError] {
        var found: [FieldError] = []
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            let field = "spec.postgresql.parameters.\(key)"
            if !Identifiers.isParameterName(key) {
                found.append(FieldError(field: field, message: "parameter names are lowercase PostgreSQL setting names (letters, digits, '_' and '.')"))
            } else if PostgresClusterSchema.managedParameters.contains(key) {
                found.append(FieldError(field: field, message: "managed by Ordinal and cannot be set"))
            }
            if value.contains("\n") || value.contains("\r") {
                found.append(FieldError(field: field, message: "parameter values cannot contain a newline"))
            }
        }
        return found
    }
}
