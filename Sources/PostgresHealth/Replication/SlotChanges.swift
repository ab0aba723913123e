/// What ``ReplicationActions/ensureReplicationSlots(on:replicaPods:gonePods:timeout:)`` did.
public struct SlotChanges: Sendable, Hashable {
    /// Slots created for replicas that had none.
    public var created: [String] = []
    /// Slots dropped because their pods are gone.
    public var dropped: [String] = []
    /// Slots of gone pods kept because a WAL sender still uses them (dropped on a later pass).
    public var keptActive: [String] = []

    /// Creates a report.
    public init(created: [String] = [], dropped: [String] = [], keptActive: [String] = []) {
        self.created = created
        self.dropped = dropped
        self.keptActive = keptActive
    }

    /// True when nothing was changed.
    public var isEmpty: Bool { created.isEmpty && dropped.isEmpty }
}
