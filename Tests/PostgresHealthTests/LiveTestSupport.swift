#if canImport(Glibc)
import Glibc
#endif
import PostgresHealth
import PostgresTestSupport
import Testing

/// Why the real-server tests are skipped here, shown by the test runner.
let realPostgresMissing: Comment = "needs PostgreSQL server binaries (Debian's postgresql) and, when running as root, the postgres user"

/// The one 3-server cluster (orders-0 primary, orders-1 and orders-2 replicas) the live
/// suites share; started on first use, stopped at process exit.
actor SharedCluster {
    static let shared = SharedCluster()
    private var starting: Task<PostgresTestCluster, any Error>?

    func cluster() async throws -> PostgresTestCluster {
        if let starting { return try await starting.value }
        let task = Task { () async throws -> PostgresTestCluster in
            try await PostgresTestCluster.start(name: "orders", replicas: 2)
        }
        starting = task
        return try await task.value
    }
}

extension PostgresTestCluster {
    /// Superuser settings for one instance, over TCP with scram-sha-256.
    func settings(for instance: PostgresTestInstance, password: String? = nil, connectTimeout: Duration = .seconds(5)) -> ConnectionSettings {
        ConnectionSettings(
            host: instance.host, port: instance.port, user: "postgres",
            password: PostgresPassword(password ?? superuserPassword), sslMode: "require",
            applicationName: "ordinal-tests", connectTimeout: connectTimeout)
    }

    /// The prober's addresses for every instance.
    var addresses: [InstanceAddress] {
        instances.map { InstanceAddress(podName: $0.podName, host: $0.host, port: $0.port) }
    }

    func prober(pool: ConnectionPool = ConnectionPool()) -> ClusterProber {
        ClusterProber(pool: pool, monitor: nil, superuser: settings(for: primary))
    }

    /// Probes until `condition` holds for the facts, or fails after `timeout`.
    func probe(
        until condition: ([InstanceFacts]) -> Bool, timeout: Duration = .seconds(30), prober: ClusterProber? = nil
    ) async throws -> [InstanceFacts] {
        let prober = prober ?? self.prober()
        let deadline = ContinuousClock.now + timeout
        var facts = await prober.probeCluster(addresses, within: .seconds(5))
        while !condition(facts) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            facts = await prober.probeCluster(addresses, within: .seconds(5))
        }
        return facts
    }

    /// Restores the shared cluster: every server running and every replica streaming.
    func heal() async throws {
        for instance in instances where !instance.isRunning { try await instance.start() }
        try await waitForStreaming(count: replicas.count)
    }
}

/// A TCP listener on loopback that completes handshakes (the kernel does) but never reads or
/// answers: a server that hangs.
final class SilentListener: Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw FixtureError("could not open a silent listener")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
