import Foundation
import Synchronization

/// Remembers every server and folder the fixture made, so they are stopped and removed at
/// process exit even when a test fails or forgets to shut its cluster down; and removes
/// what an earlier test process left behind when it died (killed, crashed).
final class FixtureRegistry: Sendable {
    static let shared = FixtureRegistry()

    private struct Entry: Sendable {
        var pgCtl: String
        var dataDirectory: String
        var user: FixtureUser
    }

    private let state = Mutex<(servers: [String: Entry], roots: Set<String>)>(([:], []))

    private init() {
        atexit {
            FixtureRegistry.shared.cleanUpNow()
        }
    }

    /// The prefix of every fixture folder under the temporary directory.
    static let rootPrefix = "ordinal-pg-"

    func register(_ instance: PostgresTestInstance) {
        let entry = Entry(pgCtl: instance.binaries.path("pg_ctl"), dataDirectory: instance.dataDirectory, user: instance.layout.user)
        state.withLock { $0.servers[instance.dataDirectory] = entry }
    }

    func register(root: String) {
        state.withLock { _ = $0.roots.insert(root) }
    }

    func forget(root: String) {
        state.withLock { state in
            state.roots.remove(root)
            state.servers = state.servers.filter { !$0.key.hasPrefix(root + "/") }
        }
    }

    /// Stops every registered server (immediate mode) and removes every registered folder.
    func cleanUpNow() {
        let (servers, roots) = state.withLock { state in
            let taken = (Array(state.servers.values), state.roots)
            state.servers = [:]
            state.roots = []
            return taken
        }
        for server in servers { Self.stopImmediately(pgCtl: server.pgCtl, dataDirectory: server.dataDirectory, user: server.user) }
        for root in roots { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Stops the registered servers under `root` and removes `root`.
    func cleanUpNow(under root: String) {
        let servers = state.withLock { state in
            let taken = state.servers.filter { $0.key.hasPrefix(root + "/") }
            state.servers = state.servers.filter { !$0.key.hasPrefix(root + "/") }
            state.roots.remove(root)
            return Array(taken.values)
        }
        for server in servers { Self.stopImmediately(pgCtl: server.pgCtl, dataDirectory: server.dataDirectory, user: server.user) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Removes fixture folders whose owning test process is gone, stopping their servers first.
    static func reapAbandoned(user: FixtureUser, binaries: PostgresBinaries) {
        let temporary = "/tmp"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for name in names where name.hasPrefix(rootPrefix) {
            let root = "\(temporary)/\(name)"
            guard let text = try? String(contentsOfFile: "\(root)/owner.pid", encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            let pods = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/pods")) ?? []
            for pod in pods {
                let data = "\(root)/pods/\(pod)/data/pgdata"
                if FileManager.default.fileExists(atPath: "\(data)/postmaster.pid") {
                    stopImmediately(pgCtl: binaries.path("pg_ctl"), dataDirectory: data, user: user)
                }
            }
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    private static func stopImmediately(pgCtl: String, dataDirectory: String, user: FixtureUser) {
        guard FileManager.default.fileExists(atPath: "\(dataDirectory)/postmaster.pid") else { return }
        var command = [pgCtl, "-D", dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"]
        if user.needsSwitch { command = ["/usr/sbin/runuser", "-u", user.name, "--"] + command }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        if (try? process.run()) != nil { process.waitUntilExit() }
    }
}
