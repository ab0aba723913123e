import ClusterCertificates
import ClusterModel
import Foundation
import Synchronization

/// A primary and streaming replicas of real PostgreSQL, made the way Ordinal's pods make
/// them: the ConfigMap's `postgresql.conf` and `pg_hba.conf`, Secrets as files, pod 0
/// initialised like the official image's entrypoint does (initdb, then `init-primary.sh`
/// against a socket-only temporary server), and every replica bootstrapped by running
/// `bootstrap-replica.sh` with the pod environment pointed at loopback ports.
///
/// Servers run as `postgres` when the tests run as root (see ``FixtureUser``). Everything
/// lives in one temporary folder, removed by ``shutdown()``, at process exit, or by the next
/// test process when this one died.
///
/// ```swift
/// let cluster = try await PostgresTestCluster.start(replicas: 2)
/// defer { cluster.shutdownNow() }
/// ```
public final class PostgresTestCluster: Sendable {
    /// The root folder of this cluster's files.
    public let root: String
    /// The cluster name; pods are `<name>-0`, `<name>-1`, ...
    public let name: String
    /// The user servers run as.
    public let user: FixtureUser
    /// The superuser (`postgres`) password.
    public let superuserPassword: String
    /// The replication user.
    public let replicationUser = ClusterDefaults.replicationUserName
    /// The replication user's password.
    public let replicationPassword: String
    /// The application owner role.
    public let appOwner = "app"
    /// The application owner's password.
    public let appPassword: String
    /// The application database.
    public let appDatabase = "app"
    /// The CA the servers' certificate is signed by (as `<name>-ca` would hold it).
    public let authority: IssuedCertificate
    /// The servers' certificate: every name of ``ClusterNames/serverCertificateNames`` in
    /// namespace `shop`, plus `localhost` and 127.0.0.1 (as `<name>-server` would hold it).
    public let serverCertificate: IssuedCertificate
    /// The folder holding `tls.crt`, `tls.key` and `ca.crt` (the TLS Secret mount).
    public var tlsDirectory: String { "\(layout.secretsDirectory)/tls" }
    let layout: ClusterLayout
    private let members: Mutex<[PostgresTestInstance]>
    private let defaultBinaries: PostgresBinaries

    /// The scripts as the ConfigMap ships them.
    public var bootstrapScript: String { "\(layout.scriptsDirectory)/bootstrap-replica.sh" }
    /// The first-init script as the ConfigMap ships it.
    public var initScript: String { "\(layout.scriptsDirectory)/init-primary.sh" }
    /// The folder holding `postgresql.conf` and `pg_hba.conf` (the ConfigMap mount).
    public var configDirectory: String { layout.configDirectory }
    /// The folder holding `superuser/`, `replication/`, `app/` (the Secret mounts).
    public var secretsDirectory: String { layout.secretsDirectory }

    /// Every instance, ordinal 0 first.
    public var instances: [PostgresTestInstance] { members.withLock { $0 } }
    /// Pod 0, initialised as the primary.
    public var primary: PostgresTestInstance { instances[0] }
    /// Pods 1..n.
    public var replicas: [PostgresTestInstance] { Array(instances.dropFirst()) }

    private init(root: String, name: String, user: FixtureUser, binaries: PostgresBinaries,
                 serverEnvironment: [String: String]) throws(FixtureError) {
        let now = Date().timeIntervalSince1970
        do {
            authority = try CertificateIssuer.authority(commonName: "fixture CA for \(name)", now: now, validity: 86_400)
            serverCertificate = try CertificateIssuer.server(
                dnsNames: ClusterNames(cluster: name, namespace: "shop").serverCertificateNames + ["localhost"],
                ipAddresses: ["127.0.0.1"], authority: authority, now: now, validity: 86_400)
        } catch {
            throw FixtureError("could not issue the fixture's certificates: \(error)")
        }
        self.root = root
        self.name = name
        self.user = user
        superuserPassword = Self.password()
        replicationPassword = Self.password()
        appPassword = Self.password()
        layout = ClusterLayout(root: root, clusterName: name, user: user, appDatabase: "app", appOwner: "app",
                               serverEnvironment: serverEnvironment)
        members = Mutex([])
        defaultBinaries = binaries
    }

    /// The settings the fixture puts in `postgresql.conf` (loopback, its socket folder, the
    /// extra parameters it was started with).
    private let fixtureParameters = Mutex<[String: String]>([:])

    /// Gives `instance` its own `postgresql.conf`, as a pod reading its revision's ConfigMap:
    /// `text` (the ConfigMap's), then the fixture's own settings, which win. Its reload file
    /// is the shared one (as the shared ConfigMap's key is). Takes effect at its next start.
    public func useOwnConfiguration(_ instance: PostgresTestInstance, postgresqlConf text: String) throws(FixtureError) {
        let directory = "\(root)/pods/\(instance.podName)/config"
        let lines = fixtureParameters.withLock { $0 }.sorted { $0.key < $1.key }.map { name, value in
            "\(name) = '\(value.replacingOccurrences(of: "'", with: "''"))'"
        }
        let reloadFile = "\(directory)/\(PostgresConfigFiles.reloadFileName)"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try (text + "\n# The fixture's settings (loopback, its socket folder).\n" + lines.joined(separator: "\n") + "\n")
                .write(toFile: "\(directory)/postgresql.conf", atomically: true, encoding: .utf8)
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: reloadFile)) == nil {
                try FileManager.default.createSymbolicLink(atPath: reloadFile, withDestinationPath: "\(configDirectory)/\(PostgresConfigFiles.reloadFileName)")
            }
        } catch {
            throw FixtureError("could not write \(directory)/postgresql.conf: \(error)")
        }
        try user.own(directory)
        instance.configFile = "\(directory)/postgresql.conf"
    }

    /// Builds and starts a cluster: pod 0 as primary, then `replicas` streaming replicas, and
    /// waits until every replica streams. On failure everything made so far is removed.
    public static func start(
        name: String = "orders", replicas: Int = 2, binaries: PostgresBinaries? = nil,
        extraParameters: [String: String] = [:], serverEnvironment: [String: String] = [:]
    ) async throws(FixtureError) -> PostgresTestCluster {
        let located: PostgresBinaries
        if let binaries { located = binaries } else { located = try PostgresBinaries.locate() }
        let binaries = located
        let user = try FixtureUser.current()
        FixtureRegistry.reapAbandoned(user: user, binaries: binaries)
        let root = try makeRoot()
        let cluster = try PostgresTestCluster(root: root, name: name, user: user, binaries: binaries, serverEnvironment: serverEnvironment)
        do {
            try cluster.writeFiles(extraParameters: extraParameters)
            try await cluster.initialisePrimary()
            for _ in 0..<replicas { _ = try await cluster.addReplica(waitForStreaming: false) }
            try await cluster.waitForStreaming(count: replicas)
            return cluster
        } catch {
            cluster.shutdownNow()
            throw error
        }
    }

    /// Adds pod `<name>-<next ordinal>`: runs the bootstrap script for it, then starts it.
    @discardableResult
    public func addReplica(waitForStreaming: Bool = true, binaries: PostgresBinaries? = nil) async throws(FixtureError) -> PostgresTestInstance {
        let ordinal = instances.count
        let instance = try makeInstance(ordinal: ordinal, binaries: binaries ?? defaultBinaries)
        try await runBootstrapScript(for: instance)
        try await instance.start()
        if waitForStreaming { try await self.waitForStreaming(applicationName: instance.podName) }
        return instance
    }

    /// Adds pod `<name>-<next ordinal>` with an empty data volume, before its init container
    /// has run: call ``runBootstrapScript(for:extraEnvironment:)`` and
    /// ``PostgresTestInstance/start()`` yourself (to test what the script does with what it finds).
    public func addUnbootstrappedReplica(binaries: PostgresBinaries? = nil) throws(FixtureError) -> PostgresTestInstance {
        try makeInstance(ordinal: instances.count, binaries: binaries ?? defaultBinaries)
    }

    /// Runs `bootstrap-replica.sh` as the pod's init container would, and returns its output.
    @discardableResult
    public func runBootstrapScript(for instance: PostgresTestInstance, extraEnvironment: [String: String] = [:]) async throws(FixtureError) -> FixtureProcess.Output {
        var environment = instance.podEnvironment(primaryPort: primary.port)
        environment.merge(extraEnvironment) { $1 }
        return try await FixtureProcess.run(["/bin/bash", bootstrapScript], as: user, environment: environment, timeout: .seconds(180))
    }

    /// What the kubelet does when a pod is made again: its init container runs the bootstrap
    /// with the ConfigMap's keys as they are now (`configMap`: the ConfigMap's data), then
    /// PostgreSQL starts. A pod's DNS name in the `primary` key becomes its loopback address
    /// (the fixture's DNS).
    @discardableResult
    public func restartPod(_ instance: PostgresTestInstance, configMap: [String: String]) async throws(FixtureError) -> FixtureProcess.Output {
        try? await instance.stop()
        for key in [ConfigMapBuilder.rebuildKey, ConfigMapBuilder.primaryKey] {
            let path = configDirectory + "/" + key
            try? FileManager.default.removeItem(atPath: path)
            guard var text = configMap[key] else { continue }
            if key == ConfigMapBuilder.primaryKey, let pod = text.split(separator: " ").first,
                let target = instances.first(where: { $0.podName == pod })
            {
                text = "\(pod) \(target.host) \(target.port)\n"
            }
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw FixtureError("could not write \(path): \(error)")
            }
            try user.own(path)
        }
        let output = try await runBootstrapScript(for: instance)
        try await instance.start()
        return output
    }

    /// Waits until the primary's `pg_stat_replication` shows `count` streaming standbys.
    public func waitForStreaming(count: Int, timeout: Duration = .seconds(60)) async throws(FixtureError) {
        try await primary.waitFor(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", toPrint: String(count), timeout: timeout)
    }

    /// Waits until the standby named `applicationName` streams from the primary.
    public func waitForStreaming(applicationName: String, timeout: Duration = .seconds(60)) async throws(FixtureError) {
        try await primary.waitFor(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = '\(applicationName)'",
            toPrint: "1", timeout: timeout)
    }

    /// Stops every server and removes the cluster's folder.
    public func shutdown() async {
        for instance in instances.reversed() { try? await instance.stop(mode: "immediate") }
        removeFiles()
    }

    /// The same as ``shutdown()``, synchronously (for `defer`).
    public func shutdownNow() {
        FixtureRegistry.shared.cleanUpNow(under: root)
    }

    // MARK: - Building

    private static func makeRoot() throws(FixtureError) -> String {
        var template = Array("/tmp/\(FixtureRegistry.rootPrefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw FixtureError("mkdtemp failed: errno \(errno)")
        }
        let root = String(cString: made)
        chmod(root, 0o755)
        FixtureRegistry.shared.register(root: root)
        try? "\(getpid())\n".write(toFile: "\(root)/owner.pid", atomically: true, encoding: .utf8)
        return root
    }

    private func writeFiles(extraParameters: [String: String]) throws(FixtureError) {
        // TLS as Ordinal's pods serve it: network logins only over TLS.
        var hba = PostgresConfigFiles.hbaConf(replicationUser: replicationUser, tls: true)
        if !user.needsSwitch {
            // Not root: the OS user is not `postgres`, so peer authentication for the database
            // superuser cannot work; trust the fixture's private socket instead.
            hba = hba.replacingOccurrences(of: "peer", with: "trust")
        }
        // Loopback and a private socket folder, in the file (as a user's spec.postgresql.parameters
        // would be) rather than on the command line, so a reload never sees them as pending a restart.
        var parameters = [
            "listen_addresses": "127.0.0.1", "unix_socket_directories": layout.socketDirectory,
            "ssl": "on", "ssl_cert_file": "\(tlsDirectory)/tls.crt", "ssl_key_file": "\(tlsDirectory)/tls.key",
        ]
        parameters.merge(extraParameters) { $1 }
        fixtureParameters.withLock { $0 = parameters }
        let files: [(String, String, Int)] = [
            ("config/postgresql.conf", PostgresConfigFiles.postgresqlConf(parameters: parameters), 0o644),
            ("config/pg_hba.conf", hba, 0o644),
            ("config/bootstrap-replica.sh", PodScripts.bootstrapReplica, 0o555),
            ("config/init-primary.sh", PodScripts.initPrimary, 0o555),
            ("secrets/superuser/username", "postgres", 0o600),
            ("secrets/superuser/password", superuserPassword, 0o600),
            ("secrets/replication/username", replicationUser, 0o600),
            ("secrets/replication/password", replicationPassword, 0o600),
            ("secrets/app/username", appOwner, 0o600),
            ("secrets/app/password", appPassword, 0o600),
            ("secrets/app/dbname", appDatabase, 0o600),
            ("secrets/tls/tls.crt", serverCertificate.certificatePEM, 0o644),
            ("secrets/tls/tls.key", serverCertificate.privateKeyPEM, 0o600),
            ("secrets/tls/ca.crt", authority.certificatePEM, 0o644),
        ]
        do {
            for directory in ["config", "secrets/superuser", "secrets/replication", "secrets/app", "secrets/tls", "run", "pods"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
            }
            for (path, content, mode) in files {
                try content.write(toFile: "\(root)/\(path)", atomically: false, encoding: .utf8)
                chmod("\(root)/\(path)", mode_t(mode))
            }
        } catch {
            throw FixtureError("could not write the fixture files under \(root): \(error)")
        }
        try user.own(root)
    }

    private func makeInstance(ordinal: Int, binaries: PostgresBinaries) throws(FixtureError) -> PostgresTestInstance {
        let instance = PostgresTestInstance(podName: "\(name)-\(ordinal)", port: try Self.freePort(), layout: layout, binaries: binaries)
        let volume = "\(root)/pods/\(instance.podName)/data"
        do {
            try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        } catch {
            throw FixtureError("could not create \(volume): \(error)")
        }
        try user.own("\(root)/pods/\(instance.podName)")
        members.withLock { $0.append(instance) }
        return instance
    }

    /// Pod 0's first start: the init container (bootstrap script, which only writes the
    /// passfile for ordinal 0), then what the image's entrypoint does: initdb with
    /// POSTGRES_INITDB_ARGS, a socket-only temporary server, the initdb.d script, a stop,
    /// and the real start. (`--no-sync` only skips initdb's final fsync: a test speed-up.)
    private func initialisePrimary() async throws(FixtureError) {
        let instance = try makeInstance(ordinal: 0, binaries: defaultBinaries)
        try await runBootstrapScript(for: instance)
        try await FixtureProcess.run(
            [instance.binaries.path("initdb"), "-D", instance.dataDirectory, "--username=postgres",
             "--pwfile=\(secretsDirectory)/superuser/password", "--auth-local=peer", "--auth-host=scram-sha-256",
             "--data-checksums", "--encoding=UTF8", "--no-instructions", "--no-sync"],
            as: user, environment: ["LANG": "C.UTF-8"])
        try await instance.startServer(listenAddresses: "")
        var environment = instance.podEnvironment(primaryPort: instance.port)
        environment["PGHOST"] = layout.socketDirectory
        try await FixtureProcess.run(["/bin/bash", initScript], as: user, environment: environment)
        try await instance.stop()
        try await instance.start()
    }

    private func removeFiles() {
        FixtureRegistry.shared.forget(root: root)
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The next port ``freePort()`` tries: below the kernel's ephemeral range (32768 and up on
    /// Linux), so no outgoing connection's source port takes a server's port while it restarts.
    private static let nextPort = Atomic<Int>(20_000 + Int.random(in: 0..<6_000))

    /// A free TCP port on loopback, outside the ephemeral range: each call takes the next one
    /// that binds (bound, released), so a server stopped and started again finds its port free.
    public static func freePort() throws(FixtureError) -> Int {
        for _ in 0..<2_000 {
            let port = 20_000 + (nextPort.add(1, ordering: .relaxed).oldValue - 20_000) % 12_000
            if canBind(port) { return port }
        }
        throw FixtureError("no free loopback port between 20000 and 32000")
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func password() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
