import ClusterModel
import KubeAPI
import KubeTypes
import Logging

/// The informers of one resource type over the watched namespaces (one informer for all, or one per namespace).
public final class InformerSet<T: KubernetesResource>: Sendable {
    let informers: [String?: Informer<T>]

    init(client: KubeClient, namespaces: [String], labelSelector: String?, changes: ChangeSignal,
         form: @escaping @Sendable (T) -> T = CacheForm.stripped, onChange: @escaping @Sendable (T) -> Void) {
        let scopes: [String?] = namespaces.isEmpty ? [nil] : namespaces
        var informers: [String?: Informer<T>] = [:]
        for scope in scopes {
            // Caches keep only what the controller reads (see ``CacheForm``), indexed by cluster.
            informers[scope] = Informer<T>(
                client: client, namespace: scope, labelSelector: labelSelector, changes: changes, indexLabel: ClusterLabels.cluster,
                transform: form
            ) { event in
                onChange(event.object)
                if case .updated(let old, _) = event { onChange(old) }
            }
        }
        self.informers = informers
    }

    private func informer(for namespace: String) -> Informer<T>? {
        informers[nil] ?? informers[namespace]
    }

    /// The cached object, or `nil`.
    public func get(namespace: String, name: String) -> T? {
        informer(for: namespace)?.cache.get(name: name, namespace: namespace)
    }

    /// Cached objects in `namespace` matching `selector`.
    public func list(namespace: String, selector: LabelSelector? = nil) -> [T] {
        informer(for: namespace)?.cache.list(namespace: namespace, labelSelector: selector) ?? []
    }

    /// Every cached object (for a count, use ``count``; for versions, ``versions()``).
    public func all() -> [T] {
        informers.values.flatMap { $0.cache.list() }
    }

    /// Name and resourceVersion of every cached object, without copying the objects out.
    public func versions() -> [(namespace: String?, name: String, resourceVersion: String?)] {
        informers.values.flatMap { $0.cache.versions() }
    }

    /// How many objects are cached.
    public var count: Int { informers.values.reduce(0) { $0 + $1.cache.count } }

    var isSynced: Bool { informers.values.allSatisfy { $0.cache.isSynced } }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for informer in informers.values {
                group.addTask { await informer.run() }
            }
        }
    }
}

/// Every cache the controller reads from. Owned objects are watched through the
/// `app.kubernetes.io/managed-by=ordinal` label, so the operator never caches the rest of the cluster.
///
/// The caches run for the whole process, on a standby too (``run()``, a service of the operator
/// process), so a new leader starts from a warm copy. Every cache fires the one ``changes``
/// signal, which makes ``waitUntilSynced()`` and any other wait on their content an event, not a poll.
public final class ClusterCaches: Sendable {
    public let clusters: InformerSet<PostgresCluster>
    public let statefulSets: InformerSet<StatefulSet>
    public let services: InformerSet<Service>
    public let configMaps: InformerSet<ConfigMap>
    public let secrets: InformerSet<Secret>
    public let budgets: InformerSet<PodDisruptionBudget>
    public let networkPolicies: InformerSet<NetworkPolicy>
    public let pods: InformerSet<Pod>
    /// Backup Jobs.
    public let jobs: InformerSet<Job>
    /// Fired after every list and every change of any of the caches.
    public let changes: ChangeSignal
    let logger: Logger
    let onSynced: @Sendable () -> Void

    /// - Parameters:
    ///   - onSynced: called once every informer has listed, after the first start of ``run()``.
    ///   - enqueue: called with the cluster an event concerns.
    public init(client: KubeClient, namespaces: [String], logger: Logger = Logger(label: "ordinal.caches"),
                onSynced: @escaping @Sendable () -> Void = {}, enqueue: @escaping @Sendable (ClusterKey) -> Void) {
        self.logger = logger
        self.onSynced = onSynced
        let changes = ChangeSignal()
        self.changes = changes
        let managed = "\(ClusterLabels.managedBy)=\(ClusterLabels.managedByValue)"
        let byLabel: @Sendable (ObjectMeta) -> Void = { metadata in
            if let cluster = metadata.labels?[ClusterLabels.cluster], let namespace = metadata.namespace {
                enqueue(ClusterKey(namespace: namespace, name: cluster))
            }
        }
        clusters = InformerSet(client: client, namespaces: namespaces, labelSelector: nil, changes: changes) { cluster in
            if let name = cluster.metadata.name, let namespace = cluster.metadata.namespace {
                enqueue(ClusterKey(namespace: namespace, name: name))
            }
        }
        statefulSets = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes, form: CacheForm.statefulSet) { byLabel($0.metadata) }
        services = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes) { byLabel($0.metadata) }
        configMaps = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes, form: CacheForm.configMap) { byLabel($0.metadata) }
        secrets = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes, form: CacheForm.secret) { byLabel($0.metadata) }
        budgets = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes) { byLabel($0.metadata) }
        networkPolicies = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes) { byLabel($0.metadata) }
        pods = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes, form: CacheForm.pod) { byLabel($0.metadata) }
        jobs = InformerSet(client: client, namespaces: namespaces, labelSelector: managed, changes: changes, form: CacheForm.job) { byLabel($0.metadata) }
    }

    /// True once every informer has listed.
    public var isSynced: Bool {
        clusters.isSynced && statefulSets.isSynced && services.isSynced && configMaps.isSynced
            && secrets.isSynced && budgets.isSynced && networkPolicies.isSynced && pods.isSynced && jobs.isSynced
    }

    /// Returns once every informer has listed.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func waitUntilSynced() async throws {
        try await changes.wait { isSynced }
    }
}
