import KubeTypes

/// The Kubernetes versions Ordinal runs on, from what its CRD needs of the API server.
///
/// The CRD's CEL rules call the quantity library (`quantity(...).compareTo(...)`), which an API
/// server accepts in a stored rule from v1.29 (v1.28 introduced it for its successor to use), and
/// they use `reason` and `fieldPath`, also settled by v1.29, where `x-kubernetes-validations` is GA.
/// An older server refuses the CRD, so the operator cannot work there.
public enum SupportedKubernetes {
    /// The oldest supported minor of Kubernetes 1.
    public static let minimumMinor = 29
    /// `"v1.29"`, for messages and docs.
    public static var minimum: String { "v1.\(minimumMinor)" }

    /// Why Ordinal cannot run on a server of this version, or nil when it can (or the version
    /// does not say: a distribution's odd version string is no reason to refuse).
    public static func refusal(of version: ServerVersion) -> String? {
        guard let (major, minor) = version.majorMinor else { return nil }
        guard major < 1 || (major == 1 && minor < minimumMinor) else { return nil }
        return "the API server runs Kubernetes \(version.gitVersion), older than \(minimum), the oldest Ordinal supports: "
            + "the PostgresCluster CRD's validation rules use the CEL quantity library, which needs \(minimum) or newer; "
            + "upgrade the cluster, or use a release of Ordinal that supports this version"
    }
}
