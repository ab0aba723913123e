import ClusterModel
import KubeAPI
import KubeTypes
import PostgresHealth

extension ClusterReconciler {
    /// Where the operator reaches the instance in `pod`.
    func address(of pod: Pod, _ round: Round) -> InstanceAddress? {
        let name = pod.metadata.name ?? ""
        switch options.addressing {
        case .podDNS:
            guard let ordinal = round.resolved.names.ordinal(ofPod: name) else { return nil }
            return InstanceAddress(podName: name, host: round.resolved.names.podHost(ordinal), port: ClusterDefaults.port)
        case .podIP:
            guard let ip = pod.status?.podIP else { return nil }
            return InstanceAddress(podName: name, host: ip, port: ClusterDefaults.port)
        case .table(let lookup):
            guard let (host, port) = lookup(round.resolved.namespace, name) else { return nil }
            return InstanceAddress(podName: name, host: host, port: port)
        }
    }

    /// The superuser's connection settings for an instance.
    func settings(_ address: InstanceAddress, _ round: Round) -> ConnectionSettings? {
        guard let password = round.superuserPassword else { return nil }
        return ConnectionSettings(
            host: address.host, port: address.port, user: ClusterDefaults.superuserName,
            password: PostgresPassword(password), applicationName: "ordinal", connectTimeout: options.probeTimeout)
    }

    /// Probes every pod of the cluster at once and turns what they said into observations.
    func observeInstances(_ round: inout Round) async {
        let names = round.resolved.names
        round.pods = caches.pods.list(namespace: round.resolved.namespace, selector: LabelSelector(matchLabels: ClusterLabels.podSelector(cluster: round.resolved.name)))
            .filter { names.ordinal(ofPod: $0.metadata.name ?? "") != nil }
            .sorted { (names.ordinal(ofPod: $0.metadata.name ?? "") ?? 0) < (names.ordinal(ofPod: $1.metadata.name ?? "") ?? 0) }
        let addresses = round.pods.compactMap { address(of: $0, round) }
        if let password = round.superuserPassword, !addresses.isEmpty {
            let credentials = ConnectionSettings(
                host: "", user: ClusterDefaults.superuserName, password: PostgresPassword(password),
                applicationName: "ordinal", connectTimeout: options.probeTimeout)
            let started = ContinuousClock.now
            round.facts = await ClusterProber(pool: pool, credentials: credentials).probeCluster(addresses, within: options.probeTimeout)
            metrics.observeProbe(seconds: (ContinuousClock.now - started).seconds)
        }
        let factsByPod = Dictionary(round.facts.map { ($0.podName, $0) }, uniquingKeysWith: { first, _ in first })
        round.observations = round.pods.compactMap { pod in
            let name = pod.metadata.name ?? ""
            guard let ordinal = names.ordinal(ofPod: name) else { return nil }
            let facts = factsByPod[name]
            var database: DatabaseFacts?
            if let facts, facts.isReachable, let recovery = facts.isInRecovery, let version = facts.serverVersionNumber {
                database = DatabaseFacts(
                    isInRecovery: recovery, serverVersionNumber: version,
                    isStreaming: facts.walReceiver?.isStreaming ?? false, upstreamHost: facts.walReceiver?.senderHost,
                    lagBytes: facts.lagBytes.map { Int64(clamping: $0) })
            }
            let reason = facts?.error.map { "\($0.code): \($0.serverMessage)" }
                ?? (round.superuserPassword == nil ? "the superuser Secret cannot be read" : (facts == nil ? "pod has no address yet" : nil))
            return InstanceObservation(
                ordinal: ordinal, podName: name, isPodReady: pod.isReady, revision: pod.controllerRevisionHash,
                roleLabel: pod.metadata.labels?[ClusterLabels.role], database: database, unreachableReason: reason)
        }
        let decision = RoleDecision(deciding: round.facts)
        round.roles = StatusComputer.Roles(
            primary: decision.primary, problem: decision.hasPrimary ? nil : decision.message, isSplitBrain: decision.isSplitBrain)
    }

    /// Labels the pod PostgreSQL reports as primary, and the replicas; removes labels the report does not back.
    func labelRoles(_ round: inout Round) async throws {
        let current = Dictionary(round.pods.map { ($0.metadata.name ?? "", $0.metadata.labels?[ClusterLabels.role]) }, uniquingKeysWith: { first, _ in first })
        let replicas = Set(round.facts.filter(\.isReplica).map(\.podName))
        let changes = RoleLabelPlan.changes(current: current, primary: round.roles.primary, replicas: replicas)
        let reference = ObjectReference(to: round.cluster)
        for change in changes {
            let value: JSONValue = change.role.map(JSONValue.string) ?? .null
            _ = try await client.patchMerge(
                Pod.self, name: change.pod, namespace: round.resolved.namespace,
                patch: ["metadata": ["labels": [ClusterLabels.role: value]]], fieldManager: options.fieldManager)
            round.writes += 1
            round.logger.info("role label", metadata: ["pod": "\(change.pod)", "role": "\(change.role ?? "none")"])
            switch change.role {
            case ClusterLabels.primaryRole?:
                await events.record(reference, type: "Normal", reason: "PrimaryLabelled", message: "\(change.pod) is the primary (PostgreSQL reports it is not in recovery)")
            case ClusterLabels.replicaRole?:
                await events.record(reference, type: "Normal", reason: "ReplicaJoined", message: "\(change.pod) is a replica")
            default:
                if current[change.pod] == ClusterLabels.primaryRole {
                    await events.record(reference, type: "Warning", reason: "PrimaryUnlabelled", message: "\(change.pod) no longer carries the primary label: \(round.roles.problem ?? "PostgreSQL does not report it as the single primary")")
                }
            }
        }
    }

    /// On the primary (pod 0): one slot per replica pod, slots of pods gone for good dropped.
    /// On each replica: `primary_conninfo` pointing at pod 0. Failures are logged and retried next round.
    func maintainReplication(_ round: inout Round) async {
        let names = round.resolved.names
        guard round.roles.primary == names.pod(0),
            let primaryFacts = round.facts.first(where: { $0.podName == names.pod(0) }),
            let primarySettings = settings(primaryFacts.address, round)
        else { return }
        let actions = ReplicationActions(pool: pool)
        let existing = Set(round.pods.compactMap(\.metadata.name))
        let replicaPods = round.pods.compactMap(\.metadata.name).filter { (names.ordinal(ofPod: $0) ?? 0) > 0 }
        // Slots of pods that no longer exist and are beyond the wanted instance count: gone for good.
        let gone = Set(primaryFacts.replicationSlots.compactMap { slot -> String? in
            for ordinal in round.resolved.instances..<(round.resolved.instances + 64) {
                let pod = names.pod(ordinal)
                if ReplicationSlotInfo.slotName(forPod: pod) == slot.name && !existing.contains(pod) { return pod }
            }
            return nil
        })
        do {
            let changes = try await actions.ensureReplicationSlots(on: primarySettings, replicaPods: replicaPods, gonePods: gone)
            if !changes.dropped.isEmpty {
                await events.record(ObjectReference(to: round.cluster), type: "Normal", reason: "SlotsDropped",
                                    message: "dropped replication slots of removed pods: \(changes.dropped.joined(separator: ", "))")
            }
        } catch {
            round.logger.warning("could not ensure replication slots", metadata: ["error": "\(error)"])
        }
        let primaryHost = replicationHost(round)
        for facts in round.facts where facts.isReplica {
            guard let replicaSettings = settings(facts.address, round) else { continue }
            let desired = PrimaryConnInfo(
                host: primaryHost.host, port: primaryHost.port, user: round.replicationUser, podName: facts.podName,
                passfile: options.replicationPassfile(round.resolved.namespace, facts.podName))
            do {
                if try await actions.ensurePrimaryConnInfo(on: replicaSettings, desired) {
                    round.logger.info("corrected primary_conninfo", metadata: ["pod": "\(facts.podName)"])
                }
            } catch {
                round.logger.warning("could not ensure primary_conninfo", metadata: ["pod": "\(facts.podName)", "error": "\(error)"])
            }
        }
    }

    /// Where replicas stream from: pod 0's stable DNS name (or, with a fixed address table, pod 0's entry).
    func replicationHost(_ round: Round) -> (host: String, port: Int) {
        let names = round.resolved.names
        if case .table(let lookup) = options.addressing, let entry = lookup(round.resolved.namespace, names.pod(0)) {
            return entry
        }
        return (names.primaryHost, ClusterDefaults.port)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
