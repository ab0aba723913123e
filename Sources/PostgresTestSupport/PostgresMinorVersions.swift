import Foundation

/// Two real minor versions of one PostgreSQL major (for example 15.18 and 15.20), each an
/// extracted Debian server package in a folder of its own, for tests and benchmarks of a
/// minor-version upgrade.
///
/// `scripts/fetch-postgres-minors.sh` makes them: `apt-get download postgresql-15=<v>` for the
/// oldest and the newest version the archive offers, `dpkg -x` each into
/// `.build-tools/pg-minors/<major.minor>/`. An extracted server finds its own modules
/// (`$libdir`) and share files relative to its binary, so it needs nothing but the shared
/// libraries of the installed packages (libpq5, libicu, ...). The client tools the fixture
/// calls (`psql`, `pg_isready`) are linked in from the installed client package by the script.
public struct PostgresMinorVersions: Sendable {
    /// The older minor, as `major.minor` (e.g. `15.18`).
    public let oldVersion: String
    /// The newer minor, as `major.minor` (e.g. `15.20`).
    public let newVersion: String
    /// The older minor's binaries.
    public let old: PostgresBinaries
    /// The newer minor's binaries.
    public let new: PostgresBinaries

    /// The binaries for a container image whose tag names one of the two versions
    /// (`postgres:15.18` → ``old``), or `nil`.
    public func binaries(forImage image: String) -> PostgresBinaries? {
        guard let tag = image.split(separator: ":").last.map(String.init) else { return nil }
        let version = tag.split(separator: "-").first.map(String.init) ?? tag
        return binaries(forVersion: version)
    }

    /// The binaries for `major.minor`, or `nil`.
    public func binaries(forVersion version: String) -> PostgresBinaries? {
        switch version {
        case oldVersion: return old
        case newVersion: return new
        default: return nil
        }
    }

    /// The folder the script extracts into: `$ORDINAL_PG_MINORS_DIR`, else
    /// `<repository>/.build-tools/pg-minors`.
    public static var directory: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["ORDINAL_PG_MINORS_DIR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "\(repositoryRoot)/.build-tools/pg-minors"
    }

    /// The repository holding this file (`Sources/PostgresTestSupport/` two levels below it).
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// The two minors already extracted under ``directory``: the oldest and the newest of the
    /// major that has at least two.
    public static func locate() throws(FixtureError) -> PostgresMinorVersions {
        let root = directory
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
        var found: [(major: Int, minor: Int, name: String, binaries: PostgresBinaries)] = []
        for folder in folders {
            let parts = folder.split(separator: ".")
            guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { continue }
            if let binaries = try? PostgresBinaries(directory: "\(root)/\(folder)/usr/lib/postgresql/\(major)/bin") {
                found.append((major, minor, folder, binaries))
            }
        }
        let byMajor = Dictionary(grouping: found, by: \.major)
        guard let major = byMajor.filter({ $0.value.count >= 2 }).keys.max(), let versions = byMajor[major]?.sorted(by: { $0.minor < $1.minor }),
            let oldest = versions.first, let newest = versions.last
        else {
            throw FixtureError(
                "two minor versions of one PostgreSQL major are not extracted under \(root) (found: \(found.map(\.name).sorted().joined(separator: ", ")))"
                    + "; run scripts/fetch-postgres-minors.sh")
        }
        return PostgresMinorVersions(oldVersion: oldest.name, newVersion: newest.name, old: oldest.binaries, new: newest.binaries)
    }

    /// ``locate()``, running `scripts/fetch-postgres-minors.sh` first when nothing is extracted yet.
    public static func locateOrFetch() throws(FixtureError) -> PostgresMinorVersions {
        if let located = try? locate() { return located }
        let script = "\(repositoryRoot)/scripts/fetch-postgres-minors.sh"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw FixtureError("could not run \(script): \(error)")
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(script) exited \(process.terminationStatus): \(text.suffix(1000))")
        }
        do {
            return try locate()
        } catch {
            throw FixtureError("\(error.message)\(text.isEmpty ? "" : " (the script said: \(text.trimmingCharacters(in: .whitespacesAndNewlines)))")")
        }
    }

    /// Why the upgrade tests skip: the package archive offers a single minor of the major
    /// (or none), so there is nothing to upgrade to. `nil` when two minors are extracted or
    /// the archive lists two (a failed download is then a test failure, not a skip).
    public static let skipReason: String? = {
        if (try? locate()) != nil { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "apt-cache madison postgresql-15 2>/dev/null | wc -l"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "apt-cache is not available to list the minors of postgresql-15" }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return count >= 2 ? nil : "the package archive offers \(count) version(s) of postgresql-15; a minor upgrade needs two"
    }()
}
