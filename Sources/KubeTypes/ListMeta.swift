/// Metadata of a list response (`metav1.ListMeta`).
public struct ListMeta: Codable, Sendable, Hashable {
    /// The collection's version: start a watch here to see every later change.
    public var resourceVersion: String?
    /// Opaque token for the next page, when the list was cut by `limit`.
    public var `continue`: String?
    /// How many items remain after this page, when the server knows.
    public var remainingItemCount: Int64?

    public init(resourceVersion: String? = nil, continue: String? = nil, remainingItemCount: Int64? = nil) {
        self.resourceVersion = resourceVersion
        self.continue = `continue`
        self.remainingItemCount = remainingItemCount
    }
}
