/// The operator's version.
public enum OrdinalVersion {
    /// The version this build reports.
    public static let current = "0.1.0"
}
