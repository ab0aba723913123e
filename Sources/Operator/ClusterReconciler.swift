import ClusterModel
import KubeAPI
import KubeTypes
import Logging
import PostgresHealth

/// Reconciles one PostgresCluster: the imperative shell around ``ClusterPlanner``.
///
/// One round: gather an observation (caches, the Secrets, the probes through libpq), ask the
/// planner for a plan, execute it in order (server-side apply with one field manager; role
/// labels; SQL actions; the StatefulSet; status once, only when it changed), feeding failed
/// actions back to the planner. The shell decides nothing itself. A steady cluster costs no
/// write at all.
public final class ClusterReconciler: Sendable {
    let client: KubeClient
    let caches: ClusterCaches
    let options: OperatorOptions
    let pool: ConnectionPool
    let events: EventRecorder
    let clock: WallClock
    let logger: Logger
    let metrics: OperatorMetrics
    /// Status written by the last round of each cluster, until the cache shows it.
    let written = WrittenStatus()
    /// The passwords PostgreSQL holds, per cluster (memory only).
    let passwords = PasswordMemory()
    /// Generated Secret names found to exist without Ordinal's labels (read with a GET).
    let uncachedSecrets = UncachedSecrets()
    let authorityFiles: CertificateAuthorityFiles
    let certificateMemo = CertificateMemo()

    public init(client: KubeClient, caches: ClusterCaches, options: OperatorOptions, pool: ConnectionPool,
                events: EventRecorder, metrics: OperatorMetrics, clock: WallClock = .system, logger: Logger) {
        self.client = client
        self.caches = caches
        self.options = options
        self.pool = pool
        self.events = events
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        authorityFiles = CertificateAuthorityFiles(directory: options.certificateDirectory)
    }

    /// What one reconcile did and when to look again.
    public struct Outcome: Sendable, Hashable {
        /// Look at the cluster again after this long (`nil`: only on the next change).
        public var requeueAfter: Duration?
        /// Writes sent to the API server (0 in a steady state).
        public var writes: Int
        public var phase: ClusterPhase?
    }

    /// Reconciles the cluster `key`.
    public func reconcile(_ key: ClusterKey) async throws -> Outcome {
        guard let cached = caches.clusters.get(namespace: key.namespace, name: key.name) else {
            written.forget(key)
            passwords.forget(cluster: key)
            certificateMemo.forget(key)
            metrics.setInstances([], cluster: key, now: 0)
            metrics.setBackup(nil, healthy: false, cluster: key)
            return Outcome(requeueAfter: nil, writes: 0, phase: nil)  // deleted: owner references collect the rest
        }
        let cluster = written.current(key, cached: cached)
        if cluster.metadata.deletionTimestamp != nil {
            return Outcome(requeueAfter: nil, writes: 0, phase: nil)
        }
        var logger = self.logger
        logger[metadataKey: "cluster"] = "\(key.name)"
        logger[metadataKey: "namespace"] = "\(key.namespace)"
        var round = Round(cluster: cluster, resolved: ResolvedCluster(cluster), logger: logger)

        var observation = try await observe(&round)
        metrics.setInstances(observation.reports, cluster: key, now: observation.now)
        var plan = ClusterPlanner.plan(observation)
        if !plan.specErrors.isEmpty {
            logger.warning("spec is invalid; waiting for a change", metadata: ["errors": "\(plan.specErrors.map(\.description))"])
            try await finish(plan, &round)
            return Outcome(requeueAfter: interval(plan.requeue), writes: round.writes, phase: plan.status.phase)
        }

        // Certificates first: a CA made now goes into the app Secret made now (its ca.crt).
        try await issueCertificates(plan.certificatesToIssue, at: observation.now, &round)
        try await createSecrets(plan.secretsToCreate, &round)
        if let name = plan.appSecretToRefresh { try await refreshAppSecret(name, &round) }
        try await applyObjects(plan, &round)
        try await applyLabels(plan.labels, &round)
        let failures = await run(plan.actions, &round)
        if !failures.isEmpty {
            // The planner sees what failed and decides again what follows (never what came before).
            observation.failures = failures
            plan = ClusterPlanner.plan(observation)
        }
        try await restartPods(plan.podsToDelete, &round)
        if let statefulSet = plan.statefulSet {
            try await applyIfChanged(statefulSet, live: observation.statefulSet, comparedAs: CacheForm.statefulSet, &round)
        }
        let secretProblems = try await runBackupJobs(plan, &round)
        let growthFailures = await growVolumes(plan.volumeGrowth, &round)
        if !growthFailures.isEmpty || !secretProblems.isEmpty {
            // Status and events say what the API server refused or which Secret a backup Job
            // lacks; nothing else is decided again.
            observation.growthFailures = growthFailures
            observation.backupSecretProblems = secretProblems
            plan = ClusterPlanner.plan(observation)
        }
        try await finish(plan, &round)
        return Outcome(requeueAfter: interval(plan.requeue), writes: round.writes, phase: plan.status.phase)
    }

    /// Writes the status (only when it changed) and records the plan's events.
    func finish(_ plan: ClusterPlan, _ round: inout Round) async throws {
        try await writeStatus(plan.status, &round)
        let healthy = plan.status.conditions?.first { $0.type == StatusComputer.backupHealthy }?.status == "True"
        metrics.setBackup(round.resolved.backup == nil ? nil : plan.status.backup, healthy: healthy, cluster: round.key)
        let reference = ObjectReference(to: round.cluster)
        for event in plan.events {
            await events.record(reference, type: event.kind.rawValue, reason: event.reason.rawValue, message: event.message)
        }
    }

    func interval(_ requeue: Requeue) -> Duration? {
        switch requeue {
        case .never: nil
        case .healthInterval: options.healthInterval
        case .busyInterval: options.busyInterval
        case .promptly: options.promptInterval
        }
    }

    func writeStatus(_ status: PostgresClusterStatus, _ round: inout Round) async throws {
        guard status != round.cluster.status else { return }
        let body: JSONValue = [
            "apiVersion": .string(PostgresCluster.apiVersion),
            "kind": .string(PostgresCluster.kind),
            "metadata": ["name": .string(round.resolved.name), "namespace": .string(round.resolved.namespace)],
            "status": try JSONValue(encoding: status),
        ]
        let stored = try await client.applyRaw(
            ResourceType(PostgresCluster.self), object: body, namespace: round.resolved.namespace, subresource: "status",
            fieldManager: options.fieldManager, force: true)
        round.writes += 1
        if let after = try? stored.decode(as: PostgresCluster.self) {
            written.record(ClusterKey(namespace: round.resolved.namespace, name: round.resolved.name), before: round.cluster, after: after)
        }
    }
}

/// The state of one reconcile as it proceeds: what the shell needs to execute, never a decision.
struct Round {
    let cluster: PostgresCluster
    let resolved: ResolvedCluster
    let logger: Logger
    var writes = 0
    /// Each Secret's username and password, read for the probes and actions (never logged).
    var credentials: [SecretRole: (username: String?, password: String)] = [:]
    /// The superuser password the probes and actions log in with: the one PostgreSQL holds
    /// (the Secret's, or while a changed one waits to be set, the one remembered).
    var superuserLogin: String?
    /// The monitoring role's password the probes log in with (as ``superuserLogin``).
    var monitorLogin: String?
    /// The superuser's password, for the probes and actions.
    var superuserPassword: String? { superuserLogin }
    /// The PostgreSQL user of `role`: the superuser's fixed name, else the Secret's `username`
    /// or the default (the replication role; the application owner).
    func user(_ role: SecretRole) -> String {
        switch role {
        case .superuser: ClusterDefaults.superuserName
        case .replication: credentials[.replication]?.username ?? ClusterDefaults.replicationUserName
        case .app: credentials[.app]?.username ?? resolved.owner
        case .monitor: ClusterDefaults.monitorUserName
        }
    }
    /// The cluster's key and uid, for what the shell remembers of it.
    var key: ClusterKey { ClusterKey(namespace: resolved.namespace, name: resolved.name) }
    var uid: String { cluster.metadata.uid ?? "" }
    /// Where each pod's PostgreSQL is reached.
    var addresses: [String: InstanceAddress] = [:]
    /// The cluster's CA as a file (for `verify-full`), once it is known.
    var authorityFile: String?
    /// The cluster's CA certificate (PEM), once it is known: the app Secret's `ca.crt`.
    var authorityPEM: String?

    init(cluster: PostgresCluster, resolved: ResolvedCluster, logger: Logger) {
        self.cluster = cluster
        self.resolved = resolved
        self.logger = logger
    }
}
