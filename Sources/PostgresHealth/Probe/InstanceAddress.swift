/// Where one instance of a cluster listens: the pod's name, and the host and port to reach it.
public struct InstanceAddress: Sendable, Hashable {
    /// The pod name (`<cluster>-<ordinal>`); it names the instance in every result.
    public var podName: String
    /// Host name or address (in a cluster: `<pod>.<cluster>-headless.<ns>.svc.cluster.local`).
    public var host: String
    /// TCP port.
    public var port: Int
    /// Where a standby in this pod keeps its replication passfile (its digest is probed), if anywhere.
    public var passfile: String?

    /// Creates an address.
    public init(podName: String, host: String, port: Int = 5432, passfile: String? = nil) {
        self.podName = podName
        self.host = host
        self.port = port
        self.passfile = passfile
    }
}
