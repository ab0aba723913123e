/// Timing and identity of leader election, with client-go's usual defaults.
public struct LeaderElectionConfig: Sendable, Hashable {
    /// The Lease's name and namespace.
    public var leaseName: String
    public var namespace: String
    /// This candidate's identity (the pod name, usually).
    public var identity: String
    /// How long a lease holds without renewal; others wait this long after the last observed change.
    public var leaseDuration: Duration
    /// The leader gives up when it has not renewed for this long.
    public var renewDeadline: Duration
    /// Between acquire attempts and between renewals.
    public var retryPeriod: Duration
    /// While campaigning, watch the Lease (list and watch with a `metadata.name` field selector)
    /// and try at once when its holder releases it, instead of at the next retry. Without the
    /// `list` and `watch` permissions on the Lease, the watch fails and retries (with a warning)
    /// and the campaign polls every ``retryPeriod`` as it would without it.
    public var watchesLease: Bool

    public init(
        leaseName: String, namespace: String, identity: String, leaseDuration: Duration = .seconds(15),
        renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2), watchesLease: Bool = true
    ) {
        self.leaseName = leaseName
        self.namespace = namespace
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.watchesLease = watchesLease
    }
}

/// How a term of leadership (or the wait for one) ended.
public enum LeadershipEnd: Sendable, Hashable {
    /// Renewal failed for longer than the renew deadline, or another holder took the lease: stop acting as leader.
    case lost
    /// The task running the elector was cancelled; the lease was released if held.
    case cancelled
    /// The term's work returned (``LeaderElector/lead(_:)``, as in a graceful shutdown); the lease was released.
    case released
}
