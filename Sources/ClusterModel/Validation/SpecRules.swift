/// The catalogue of `PostgresCluster`'s CEL rules, each with its Swift twin: the one place a rule,
/// its message and its check are written. The CRD schema attaches them (``Schema/attaching(_:)``);
/// ``SpecValidator`` evaluates them. Transition rules are in `SpecRules+Transitions.swift`.
public enum SpecRules {
    /// Every rule, in the order the CRD lists them at each schema node.
    public static let all: [SpecRule] = objectRules + transitionRules

    /// The rules on one object.
    public static var objectRules: [SpecRule] {
        [nameLength, nameLabel, minimumVersion, parameterNames, managedParameters, parameterValues, reservedDatabase, reservedOwner,
         synchronousStandbys, tlsCertificateAuthority, tlsSecretsNeedTLS, backupRepository, backupSchedules, backupArchiveParameters]
    }

    static let root: [String] = []
    static let parametersPath = ["spec", "postgresql", "parameters"]

    /// The name leaves room for the suffixes of pod and revision names.
    public static let nameLength = SpecRule.value(
        at: root, rule: "self.metadata.name.size() <= \(ClusterNames.maximumClusterNameLength)",
        message: "metadata.name must be at most \(ClusterNames.maximumClusterNameLength) characters: pod and revision names add suffixes to it and must stay within 63",
        fieldPath: ".metadata.name"
    ) { cluster in
        (cluster.metadata.name?.unicodeScalars.count ?? 0) <= ClusterNames.maximumClusterNameLength
    }

    /// The name is a DNS-1035 label: it names Services.
    public static let nameLabel = SpecRule.value(
        at: root, rule: "self.metadata.name.matches('\(PostgresClusterSchema.clusterNamePattern)')",
        message: "metadata.name must start with a lowercase letter and contain only lowercase letters, digits and '-': it names Services, which must be DNS-1035 labels",
        fieldPath: ".metadata.name"
    ) { cluster in
        cluster.metadata.name.map(Identifiers.isDNS1035Label) ?? true
    }

    /// PostgreSQL 13 or newer.
    public static let minimumVersion = SpecRule.value(
        at: ["spec", "postgresVersion"], rule: "int(self.split('.')[0]) >= 13", message: "postgresVersion must be 13 or newer"
    ) { cluster in
        // A major that is not a number fails the schema's pattern; the CEL rule errs on it too.
        guard let major = Int(majorText(cluster.spec.postgresVersion)) else { return true }
        return major >= 13
    }

    /// Parameter names are PostgreSQL setting names.
    public static let parameterNames = SpecRule(
        at: parametersPath, rule: "self.all(k, k.matches('^[a-z][a-z0-9_.]*$') && k.size() <= 63)",
        message: "parameter names are lowercase PostgreSQL setting names (letters, digits, '_' and '.')",
        check: .value { cluster in parameterFields(cluster) { key, _ in Identifiers.isParameterName(key) } })

    /// No parameter the operator sets itself.
    public static let managedParameters = SpecRule(
        at: parametersPath,
        rule: "self.all(k, !(k in [\(PostgresClusterSchema.managedParameters.map { "'\($0)'" }.joined(separator: ", "))]))",
        message: "these parameters are managed by Ordinal and cannot be set: \(PostgresClusterSchema.managedParameters.joined(separator: ", "))",
        reason: "FieldValueForbidden",
        check: .value { cluster in parameterFields(cluster) { key, _ in !PostgresClusterSchema.managedParameters.contains(key) } })

    /// No newline in a parameter value: a quoted postgresql.conf value cannot hold one.
    public static let parameterValues = SpecRule(
        at: parametersPath, rule: "self.all(k, !self[k].contains('\\n'))", message: "parameter values cannot contain a newline",
        check: .value { cluster in parameterFields(cluster) { _, value in !value.contains("\n") } })

    /// The application database is not a built-in one.
    public static let reservedDatabase = SpecRule.value(
        at: ["spec", "bootstrap", "database"],
        rule: "!(self in [\(PostgresClusterSchema.reservedDatabases.map { "'\($0)'" }.joined(separator: ", "))])",
        message: "bootstrap.database cannot be a built-in database (\(PostgresClusterSchema.reservedDatabases.joined(separator: ", ")))",
        reason: "FieldValueForbidden"
    ) { cluster in
        !(cluster.spec.bootstrap?.database.map(PostgresClusterSchema.reservedDatabases.contains) ?? false)
    }

    /// The application owner is not a role Ordinal owns.
    public static let reservedOwner = SpecRule.value(
        at: ["spec", "bootstrap", "owner"],
        rule: "!(self in [\(PostgresClusterSchema.reservedRoles.map { "'\($0)'" }.joined(separator: ", "))])",
        message: "bootstrap.owner cannot be a role Ordinal owns (\(PostgresClusterSchema.reservedRoles.joined(separator: ", ")))",
        reason: "FieldValueForbidden"
    ) { cluster in
        !(cluster.spec.bootstrap?.owner.map(PostgresClusterSchema.reservedRoles.contains) ?? false)
    }

    /// Synchronous replication needs that many standbys besides the primary.
    public static let synchronousStandbys = SpecRule.value(
        at: ["spec"],
        rule: "!has(self.replication) || !has(self.replication.synchronous) || self.replication.synchronous.number < self.instances",
        message: "replication.synchronous.number must be less than instances: that many standbys besides the primary must confirm each commit",
        fieldPath: ".replication.synchronous.number"
    ) { cluster in
        cluster.spec.replication?.synchronous.map { $0.number < cluster.spec.instances } ?? true
    }

    /// A CA Secret only beside a server Secret: Ordinal signs its own certificates with its own CA.
    public static let tlsCertificateAuthority = SpecRule.value(
        at: ["spec", "tls"], rule: "!has(self.caSecretName) || has(self.serverSecretName)",
        message: "tls.caSecretName needs tls.serverSecretName: Ordinal issues server certificates only from the CA it keeps",
        fieldPath: ".caSecretName"
    ) { cluster in
        cluster.spec.tls.map { $0.caSecretName == nil || $0.serverSecretName != nil } ?? true
    }

    /// Certificate Secrets only with TLS on.
    public static let tlsSecretsNeedTLS = SpecRule.value(
        at: ["spec", "tls"], rule: "!has(self.enabled) || self.enabled || (!has(self.serverSecretName) && !has(self.caSecretName))",
        message: "tls.serverSecretName and tls.caSecretName need tls.enabled (true unless set to false)",
        fieldPath: ".enabled"
    ) { cluster in
        cluster.spec.tls.map { $0.enabled != false || ($0.serverSecretName == nil && $0.caSecretName == nil) } ?? true
    }

    /// A backup needs a bucket: no repository on a volume yet.
    public static let backupRepository = SpecRule.value(
        at: ["spec", "backup", "repository"], rule: "has(self.s3)",
        message: "backup.repository needs s3: an S3-compatible bucket (a repository on a volume of the cluster is not supported yet)",
        fieldPath: ".s3"
    ) { cluster in
        cluster.spec.backup.map { $0.repository.s3 != nil } ?? true
    }

    /// Schedules are cron expressions the planner can read.
    public static let backupSchedules = SpecRule.value(
        at: ["spec", "backup", "schedule"],
        rule: "(!has(self.full) || self.full.matches('\(CronSchedule.admissionPattern)')) && (!has(self.differential) || self.differential.matches('\(CronSchedule.admissionPattern)'))",
        message: "backup.schedule.full and .differential are five-field cron expressions in UTC: minute (0-59) hour (0-23) day-of-month (1-31) month (1-12) day-of-week (0-7), each '*', a number, a range a-b, a step /n, or a list of these"
    ) { cluster in
        guard let schedule = cluster.spec.backup?.schedule else { return true }
        return [schedule.full, schedule.differential].allSatisfy { expression in expression.map { (try? CronSchedule($0)) != nil } ?? true }
    }

    /// With backups, Ordinal sets archiving; parameters saying otherwise would break it.
    public static let backupArchiveParameters = SpecRule.value(
        at: ["spec"],
        rule: "!has(self.backup) || !has(self.postgresql) || !has(self.postgresql.parameters) || !self.postgresql.parameters.exists(k, k in [\(PostgresClusterSchema.archiveParameters.map { "'\($0)'" }.joined(separator: ", "))])",
        message: "with backup set, Ordinal sets \(PostgresClusterSchema.archiveParameters.joined(separator: ", ")): remove them from postgresql.parameters",
        reason: "FieldValueForbidden", fieldPath: ".postgresql.parameters"
    ) { cluster in
        guard cluster.spec.backup != nil else { return true }
        return !(cluster.spec.postgresql?.parameters ?? [:]).keys.contains { PostgresClusterSchema.archiveParameters.contains($0) }
    }

    /// `self.split('.')[0]`: the text before the first dot.
    static func majorText(_ version: String) -> Substring {
        version.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// The fields of the parameters (`spec.postgresql.parameters.NAME`) for which `holds` is false, by name.
    static func parameterFields(_ cluster: PostgresCluster, failing holds: (String, String) -> Bool) -> [String] {
        (cluster.spec.postgresql?.parameters ?? [:]).sorted { $0.key < $1.key }
            .filter { !holds($0.key, $0.value) }
            .map { (parametersPath + [$0.key]).joined(separator: ".") }
    }
}
