/// Options of a delete call (`metav1.DeleteOptions`).
public struct DeleteOptions: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "DeleteOptions"
    /// Seconds before the object is deleted; `0` means at once.
    public var gracePeriodSeconds: Int64?
    /// Only delete if the object still has this UID / resourceVersion.
    public var preconditions: Preconditions?
    /// How dependents are handled.
    public var propagationPolicy: PropagationPolicy?
    /// `["All"]` to run the request without persisting it.
    public var dryRun: [String]?

    public init(
        gracePeriodSeconds: Int64? = nil, preconditions: Preconditions? = nil,
        propagationPolicy: PropagationPolicy? = nil, dryRun: [String]? = nil
    ) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
        self.dryRun = dryRun
    }
}

/// Conditions that must hold for a delete to go ahead (`metav1.Preconditions`).
public struct Preconditions: Codable, Sendable, Hashable {
    public var uid: String?
    public var resourceVersion: String?

    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}

/// How the garbage collector treats dependents of a deleted object.
public enum PropagationPolicy: String, Codable, Sendable, Hashable {
    /// Dependents are left behind, owner references removed.
    case orphan = "Orphan"
    /// The object is deleted at once, dependents in the background.
    case background = "Background"
    /// The object stays (with a `foregroundDeletion` finalizer) until its dependents are gone.
    case foreground = "Foreground"
}
