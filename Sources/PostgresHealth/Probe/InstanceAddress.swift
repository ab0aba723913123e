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
    /// libpq `sslmode` for this instance (`verify-full` while it serves the cluster's
    /// certificate), or nil for the prober's.
    public var sslMode: String?
    /// The CA file `verify-full` checks the server against.
    public var sslRootCertificate: String?
    /// The address to connect to while ``host`` names the server for `verify-full` (a pod IP).
    public var hostAddress: String?

    /// Creates an address.
    public init(podName: String, host: String, port: Int = 5432, passfile: String? = nil, sslMode: String? = nil,
                sslRootCertificate: String? = nil, hostAddress: String? = nil) {
        self.podName = podName
        self.host = host
        self.port = port
        self.passfile = passfile
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.hostAddress = hostAddress
    }

    /// `credentials` for this instance: its host, port and, when set, its TLS settings.
    public func settings(from credentials: ConnectionSettings) -> ConnectionSettings {
        var settings = credentials.with(host: host, port: port)
        if let sslMode { settings.sslMode = sslMode }
        if let sslRootCertificate { settings.sslRootCertificate = sslRootCertificate }
        if let hostAddress { settings.hostAddress = hostAddress }
        return settings
    }
}
