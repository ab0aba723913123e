/// Which password PostgreSQL holds for each of the cluster's roles: the version of the Secret
/// it came from and the primary Ordinal set it on. A Secret whose `resourceVersion` differs, or
/// a new primary (which may not have replayed the last change), has its password set again.
/// No password, hash or verifier is ever kept here.
public struct PasswordsStatus: Codable, Sendable, Hashable {
    public var superuser: AppliedPassword?
    public var replication: AppliedPassword?
    public var app: AppliedPassword?
    public var monitor: AppliedPassword?

    public init(superuser: AppliedPassword? = nil, replication: AppliedPassword? = nil, app: AppliedPassword? = nil,
                monitor: AppliedPassword? = nil) {
        self.superuser = superuser
        self.replication = replication
        self.app = app
        self.monitor = monitor
    }

    /// The entry for `role`.
    public subscript(role: SecretRole) -> AppliedPassword? {
        get {
            switch role {
            case .superuser: superuser
            case .replication: replication
            case .app: app
            case .monitor: monitor
            }
        }
        set {
            switch role {
            case .superuser: superuser = newValue
            case .replication: replication = newValue
            case .app: app = newValue
            case .monitor: monitor = newValue
            }
        }
    }
}

/// One role's password as PostgreSQL holds it.
public struct AppliedPassword: Codable, Sendable, Hashable {
    /// `metadata.resourceVersion` of the Secret whose password was set.
    public var secretVersion: String
    /// The pod that was primary when it was set.
    public var primary: String

    public init(secretVersion: String, primary: String) {
        self.secretVersion = secretVersion
        self.primary = primary
    }
}
