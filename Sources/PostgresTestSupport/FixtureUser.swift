import Foundation

/// The operating-system user the fixture runs servers and pod scripts as.
///
/// PostgreSQL refuses to run as root, so when the tests run as root (CI does) everything
/// runs as `postgres` (created by Debian's `postgresql` package) through `runuser`; as any
/// other user, as that user directly.
public struct FixtureUser: Sendable, Hashable {
    /// The user name.
    public let name: String
    /// The numeric user id.
    public let uid: UInt32
    /// The numeric group id.
    public let gid: UInt32
    /// True when commands must be wrapped in `runuser -u <name> --`.
    public let needsSwitch: Bool

    /// The user for this process.
    public static func current() throws(FixtureError) -> FixtureUser {
        if geteuid() == 0 {
            guard let entry = getpwnam("postgres") else {
                throw FixtureError(
                    "running as root and no 'postgres' user exists; install Debian's postgresql package "
                        + "(it creates the user) or run the tests as a non-root user")
            }
            return FixtureUser(name: "postgres", uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, needsSwitch: true)
        }
        let uid = geteuid()
        let name = getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? "uid\(uid)"
        return FixtureUser(name: name, uid: uid, gid: getegid(), needsSwitch: false)
    }

    /// Hands `path` (and everything under it) to this user when running as root.
    public func own(_ path: String) throws(FixtureError) {
        guard needsSwitch else { return }
        let manager = FileManager.default
        var paths = [path]
        if let enumerator = manager.enumerator(atPath: path) {
            for case let relative as String in enumerator { paths.append("\(path)/\(relative)") }
        }
        for item in paths where lchown(item, uid, gid) != 0 {
            throw FixtureError("could not chown \(item) to \(name): errno \(errno)")
        }
    }
}
