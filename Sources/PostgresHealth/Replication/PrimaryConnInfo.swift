/// The `primary_conninfo` (and `primary_slot_name`) a replica must stream with.
///
/// It holds no password: the replica reads it from ``passfile``, which the pod's bootstrap
/// script writes from the replication Secret.
public struct PrimaryConnInfo: Sendable, Hashable {
    /// The primary's host (in a cluster: `<name>-0.<name>-headless.<ns>.svc.cluster.local`).
    public var host: String
    /// The primary's port.
    public var port: Int
    /// The replication user.
    public var user: String
    /// `application_name`: the replica's pod name, as `pg_stat_replication` will show it.
    public var applicationName: String
    /// The passfile holding the replication password, as a path inside the replica's pod.
    public var passfile: String?
    /// libpq `sslmode`, or nil for libpq's default.
    public var sslMode: String?
    /// libpq `sslrootcert` (the CA file in the replica's pod), for `verify-full`.
    public var sslRootCertificate: String?
    /// libpq `hostaddr`: the address to connect to while ``host`` names the server for `verify-full`.
    public var hostAddress: String?
    /// `primary_slot_name`: the replica's pod name with `-` replaced by `_`.
    public var slotName: String

    /// The passfile path the pod scripts write (next to `PGDATA` on the data volume).
    public static let podPassfile = "/var/lib/postgresql/data/replication.pgpass"

    /// Creates the settings for replica `podName`; the slot name is derived from the pod name.
    public init(
        host: String, port: Int = 5432, user: String = "streaming_replica", podName: String,
        passfile: String? = PrimaryConnInfo.podPassfile, sslMode: String? = nil, sslRootCertificate: String? = nil,
        hostAddress: String? = nil
    ) {
        self.sslRootCertificate = sslRootCertificate
        self.hostAddress = hostAddress
        self.host = host
        self.port = port
        self.user = user
        self.applicationName = podName
        self.passfile = passfile
        self.sslMode = sslMode
        self.slotName = ReplicationSlotInfo.slotName(forPod: podName)
    }

    /// The settings for replica `podName` of cluster `cluster` in `namespace`, streaming from
    /// pod 0 through the headless Service.
    public static func forReplica(
        podName: String, cluster: String, namespace: String, port: Int = 5432,
        user: String = "streaming_replica", passfile: String? = PrimaryConnInfo.podPassfile
    ) -> PrimaryConnInfo {
        PrimaryConnInfo(
            host: "\(cluster)-0.\(cluster)-headless.\(namespace).svc.cluster.local", port: port,
            user: user, podName: podName, passfile: passfile)
    }

    /// The keyword/value pairs, in the order written.
    public var keywords: [(String, String)] {
        var pairs = [("host", host)]
        if let hostAddress { pairs.append(("hostaddr", hostAddress)) }
        pairs += [("port", String(port)), ("user", user), ("application_name", applicationName)]
        if let passfile { pairs.append(("passfile", passfile)) }
        if let sslMode { pairs.append(("sslmode", sslMode)) }
        if let sslRootCertificate { pairs.append(("sslrootcert", sslRootCertificate)) }
        return pairs
    }

    /// The libpq connection string: `host=... port=... user=... application_name=...`,
    /// values quoted where libpq needs it.
    public var connectionString: String {
        keywords.map { "\($0.0)=\(Self.quote($0.1))" }.joined(separator: " ")
    }

    /// True when `conninfo` (a replica's current `primary_conninfo`) sets every keyword this
    /// value sets to the same value. Other keywords (`channel_binding` and the like that
    /// `pg_basebackup -R` adds) are ignored.
    public func isSatisfied(by conninfo: String) -> Bool {
        guard let current = Self.parse(conninfo) else { return false }
        return keywords.allSatisfy { current[$0.0] == $0.1 }
    }

    /// Parses a libpq `keyword=value` connection string (values may be single-quoted with
    /// `\'` and `\\` escapes); nil when it is malformed.
    public static func parse(_ conninfo: String) -> [String: String]? {
        var result: [String: String] = [:]
        var characters = conninfo[...]
        func skipSpaces() { while let first = characters.first, first.isWhitespace { characters.removeFirst() } }
        while true {
            skipSpaces()
            guard !characters.isEmpty else { return result }
            var key = ""
            while let first = characters.first, first != "=", !first.isWhitespace {
                key.append(first)
                characters.removeFirst()
            }
            skipSpaces()
            guard characters.first == "=", !key.isEmpty else { return nil }
            characters.removeFirst()
            skipSpaces()
            var value = ""
            if characters.first == "'" {
                characters.removeFirst()
                var closed = false
                while let first = characters.popFirst() {
                    if first == "\\" {
                        guard let escaped = characters.popFirst() else { return nil }
                        value.append(escaped)
                    } else if first == "'" {
                        closed = true
                        break
                    } else {
                        value.append(first)
                    }
                }
                guard closed else { return nil }
            } else {
                while let first = characters.first, !first.isWhitespace {
                    if first == "\\" {
                        characters.removeFirst()
                        guard let escaped = characters.popFirst() else { return nil }
                        value.append(escaped)
                    } else {
                        value.append(first)
                        characters.removeFirst()
                    }
                }
            }
            result[key] = value
        }
    }

    private static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && value.allSatisfy { !$0.isWhitespace && $0 != "'" && $0 != "\\" }
        if plain { return value }
        var quoted = "'"
        for character in value {
            if character == "\\" || character == "'" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }
}
