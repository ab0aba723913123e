import KubeAPI
import KubeTestServer
import KubeTypes
import Testing

/// A namespaced custom resource in a group of its own, as our CRD is.
struct Widget: KubernetesResource, Equatable {
    static let group = "example.ordinal.dev"
    static let version = "v1"
    static let kind = "Widget"
    static let plural = "widgets"

    var apiVersion: String? = Widget.apiVersion
    var kind: String? = Widget.kind
    var metadata: ObjectMeta
    var spec: Spec?
    var status: Status?

    struct Spec: Codable, Sendable, Equatable {
        var size: Int?
        var color: String?
    }

    struct Status: Codable, Sendable, Equatable {
        var phase: String?
        var observedGeneration: Int64?
    }

    init(name: String, namespace: String? = "default", size: Int? = nil, color: String? = nil, labels: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, namespace: namespace, labels: labels)
        spec = Spec(size: size, color: color)
    }
}

/// A core/v1 ConfigMap, declared here so the suite depends on nothing but the protocol.
struct TestConfigMap: KubernetesResource, Equatable {
    static let group = ""
    static let version = "v1"
    static let kind = "ConfigMap"
    static let plural = "configmaps"

    var apiVersion: String? = "v1"
    var kind: String? = "ConfigMap"
    var metadata: ObjectMeta
    var data: [String: String]?

    init(name: String, namespace: String? = nil, data: [String: String]? = nil, labels: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, namespace: namespace, labels: labels)
        self.data = data
    }
}

/// A cluster-scoped custom resource.
struct ClusterGadget: KubernetesResource, Equatable {
    static let group = "example.ordinal.dev"
    static let version = "v1"
    static let kind = "ClusterGadget"
    static let plural = "clustergadgets"
    static let isNamespaced = false

    var apiVersion: String? = ClusterGadget.apiVersion
    var kind: String? = ClusterGadget.kind
    var metadata: ObjectMeta
    var spec: [String: String]?
}

/// Starts a test server and a client for it, runs `body`, and stops both.
func withServer<R>(
    retryPolicy: RetryPolicy = RetryPolicy(), observer: (@Sendable (KubeRequestRecord) -> Void)? = nil,
    _ body: (KubeTestServer, KubeClient) async throws -> R
) async throws -> R {
    let server = try await KubeTestServer.start()
    var config = KubeConfig(server: server.url, namespace: "default")
    config.requestTimeout = .seconds(10)
    let client = KubeClient(config: config, retryPolicy: retryPolicy, observer: observer)
    do {
        let result = try await body(server, client)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

/// Waits until `condition` holds, polling, for at most `timeout`.
func eventually(_ timeout: Duration = .seconds(15), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Runs `body` expecting a KubeAPIError and returns it.
func expectKubeError<R>(_ body: () async throws -> R, sourceLocation: SourceLocation = #_sourceLocation) async -> KubeAPIError? {
    do {
        _ = try await body()
        Issue.record("expected a KubeAPIError, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as KubeAPIError {
        return error
    } catch {
        Issue.record("expected a KubeAPIError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
