import ClusterModel

/// One physical replication slot on an instance (`pg_replication_slots`).
public struct ReplicationSlotInfo: Sendable, Hashable {
    /// The slot name (Ordinal's: the replica's pod name with `-` replaced by `_`).
    public var name: String
    /// Whether a WAL sender is using the slot right now.
    public var isActive: Bool
    /// The oldest WAL the slot holds back (a stopped replica's lag is measured from it).
    public var restartLSN: LSN?
    /// `pg_replication_slots.wal_status`: `reserved`, `extended`, `unreserved` or `lost` (the
    /// slot fell more than `max_slot_wal_keep_size` behind and was invalidated).
    public var walStatus: String?

    /// Creates a slot description.
    public init(name: String, isActive: Bool, restartLSN: LSN? = nil, walStatus: String? = nil) {
        self.name = name
        self.isActive = isActive
        self.restartLSN = restartLSN
        self.walStatus = walStatus
    }

    /// The slot name Ordinal uses for a replica pod: the pod name with `-` replaced by `_`
    /// (slot names allow only lower-case letters, digits and `_`).
    public static func slotName(forPod podName: String) -> String {
        ClusterNames.replicationSlot(forPod: podName)
    }
}
