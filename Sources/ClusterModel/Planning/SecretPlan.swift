/// The Secrets part of a plan: which generated Secrets to create (never one that exists, so
/// no password is ever drawn twice), and what is wrong with the Secrets the user named.
///
/// A generated Secret deleted from a cluster that runs is made again with the password
/// PostgreSQL holds when the shell still has it in memory; otherwise with a new one, which
/// ``PasswordPlan`` then sets in PostgreSQL (its `resourceVersion` is new).
struct SecretPlan {
    var toCreate: [SecretCreation] = []
    var events: [ClusterEvent] = []
    var errors: [FieldError] = []
    /// A user-named Secret is missing: it is not watched, so look again later.
    var waitsForUserSecret = false

    init(resolved: ResolvedCluster, secrets: [SecretRole: SecretObservation], knownPasswords: Set<SecretRole> = [],
         bootstrapped: Bool = false) {
        // The username a user-named Secret must carry (the app owner's is the user's choice).
        let fixedUsername: [SecretRole: String] = [
            .superuser: ClusterDefaults.superuserName, .replication: ClusterDefaults.replicationUserName,
            .monitor: ClusterDefaults.monitorUserName,
        ]
        let entries = SecretRole.allCases.map { role in
            (role: role, name: SecretBuilder.secretName(resolved, role: role),
             isUsers: !SecretBuilder.isGenerated(resolved, role: role), username: fixedUsername[role])
        }
        let namespace = resolved.namespace
        for entry in entries {
            let field = "spec.secrets.\(entry.role.rawValue)"
            switch secrets[entry.role] ?? .missing {
            case .missing:
                if entry.isUsers {
                    errors.append(FieldError(field: field, message: "Secret \(entry.name) does not exist in namespace \(namespace)"))
                    waitsForUserSecret = true
                } else {
                    let known = knownPasswords.contains(entry.role)
                    toCreate.append(SecretCreation(name: entry.name, role: entry.role, password: known ? .known : .new))
                    if bootstrapped {
                        let how = known ? "with the password PostgreSQL holds" : "with a new password, which Ordinal sets in PostgreSQL next"
                        events.append(ClusterEvent(.warning, .secretRemade, "Secret \(entry.name) was missing; made again \(how)"))
                    }
                }
            case .present(let username, let hasPassword):
                guard entry.isUsers else { continue }
                if username == nil || !hasPassword {
                    errors.append(FieldError(field: field, message: "Secret \(entry.name) must have the keys username and password"))
                } else if let expected = entry.username, username != expected {
                    errors.append(FieldError(field: field, message: "Secret \(entry.name) must have username \(expected)"))
                }
            }
        }
    }
}

extension SecretObservation {
    /// The `username` key, when the Secret exists and has one.
    public var username: String? {
        if case .present(let username, _) = self { return username }
        return nil
    }
}
