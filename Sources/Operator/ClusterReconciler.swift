import ClusterModel
import KubeAPI
import KubeTypes
import Logging
import PostgresHealth

/// Reconciles one PostgresCluster: the imperative shell around the pure model.
///
/// Reads the cluster and its objects from the caches, applies what differs (server-side apply,
/// one field manager), probes every instance through libpq, labels the pod PostgreSQL reports as
/// primary, keeps replication right, walks rollouts down the partition, and writes status once,
/// only when it changed. A steady cluster costs no write at all.
public final class ClusterReconciler: Sendable {
    let client: KubeClient
    let caches: ClusterCaches
    let options: OperatorOptions
    let pool: ConnectionPool
    let events: EventRecorder
    let clock: WallClock
    let logger: Logger
    let metrics: OperatorMetrics

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
        guard let cluster = caches.clusters.get(namespace: key.namespace, name: key.name) else {
            return Outcome(requeueAfter: nil, writes: 0, phase: nil)  // deleted: owner references collect the rest
        }
        if cluster.metadata.deletionTimestamp != nil {
            return Outcome(requeueAfter: nil, writes: 0, phase: nil)
        }
        var logger = self.logger
        logger[metadataKey: "cluster"] = "\(key.name)"
        logger[metadataKey: "namespace"] = "\(key.namespace)"
        var round = Round(cluster: cluster, resolved: ResolvedCluster(cluster), logger: logger, now: clock.now())

        round.specErrors = SpecValidator.errors(in: cluster) + liveStateErrors(round)
        if round.specErrors.isEmpty {
            try await ensureSecrets(&round)
        }
        guard round.specErrors.isEmpty else {
            let status = StatusComputer.compute(.init(
                cluster: round.resolved, previous: cluster.status, instances: [], roles: .init(primary: nil),
                specErrors: round.specErrors, now: round.now))
            try await writeStatus(status, &round)
            await events.record(ObjectReference(to: cluster), type: "Warning", reason: "InvalidSpec",
                                message: round.specErrors.map(\.description).joined(separator: "; "))
            logger.warning("spec is invalid; waiting for a change", metadata: ["errors": "\(round.specErrors.map(\.description))"])
            // A user-named Secret may appear later (it is not watched): look again, slowly.
            return Outcome(requeueAfter: round.waitsForSecret ? options.healthInterval : nil, writes: round.writes, phase: .failed)
        }

        try await applyOwnedObjects(&round)
        await observeInstances(&round)
        try await labelRoles(&round)
        await maintainReplication(&round)
        try await reconcileStatefulSet(&round)
        try await growVolumes(&round)

        let status = StatusComputer.compute(.init(
            cluster: round.resolved, previous: cluster.status, instances: round.observations,
            roles: round.roles, rollout: round.rollout, partition: round.partition, now: round.now))
        try await writeStatus(status, &round)
        await recordPhaseChange(from: cluster.status, to: status, cluster: cluster)

        let settled = status.phase == .healthy
        return Outcome(requeueAfter: settled ? options.healthInterval : options.busyInterval, writes: round.writes, phase: status.phase)
    }

    /// What admission may have missed (older API servers, objects stored before a rule existed),
    /// checked against the live state: the operator refuses anything it cannot do safely.
    func liveStateErrors(_ round: Round) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = round.cluster.spec
        if let running = round.cluster.status?.currentVersion.flatMap(PostgresVersion.init),
            let wanted = PostgresVersion(spec.postgresVersion), running.major != wanted.major
        {
            errors.append(FieldError(
                field: "spec.postgresVersion",
                message: "the cluster runs PostgreSQL \(running.major); a change to \(wanted.major) cannot be rolled out in place. Set the version back to \(running.major).x, or create a new cluster and migrate"))
        }
        if let live = caches.statefulSets.get(namespace: round.resolved.namespace, name: round.resolved.names.statefulSet),
            let size = live.spec?.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"],
            let liveSize = Quantity(size), let wanted = Quantity(spec.storage.size), wanted < liveSize
        {
            errors.append(FieldError(field: "spec.storage.size", message: "cannot shrink from \(liveSize) to \(wanted): volumes can only grow"))
        }
        return errors
    }

    func writeStatus(_ status: PostgresClusterStatus, _ round: inout Round) async throws {
        guard status != round.cluster.status else { return }
        let body: JSONValue = [
            "apiVersion": .string(PostgresCluster.apiVersion),
            "kind": .string(PostgresCluster.kind),
            "metadata": ["name": .string(round.resolved.name), "namespace": .string(round.resolved.namespace)],
            "status": try JSONValue(encoding: status),
        ]
        _ = try await client.applyRaw(
            ResourceType(PostgresCluster.self), object: body, namespace: round.resolved.namespace, subresource: "status",
            fieldManager: options.fieldManager, force: true)
        round.writes += 1
    }

    func recordPhaseChange(from old: PostgresClusterStatus?, to new: PostgresClusterStatus, cluster: PostgresCluster) async {
        guard old?.phase != new.phase, let phase = new.phase else { return }
        let reference = ObjectReference(to: cluster)
        let degraded = new.conditions?.first { $0.type == StatusComputer.degraded }
        switch phase {
        case .degraded:
            await events.record(reference, type: "Warning", reason: degraded?.reason ?? "Degraded", message: degraded?.message ?? "degraded")
        case .healthy:
            let reason = old?.phase == .degraded ? "Recovered" : old?.phase == .upgrading ? "RolloutComplete" : "ClusterReady"
            await events.record(reference, type: "Normal", reason: reason, message: "\(new.readyInstances ?? 0) instances ready; primary \(new.primary ?? "none")")
        default:
            break
        }
    }
}

/// The state of one reconcile as it proceeds.
struct Round {
    let cluster: PostgresCluster
    let resolved: ResolvedCluster
    let logger: Logger
    let now: Double
    var specErrors: [FieldError] = []
    var waitsForSecret = false
    var writes = 0
    var superuserPassword: String?
    var replicationUser = ClusterDefaults.replicationUserName
    var pods: [Pod] = []
    var facts: [InstanceFacts] = []
    var observations: [InstanceObservation] = []
    var roles = StatusComputer.Roles(primary: nil)
    var rollout: RolloutPlanner.Decision?
    var partition: Int?

    init(cluster: PostgresCluster, resolved: ResolvedCluster, logger: Logger, now: Double) {
        self.cluster = cluster
        self.resolved = resolved
        self.logger = logger
        self.now = now
    }
}
