extension SpecRules {
    /// The transition rules (`oldSelf`): what may not change, or only one way.
    ///
    /// The API server runs them on an update, where the old object is the stored one;
    /// ``SpecValidator/liveStateErrors(in:liveVolumeSize:)`` runs them with what is running as the old object.
    public static var transitionRules: [SpecRule] {
        [majorVersion, storageShrink, storageClass, bootstrapFixed, superuserSecret, appSecret, replicationSecret]
    }

    /// The major version stays: a rolling restart cannot upgrade the data files.
    public static let majorVersion = SpecRule.transition(
        at: ["spec", "postgresVersion"], rule: "self.split('.')[0] == oldSelf.split('.')[0]",
        message: "postgresVersion cannot change major version in place (a rolling restart cannot upgrade the data files): keep the major version, or create a new cluster and migrate the data"
    ) { old, new in
        majorText(old.spec.postgresVersion) == majorText(new.spec.postgresVersion)
    }

    /// Volumes only grow.
    public static let storageShrink = SpecRule.transition(
        at: ["spec", "storage", "size"], rule: "quantity(self).compareTo(quantity(oldSelf)) >= 0",
        message: "storage.size cannot shrink: volumes can only grow"
    ) { old, new in
        // A size that is not a quantity fails the schema's pattern first.
        guard let before = Quantity(old.spec.storage.size), let after = Quantity(new.spec.storage.size) else { return true }
        return after >= before
    }

    /// The StorageClass stays the one the volumes were made with.
    public static let storageClass = SpecRule.transition(
        at: ["spec", "storage"],
        rule: "has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",
        message: "storage.storageClassName cannot change: existing volumes keep the class they were made with",
        fieldPath: ".storageClassName"
    ) { old, new in
        old.spec.storage.storageClassName == new.spec.storage.storageClassName
    }

    /// What the first start created stays as it was.
    public static let bootstrapFixed = SpecRule.transition(
        at: ["spec", "bootstrap"], rule: "self == oldSelf",
        message: "bootstrap cannot change after creation: the database and owner were made at the first start"
    ) { old, new in
        guard let before = old.spec.bootstrap, let after = new.spec.bootstrap else { return true }
        return before == after
    }

    /// The superuser's Secret stays the one its password was set from.
    public static let superuserSecret = secretFixed("superuser") { $0.superuser }
    /// The application user's Secret stays the one its password was set from.
    public static let appSecret = secretFixed("app") { $0.app }
    /// The replication user's Secret stays the one its password was set from.
    public static let replicationSecret = secretFixed("replication") { $0.replication }

    /// A user-named Secret stays the one the password was set from.
    static func secretFixed(_ role: String, _ name: @escaping @Sendable (SecretsSpec) -> String?) -> SpecRule {
        SpecRule.transition(
            at: ["spec", "secrets", role], rule: "self == oldSelf",
            message: "secrets.\(role) cannot change: the password in the database was set from the first Secret"
        ) { old, new in
            guard let before = old.spec.secrets.flatMap(name), let after = new.spec.secrets.flatMap(name) else { return true }
            return before == after
        }
    }
}
