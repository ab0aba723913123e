/// What `GET /version` answers: the API server's build.
public struct ServerVersion: Codable, Sendable, Hashable {
    /// `"1"`.
    public var major: String
    /// `"32"`; some distributions append a `+` (`"32+"`).
    public var minor: String
    /// `"v1.32.13"`, possibly with a distribution suffix (`"v1.32.13-gke.100"`).
    public var gitVersion: String
    public var platform: String?

    public init(major: String, minor: String, gitVersion: String, platform: String? = nil) {
        self.major = major
        self.minor = minor
        self.gitVersion = gitVersion
        self.platform = platform
    }

    /// `(major, minor)` as numbers: from `major`/`minor` (digits before any suffix), else from
    /// `gitVersion`; nil when neither says.
    public var majorMinor: (major: Int, minor: Int)? {
        func leadingNumber(_ text: Substring) -> Int? { Int(text.prefix(while: \.isNumber)) }
        if let major = leadingNumber(major[...]), let minor = leadingNumber(minor[...]) { return (major, minor) }
        let parts = gitVersion.drop(while: { $0 == "v" }).split(separator: ".")
        guard parts.count >= 2, let major = leadingNumber(parts[0]), let minor = leadingNumber(parts[1]) else { return nil }
        return (major, minor)
    }
}
