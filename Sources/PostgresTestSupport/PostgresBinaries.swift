import Foundation

/// A folder of PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`, `psql`,
/// `pg_basebackup`, `pg_isready`).
///
/// Each ``PostgresTestInstance`` carries its own, so a test can start newer binaries
/// (extracted with `dpkg -x` into a folder of their own) on an older minor's data directory.
public struct PostgresBinaries: Sendable, Hashable, CustomStringConvertible {
    /// The folder holding the binaries.
    public let directory: String

    /// Uses the binaries in `directory`; fails when `initdb`, `pg_ctl` or `postgres` is missing.
    public init(directory: String) throws(FixtureError) {
        for tool in ["initdb", "pg_ctl", "postgres", "psql", "pg_basebackup", "pg_isready"] {
            guard FileManager.default.isExecutableFile(atPath: "\(directory)/\(tool)") else {
                throw FixtureError("PostgreSQL binary \(tool) not found in \(directory)")
            }
        }
        self.directory = directory
    }

    /// The path of one tool.
    public func path(_ tool: String) -> String { "\(directory)/\(tool)" }

    /// The default binaries: `$ORDINAL_PG_BINDIR`, else `pg_config --bindir` when it holds a
    /// server, else the newest `/usr/lib/postgresql/<major>/bin`.
    public static func locate() throws(FixtureError) -> PostgresBinaries {
        var candidates: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["ORDINAL_PG_BINDIR"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        if let fromPgConfig = pgConfigBindir() { candidates.append(fromPgConfig) }
        let debianRoot = "/usr/lib/postgresql"
        let majors = ((try? FileManager.default.contentsOfDirectory(atPath: debianRoot)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        candidates += majors.map { "\(debianRoot)/\($0)/bin" }
        for candidate in candidates {
            if let binaries = try? PostgresBinaries(directory: candidate) { return binaries }
        }
        throw FixtureError(
            "no PostgreSQL server binaries found (looked in \(candidates.isEmpty ? "nothing" : candidates.joined(separator: ", "))); "
                + "install Debian's postgresql package or set ORDINAL_PG_BINDIR")
    }

    /// Why real-server tests cannot run here, or nil when they can.
    public static var unavailableReason: String? {
        do {
            _ = try locate()
            _ = try FixtureUser.current()
            return nil
        } catch {
            return error.message
        }
    }

    /// True when the real-server tests can run here (binaries found, a non-root user to run them).
    public static var isAvailable: Bool { unavailableReason == nil }

    public var description: String { directory }

    private static func pgConfigBindir() -> String? {
        for pgConfig in ["/usr/bin/pg_config", "/usr/local/bin/pg_config"]
        where FileManager.default.isExecutableFile(atPath: pgConfig) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgConfig)
            process.arguments = ["--bindir"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 0, !text.isEmpty { return text }
        }
        return nil
    }
}
