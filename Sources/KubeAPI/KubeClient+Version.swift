import KubeTypes

extension KubeClient {
    /// The API server's version (`GET /version`).
    public func serverVersion() async throws(KubeAPIError) -> ServerVersion {
        var call = Call(
            verb: "get", method: "GET",
            resource: ResourceType(group: "", version: "", plural: "version", kind: "", isNamespaced: false),
            namespace: nil, name: nil, subresource: nil)
        call.rawPath = "/version"
        let response = try await send(call)
        return try decode(ServerVersion.self, from: response, operation: "get /version")
    }
}
