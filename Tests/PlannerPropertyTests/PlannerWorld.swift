import ClusterModel
import KubeTypes

/// A small, deterministic model of everything a plan acts on: pods and their PostgreSQL
/// servers, the StatefulSet controller, the stored status and the Secrets. Each step a fault
/// or a change happens to it, the operator observes it, plans, and the plan is applied to it
/// (sometimes only in part: the operator may die mid-plan). Used to check the planner's
/// invariants over random histories; it is not a second implementation of the planner.
struct PlannerWorld {
    struct Server: Hashable {
        var running = true
        var inRecovery: Bool
        var versionNumber: Int
        var streaming: Bool
        var lagBytes: Int64 = 0
        /// The system identifier of the data the server holds.
        var identifier = PlannerWorld.clusterIdentifier
        /// The WAL this standby needs next is gone from the primary: it can never stream again.
        var walGone = false
        /// New transactions are read-only (a switchover's fence).
        var readOnly = false
        /// The replication Secret version its passfile was written from.
        var passfileVersion = 1
        /// `max_connections` as it runs (one of ``StandbyLimits``).
        var maxConnections: Int64 = 100
    }

    /// `max_connections` in each volume's `postgresql.auto.conf` (`ALTER SYSTEM`), by ordinal.
    var autoConf: [Int: Int64] = [:]
    /// The system identifier of the data on each volume, by ordinal, when it is not the
    /// cluster's (a volume re-initialised empty): it outlives the pod.
    var volumeIdentifiers: [Int: String] = [:]
    /// `max_connections` each StatefulSet revision's `postgresql.conf` gives.
    var revisionLimits: [String: Int64] = [:]
    /// A replica was restarted with lower `max_connections` than its primary runs (such a standby stops replaying).
    var limitViolations: [String] = []

    /// The WAL position every primary reports; a standby reports it less its lag.
    static let head: Int64 = 10_000_000_000

    /// The identifier of the cluster's own data (every server starts with it).
    static let clusterIdentifier = "7312000000000000001"
    /// Foreign data sets made so far (each emptied volume re-initialised gets a new one).
    var foreignCount = 0

    struct SimPod: Hashable {
        var revision: String
        var ready: Bool
        var role: String?
        var server: Server
        var uid = ""
    }

    static let namespace = "shop"
    static let name = "orders"
    let names = ClusterNames(cluster: PlannerWorld.name, namespace: PlannerWorld.namespace)

    var spec: PostgresClusterSpec
    var generation: Int64 = 1
    var status: PostgresClusterStatus?
    var secrets: Set<String> = []
    /// Each Secret's `resourceVersion` (edits bump it).
    var secretVersions: [String: Int] = [:]
    var statefulSet: StatefulSet?
    /// The version each StatefulSet revision runs (a revision is named for its template hash).
    var revisionVersions: [String: Int] = [:]
    var currentRevision: String?
    var pods: [Int: SimPod] = [:]
    /// Slots on pod 0's server.
    var slots: Set<String> = []
    var claims: [String: String] = [:]
    var now: Double = 1_000_000
    var blind = false
    var checkpointFails = false

    init(instances: Int) {
        spec = PostgresClusterSpec(instances: instances, postgresVersion: "15.18", storage: StorageSpec(size: "1Gi"))
        spec.upgrade = UpgradeSpec()
    }

    var cluster: PostgresCluster {
        PostgresCluster(
            metadata: ObjectMeta(name: Self.name, namespace: Self.namespace, uid: "uid-1", generation: generation),
            spec: spec, status: status)
    }

    static func versionNumber(_ text: String) -> Int {
        let version = PostgresVersion(text)
        return (version?.major ?? 15) * 10000 + (version?.minor ?? 0)
    }

    // MARK: observing

    func observation(failures: [ActionFailure] = []) -> ClusterObservation {
        var observation = ClusterObservation(cluster: cluster, now: now, failures: failures)
        let secretNames = SecretBuilder.secretNames(ResolvedCluster(cluster))
        for role in SecretRole.allCases {
            let name = SecretBuilder.secretName(ResolvedCluster(cluster), role: role)
            let username = switch role {
            case .superuser: "postgres"
            case .replication: "streaming_replica"
            case .app: "app"
            case .monitor: ClusterDefaults.monitorUserName
            }
            observation.secrets[role] = secrets.contains(name) ? .present(username: username, hasPassword: true) : .missing
            if secrets.contains(name) { observation.secretVersions[role] = "\(secretVersions[name] ?? 1)" }
        }
        if secrets.contains(secretNames.replication) { observation.expectedPassfileDigest = "d\(secretVersions[secretNames.replication] ?? 1)" }
        if var statefulSet {
            var status = StatefulSetStatus()
            status.observedGeneration = statefulSet.metadata.generation
            status.currentRevision = currentRevision
            status.updateRevision = revision(of: statefulSet)
            statefulSet.status = status
            statefulSet.spec?.template = PodTemplateSpec(spec: PodSpec(containers: []))  // the cache's form
            observation.statefulSet = statefulSet
        }
        observation.pods = pods.sorted { $0.key < $1.key }.map { ordinal, pod in
            PodObservation(name: names.pod(ordinal), isReady: pod.ready, revision: pod.revision, roleLabel: pod.role, uid: pod.uid)
        }
        let superuserPresent = secrets.contains(secretNames.superuser)
        if blind || !superuserPresent {
            observation.probeBlocked = "the superuser Secret cannot be read"
        } else {
            let primaries = pods.filter { $0.value.server.running && !$0.value.server.inRecovery }
            observation.reports = pods.sorted { $0.key < $1.key }.map { ordinal, pod in
                guard pod.server.running else { return InstanceReport(podName: names.pod(ordinal), failure: "connectionFailed: refused") }
                let lag: Int64? = primaries.count == 1 ? (pod.server.inRecovery ? pod.server.lagBytes : 0) : nil
                var database = DatabaseFacts(isInRecovery: pod.server.inRecovery, serverVersionNumber: pod.server.versionNumber,
                                            isStreaming: pod.server.inRecovery && pod.server.streaming, lagBytes: lag,
                                            systemIdentifier: pod.server.identifier,
                                            replayPosition: pod.server.inRecovery ? (pod.server.walGone ? 10 : Self.head - pod.server.lagBytes) : nil,
                                            oldestWALPosition: pod.server.inRecovery ? nil : 100,
                                            walPosition: pod.server.inRecovery ? (pod.server.walGone ? 10 : Self.head - pod.server.lagBytes) : Self.head,
                                            isReadOnlyByDefault: pod.server.readOnly,
                                            passfileDigest: pod.server.inRecovery ? "d\(pod.server.passfileVersion)" : nil)
                database.limits["max_connections"] = LimitSetting(
                    value: pod.server.maxConnections, defaultValue: 100, autoConf: autoConf[ordinal].map { "\($0)" },
                    fileValue: autoConf[ordinal] ?? revisionLimits[pod.revision] ?? 100)
                return InstanceReport(
                    podName: names.pod(ordinal), database: database,
                    slots: !pod.server.inRecovery ? slots.sorted().map { SlotFacts(name: $0, isActive: false) } : [])
            }
        }
        if ClusterPlanner.needsClaims(cluster, statefulSet: observation.statefulSet, pods: observation.pods) {
            observation.claims = claims.sorted { $0.key < $1.key }.map { ClaimObservation(name: $0.key, requested: $0.value) }
        }
        return observation
    }

    func revision(of statefulSet: StatefulSet) -> String {
        "\(Self.name)-" + (statefulSet.metadata.annotations?[ClusterLabels.templateHashAnnotation] ?? "none")
    }

    var primaryLabelled: [Int] { pods.filter { $0.value.role == ClusterLabels.primaryRole }.map(\.key).sorted() }

    // MARK: applying a plan

    /// Applies the label changes one at a time, calling `check` after each (every state a plan passes through).
    mutating func applyLabels(_ changes: [RoleLabelPlan.Change], upTo count: Int, check: (PlannerWorld) -> Void) {
        for change in changes.prefix(count) {
            guard let ordinal = names.ordinal(ofPod: change.pod), pods[ordinal] != nil else { continue }
            pods[ordinal]?.role = change.role
            check(self)
        }
    }

    /// Runs the SQL actions in order until one fails (as the shell does); returns that failure.
    mutating func run(_ actions: [InstanceAction]) -> [ActionFailure] {
        var failures: [ActionFailure] = []
        for action in actions where failures.isEmpty {
            switch action {
            case .ensureRoles, .recreateSlot, .reloadConfiguration:
                break
            case .setLimits(let pod, let values):
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true {
                    if let value = values["max_connections"] { autoConf[ordinal] = value }
                } else {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .resetLimits(let pod, let reset):
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true {
                    if reset.contains("max_connections") { autoConf[ordinal] = nil }
                } else {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .setPassword(let pod, _):
                if names.ordinal(ofPod: pod).flatMap({ pods[$0] })?.server.running != true {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .writePassfile(let pod):
                let written = secretVersions[SecretBuilder.secretNames(ResolvedCluster(cluster)).replication] ?? 1
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true {
                    pods[ordinal]?.server.passfileVersion = written
                } else {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .promote(let pod):
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true {
                    pods[ordinal]?.server.inRecovery = false
                    pods[ordinal]?.server.streaming = false
                    pods[ordinal]?.server.lagBytes = 0
                    // Slots live on one primary: the new one makes its own (ensureSlots).
                    slots = []
                } else {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .fenceWrites(let pod):
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true {
                    pods[ordinal]?.server.readOnly = true
                } else {
                    failures.append(ActionFailure(action: action, message: "connectionFailed: refused"))
                }
            case .unfenceWrites(let pod):
                if let ordinal = names.ordinal(ofPod: pod) { pods[ordinal]?.server.readOnly = false }
            case .checkpoint:
                if checkpointFails { failures.append(ActionFailure(action: action, message: "queryTimeout: CHECKPOINT timed out")) }
            case .ensureSlots(_, let replicas, let dropping):
                for pod in replicas { slots.insert(ClusterNames.replicationSlot(forPod: pod)) }
                for pod in dropping { slots.remove(ClusterNames.replicationSlot(forPod: pod)) }
            case .streamFrom(let pod, _, _, _):
                if let ordinal = names.ordinal(ofPod: pod), pods[ordinal]?.server.running == true, pods[ordinal]?.server.walGone == false {
                pods[ordinal]?.server.streaming = true
            }
            }
        }
        return failures
    }

    mutating func apply(statefulSet desired: StatefulSet?) {
        guard var desired else { return }
        let revision = self.revision(of: desired)
        revisionVersions[revision] = Self.versionNumber(spec.postgresVersion)
        revisionLimits[revision] = Self.maxConnections(spec)
        if statefulSet == nil { currentRevision = revision }
        desired.metadata.generation = (statefulSet?.metadata.generation ?? 0) + 1
        statefulSet = desired
    }

    mutating func apply(_ plan: ClusterPlan) {
        for pod in plan.podsToDelete {
            // Deleted to be rebuilt (the StatefulSet makes it again and its bootstrap clones it
            // afresh), or the primary restarted first (its volume, auto.conf included, stays).
            guard let ordinal = names.ordinal(ofPod: pod) else { continue }
            if pods[ordinal]?.server.inRecovery == true { autoConf[ordinal] = nil }
            // A rebuild clones the volume afresh from the primary.
            if pods[ordinal]?.server.inRecovery == true { volumeIdentifiers[ordinal] = nil }
            pods[ordinal] = nil
        }
        for creation in plan.secretsToCreate { secrets.insert(creation.name) }
        for step in plan.volumeGrowth { claims[step.claim] = step.size }
        if plan.status != status { status = plan.status }
    }

    // MARK: the StatefulSet controller and the servers

    /// One move of the StatefulSet controller: create a missing pod, or replace the highest
    /// pod at or above the partition whose revision is not the update revision.
    mutating func controllerStep() {
        guard let statefulSet else { return }
        let replicas = statefulSet.spec?.replicas ?? 0
        let partition = statefulSet.spec?.updateStrategy?.rollingUpdate?.partition ?? 0
        let update = revision(of: statefulSet)
        for ordinal in pods.keys where ordinal >= replicas { pods[ordinal] = nil }
        for ordinal in 0..<replicas where pods[ordinal] == nil {
            let revision = ordinal >= partition ? update : (currentRevision ?? update)
            let made = fresh(ordinal, revision: revision)
            checkLimits(made, ordinal)
            pods[ordinal] = made
            claims[names.dataClaim(ordinal), default: spec.storage.size] = claims[names.dataClaim(ordinal)] ?? spec.storage.size
            return
        }
        if let ordinal = (partition..<max(partition, replicas)).reversed().first(where: { pods[$0]?.revision != update }) {
            let made = fresh(ordinal, revision: update, keeping: pods[ordinal])
            checkLimits(made, ordinal)
            pods[ordinal] = made
            return
        }
        // As the controller does: once every pod runs the update revision and is Ready.
        if (0..<replicas).allSatisfy({ pods[$0]?.revision == update && pods[$0]?.ready == true }) { currentRevision = update }
    }

    /// A standby (re)made with lower `max_connections` than pod 0, the running primary, runs.
    mutating func checkLimits(_ made: SimPod, _ ordinal: Int) {
        guard made.server.inRecovery, ordinal > 0, let primary = pods[0], primary.server.running, !primary.server.inRecovery,
            primary.server.identifier == Self.clusterIdentifier, made.server.maxConnections < primary.server.maxConnections
        else { return }
        limitViolations.append("\(names.pod(ordinal)) (re)made with max_connections \(made.server.maxConnections) below its primary's \(primary.server.maxConnections)")
    }

    /// A pod (re)made at `revision`: its server starts at that revision's version, a standby
    /// unless it is pod 0 restarting as the primary it was (or the first start of pod 0).
    func fresh(_ ordinal: Int, revision: String, keeping old: SimPod? = nil) -> SimPod {
        let version = revisionVersions[revision] ?? Self.versionNumber(spec.postgresVersion)
        // The bootstrap makes every pod but the one the ConfigMap names primary (the held one) a
        // standby of it; the held one keeps what it was (a standby being promoted stays one).
        let isHeld = names.pod(ordinal) == (status?.currentPrimary ?? names.pod(0))
        let recovery = isHeld ? (old?.server.inRecovery ?? false) : true
        var server = Server(inRecovery: recovery, versionNumber: version, streaming: false, lagBytes: recovery ? 4096 : 0,
                            identifier: volumeIdentifiers[ordinal] ?? old?.server.identifier ?? Self.clusterIdentifier,
                            readOnly: isHeld && old?.server.readOnly == true)
        server.maxConnections = autoConf[ordinal] ?? revisionLimits[revision] ?? 100
        return SimPod(
            revision: revision, ready: false, role: old?.role, server: server,
            uid: "\(ordinal)-\(Int(now))")
    }

    /// Servers come up and catch up over time.
    mutating func serversStep() {
        for (ordinal, pod) in pods {
            var pod = pod
            if pod.server.running {
                pod.ready = true
                if pod.server.walGone { pod.server.streaming = false }
                if pod.server.inRecovery && pod.server.streaming { pod.server.lagBytes = max(0, pod.server.lagBytes - 4096) }
            } else {
                pod.ready = false
            }
            pods[ordinal] = pod
        }
    }

    // MARK: faults and changes

    /// One thing that happens to the cluster, chosen by `code`, applied to the pod `target`.
    mutating func happen(_ code: Int, target: Int) {
        let ordinals = pods.keys.sorted()
        let ordinal = ordinals.isEmpty ? 0 : ordinals[target % ordinals.count]
        switch code {
        case 0: break
        case 1: pods[ordinal]?.server.running = false  // crash
        case 2:  // restart: the server reads its configuration again
            if let pod = pods[ordinal], !pod.server.running {
                pods[ordinal]?.server.running = true
                pods[ordinal]?.server.maxConnections = autoConf[ordinal] ?? revisionLimits[pod.revision] ?? 100
            }
        case 3:  // promoted by hand
            pods[ordinal]?.server.inRecovery = false
            pods[ordinal]?.server.streaming = false
        case 4:  // restarted as a standby by hand
            if ordinal > 0 { pods[ordinal]?.server.inRecovery = true }
        case 5: pods[ordinal] = nil  // pod deleted; the controller recreates it
        case 6: pods[ordinal]?.server.lagBytes += Int64(target % 3) * 600_000_000  // a write burst
        case 7:  // a minor version change mid-walk (or back)
            spec.postgresVersion = spec.postgresVersion == "15.18" ? "15.20" : "15.18"
            generation += 1
        case 8:
            spec.instances = 1 + target % 4
            generation += 1
        case 9: break  // the operator restarts: handled by the driver (a plan cut short)
        case 10: checkpointFails.toggle()
        case 11:
            let paused = spec.upgrade?.paused ?? false
            spec.upgrade?.paused = !paused
            generation += 1
        case 12:
            spec.storage.size = spec.storage.size == "1Gi" ? "2Gi" : spec.storage.size
            generation += 1
        case 13: blind.toggle()
        case 14: pods[ordinal]?.server.streaming = false  // replication broke
        case 15:
            // The pod's volume is lost and the server re-initialised on an empty one (what the
            // image does on an empty data directory): another cluster's data, not in recovery.
            guard status?.systemIdentifier != nil, var pod = pods[ordinal] else { break }
            foreignCount += 1
            autoConf[ordinal] = nil
            volumeIdentifiers[ordinal] = "7400000000000000\(foreignCount)"
            pod.server = Server(inRecovery: false, versionNumber: pod.server.versionNumber, streaming: false,
                                identifier: "7400000000000000\(foreignCount)")
            pod.server.maxConnections = revisionLimits[pod.revision] ?? 100
            pods[ordinal] = pod
        case 16:  // the WAL this standby needs is recycled on the primary
            if pods[ordinal]?.server.inRecovery == true { pods[ordinal]?.server.walGone = true }
        case 17:  // a user edits (rotates) one of the Secrets
            let name = SecretBuilder.secretName(ResolvedCluster(cluster), role: SecretRole.allCases[target % SecretRole.allCases.count])
            if secrets.contains(name) { secretVersions[name, default: 1] += 1 }
        case 18:  // max_connections lowered, or raised back, mid-walk or not
            var parameters = spec.postgresql?.parameters ?? [:]
            parameters["max_connections"] = parameters["max_connections"] == nil ? "50" : nil
            spec.postgresql = PostgreSQLSpec(parameters: parameters)
            generation += 1
        default: break
        }
    }

    /// `max_connections` the spec's template gives.
    static func maxConnections(_ spec: PostgresClusterSpec) -> Int64 {
        spec.postgresql?.parameters?["max_connections"].flatMap { Int64($0) } ?? 100
    }

    static let eventCount = 19
}
