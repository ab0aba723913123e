/// A standby's WAL receiver (`pg_stat_wal_receiver`).
public struct WalReceiverInfo: Sendable, Hashable {
    /// `streaming`, `starting`, `waiting`, `restarting`, `stopping` ...
    public var status: String
    /// The host the standby streams from.
    public var senderHost: String?
    /// The port the standby streams from.
    public var senderPort: Int?
    /// The slot the receiver uses.
    public var slotName: String?

    /// Creates a receiver description.
    public init(status: String, senderHost: String? = nil, senderPort: Int? = nil, slotName: String? = nil) {
        self.status = status
        self.senderHost = senderHost
        self.senderPort = senderPort
        self.slotName = slotName
    }

    /// True when WAL is streaming.
    public var isStreaming: Bool { status == "streaming" }
}
