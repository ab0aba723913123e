import KubeTypes

extension KubeClient {
    /// Watches a collection: typed events as the chunked stream delivers them.
    ///
    /// The sequence ends when the server closes the stream (resume from the last
    /// seen version) and throws a ``KubeAPIError`` on failure, including
    /// ``KubeAPIError/Code/gone`` when the version is too old (as an HTTP 410 or
    /// an `ERROR` event). Stopping iteration stops the transfer within about a second.
    /// For a namespaced type, `namespace: nil` watches all namespaces.
    public func watch<T: KubernetesResource>(
        _ type: T.Type, namespace: String? = nil, options: WatchOptions = WatchOptions()
    ) -> AsyncThrowingStream<ResourceEvent<T>, any Error> {
        watchStream(ResourceType(T.self), namespace: namespace, options: options, as: T.self)
    }

    /// Watches any resource, with objects as JSON.
    public func watchRaw(
        _ resource: ResourceType, namespace: String? = nil, options: WatchOptions = WatchOptions()
    ) -> AsyncThrowingStream<ResourceEvent<JSONValue>, any Error> {
        watchStream(resource, namespace: namespace, options: options, as: JSONValue.self)
    }

    private func watchStream<Object: Decodable & Sendable>(
        _ resource: ResourceType, namespace: String?, options: WatchOptions, as: Object.Type
    ) -> AsyncThrowingStream<ResourceEvent<Object>, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ResourceEvent<Object>.self)
        let flag = CancellationFlag()
        continuation.onTermination = { _ in flag.cancel() }
        let call = Call(
            verb: "watch", method: "GET", resource: resource, namespace: resource.isNamespaced ? namespace : nil,
            query: options.queryItems)
        let operation = call.operation
        Task {
            let resolved: ResolvedCredentials
            do {
                resolved = try await credentials.current()
            } catch {
                continuation.finish(throwing: error)
                return
            }
            let request = HTTPRequest(
                method: "GET", url: url(call), headers: headers(call, credentials: resolved), body: nil,
                timeout: options.timeoutSeconds.map { .seconds($0 + 60) }, connectTimeout: config.connectTimeout)
            let decoder = WatchLineDecoder<Object>(continuation: continuation, operation: operation)
            let start = ContinuousClock.now
            let credentials = self.credentials
            transport.stream(
                request, tls: tls(resolved), cancellation: flag,
                onData: { chunk in decoder.feed(chunk) },
                onEnd: { [self] result in
                    switch result {
                    case .success(let response):
                        record(call, status: response.status, since: start)
                        if (200..<300).contains(response.status) {
                            decoder.finish()
                        } else {
                            if response.status == 401 { Task { await credentials.invalidate() } }
                            decoder.fail(Self.apiError(response, operation: operation))
                        }
                    case .failure(let failure):
                        record(call, status: nil, since: start)
                        if failure.kind == .cancelled {
                            decoder.finish()
                        } else {
                            decoder.fail(Self.transportError(failure, operation: operation))
                        }
                    }
                })
        }
        return stream
    }
}
