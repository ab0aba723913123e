import Foundation
import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
import Logging
import Operator
import PostgresHealth

/// One operator process against the API test server: its own client, caches, connection pool
/// and controller. Dropping it (``stop()``) and starting another is an operator restart.
public final class OperatorRun: Sendable {
    public let server: KubeTestServer
    public let client: KubeClient
    public let controller: Controller
    public let pool: ConnectionPool
    let cachesTask: Task<Void, Never>
    public let key: ClusterKey
    /// This run's entry in ``LogAudit/suite``.
    let audit: Int

    /// - Parameter logs: records every line at every level, instead of printing at
    ///   `ORDINAL_TEST_LOG_LEVEL` (warning by default).
    public init(server: KubeTestServer, options: OperatorOptions, clock: WallClock = .system, key: ClusterKey,
                metrics: OperatorMetrics = OperatorMetrics(), pool: ConnectionPool = ConnectionPool(), logs: LogRecorder? = nil) {
        self.server = server
        self.key = key
        client = KubeClient(config: KubeConfig(server: server.url), retryPolicy: .none)
        self.pool = pool
        // Every line at every level goes to the suite's audit (no secret may appear in one);
        // printed at ORDINAL_TEST_LOG_LEVEL (warning by default; notice, info or debug show
        // what the operator does), or kept in `logs`.
        let audit = LogAudit.suite.begin(server: server)
        self.audit = audit
        let printed = ProcessInfo.processInfo.environment["ORDINAL_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        // The multiplex logs at the lowest of its handlers' levels (the audit's, trace); setting
        // the logger's level would set every handler's.
        let logger = Logger(label: "ordinal.test") { label in
            var console = StreamLogHandler.standardError(label: label)
            console.logLevel = printed
            let kept: any LogHandler = logs.map { $0.handler(label: label) } ?? LogAudit.Muted()
            return MultiplexLogHandler([LogAudit.suite.handler(run: audit), kept, logs == nil ? console : LogAudit.Muted()])
        }
        controller = Controller(client: client, options: options, metrics: metrics, pool: pool, clock: clock, logger: logger)
        let caches = controller.caches
        cachesTask = Task { await caches.run() }
    }

    /// Stops the caches' watches and closes every PostgreSQL connection.
    public func stop() async {
        cachesTask.cancel()
        await pool.closeAll()
        LogAudit.suite.end(run: audit)
    }

    /// One reconcile, once the caches hold what the server holds.
    @discardableResult
    public func reconcile() async throws -> ClusterReconciler.Outcome {
        try await settle()
        return try await controller.reconciler.reconcile(key)
    }

    /// Waits until every cache holds exactly the server's objects of its type, at the server's versions:
    /// looks again after each change the caches take in (an event, not a poll).
    public func settle(timeout: Duration = .seconds(10)) async throws {
        let caches = controller.caches
        let settled = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await caches.changes.wait {
                    caches.isSynced
                        && self.matches(caches.clusters) && self.matches(caches.statefulSets) && self.matches(caches.services)
                        && self.matches(caches.configMaps) && self.matches(caches.secrets, managedOnly: true)
                        && self.matches(caches.budgets) && self.matches(caches.pods)
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard settled else {
            throw OperatorRunError(description: "the operator's caches did not catch up with the API test server within \(timeout)")
        }
    }

    private func matches<T: KubernetesResource>(_ cache: InformerSet<T>, managedOnly: Bool = false) -> Bool {
        let cached = Set(cache.versions().map { "\($0.name)@\($0.resourceVersion ?? "")" })
        let stored = Set(server.objects(in: ResourceKey(T.self)).filter { object in
            !managedOnly || object["metadata"]?["labels"]?["app.kubernetes.io/managed-by"]?.stringValue == "ordinal"
        }.map { "\($0["metadata"]?["name"]?.stringValue ?? "")@\($0["metadata"]?["resourceVersion"]?.stringValue ?? "")" })
        return cached == stored
    }
}

/// The operator's caches did not catch up with the API test server in time.
public struct OperatorRunError: Error, CustomStringConvertible {
    public var description: String
}
