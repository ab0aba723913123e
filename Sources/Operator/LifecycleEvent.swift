import KubeAPI

/// What an operator process reports as it goes: the moments tests and benchmarks wait for
/// (``OperatorProcess``'s and ``Controller``'s `observer`), so they await events instead of timing.
public enum LifecycleEvent: Sendable, Hashable {
    /// Every cache has listed; `/readyz` answers ready from now on.
    case cachesSynced
    /// The Lease is won (or, without leader election, the controller starts): a term begins.
    case leading
    /// A term ended: the Lease was lost, released (graceful shutdown) or the task cancelled.
    case leadershipEnded(LeadershipEnd)
    /// One reconcile of a cluster finished, whatever its outcome.
    case reconciled(ClusterKey)
}
