import ClusterModel
import Foundation
import KubeAPI
import KubeTypes
import Logging
@testable import Operator
import PostgresTestSupport
import Synchronization
import Testing

/// A `PostgresCluster` on a real API server (its StatefulSet controller makes, remakes and
/// rolls the pods), with real PostgreSQL servers on loopback standing in for the pods and the
/// test playing the kubelet: it marks pods Ready and, with `followsConfiguration`, restarts a
/// pod's server with its revision's `postgresql.conf` whenever the controller makes the pod
/// again (a new uid).
final class RealClusterWorld: Sendable {
    let client: KubeClient
    let namespace: String
    let postgres: PostgresTestCluster
    let controller: Controller
    let key: ClusterKey
    /// The cluster's names.
    var names: ClusterNames { ClusterNames(cluster: "orders", namespace: namespace) }
    private let caches: Task<Void, Never>
    private let followsConfiguration: Bool
    /// Pod uids whose server runs their configuration, and the ordinals restarted, in order.
    private let kubelet = Mutex<(started: [String: String], restarts: [Int])>(([:], []))

    private init(client: KubeClient, namespace: String, postgres: PostgresTestCluster, controller: Controller,
                 followsConfiguration: Bool) {
        self.client = client
        self.namespace = namespace
        self.postgres = postgres
        self.controller = controller
        self.key = ClusterKey(namespace: namespace, name: "orders")
        self.followsConfiguration = followsConfiguration
        let caches = controller.caches
        self.caches = Task { await caches.run() }
    }

    /// A fresh namespace with the cluster's Secrets (the servers' passwords) and `spec` applied.
    static func start(_ prefix: String, spec: PostgresClusterSpec, followsConfiguration: Bool = false,
                      extraParameters: [String: String] = [:]) async throws -> RealClusterWorld {
        let (client, namespace) = try await RealClusterControllerTests.freshNamespace(prefix)
        let postgres = try await PostgresTestCluster.start(name: "orders", replicas: 2, extraParameters: extraParameters)
        var options = OperatorOptions()
        options.namespaces = [namespace]
        options.addressing = .table { _, pod in postgres.instances.first { $0.podName == pod }.map { ($0.host, $0.port) } }
        options.replicationPassfile = { _, pod in postgres.instances.first { $0.podName == pod }?.passfile }
        options.replicaCertificateAuthority = { _, _ in "\(postgres.tlsDirectory)/ca.crt" }
        var logger = Logger(label: "ordinal.real")
        logger.logLevel = .warning
        let controller = Controller(client: client, options: options, metrics: OperatorMetrics(), logger: logger)
        let world = RealClusterWorld(client: client, namespace: namespace, postgres: postgres, controller: controller,
                                     followsConfiguration: followsConfiguration)
        let labels = ClusterLabels.common(cluster: "orders")
        for (name, user, password) in [("orders-superuser", "postgres", postgres.superuserPassword),
                                       ("orders-replication", postgres.replicationUser, postgres.replicationPassword)] {
            _ = try await client.create(Secret(
                metadata: ObjectMeta(name: name, namespace: namespace, labels: labels), type: "kubernetes.io/basic-auth",
                stringData: ["username": user, "password": password]), namespace: namespace)
        }
        // The servers' certificates: the StatefulSet controller makes pods marked as serving
        // them, and the operator verifies each server with verify-full.
        for secret in postgres.certificateSecrets(namespace: namespace) { _ = try await client.create(secret, namespace: namespace) }
        _ = try await client.create(PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: namespace), spec: spec), namespace: namespace)
        try await RealClusterControllerTests().waitFor("the cluster in the cache") {
            controller.caches.clusters.get(namespace: namespace, name: "orders") != nil
        }
        return world
    }

    /// Stops the caches, the servers, and deletes the namespace.
    func stop() async {
        caches.cancel()
        await postgres.shutdown()
        _ = try? await client.delete(Namespace.self, name: namespace)
    }

    /// The ordinals whose server the kubelet restarted for a new pod, in order.
    var restarts: [Int] { kubelet.withLock { $0.restarts } }

    /// The kubelet's readiness report for `pod`.
    func setReady(_ pod: String, _ ready: Bool) async throws {
        _ = try await client.patchMergeRaw(
            ResourceType(Pod.self), name: pod, namespace: namespace,
            patch: ["status": ["phase": "Running", "podIP": "127.0.0.1",
                               "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]],
            subresource: "status")
    }

    /// Reconciles, playing the kubelet for pods that exist (unless `down`), until `condition` holds.
    func reconcile(down: Set<String> = [], rounds: Int = 150, until condition: () async throws -> Bool) async throws {
        for _ in 0..<rounds {
            _ = try await controller.reconciler.reconcile(key)
            if try await condition() { return }
            for pod in try await client.list(Pod.self, namespace: namespace).items {
                let name = pod.metadata.name ?? ""
                // Instances only: a backup Job's pod ends as the test says (``finish(jobPod:exitCode:message:)``).
                guard !down.contains(name), pod.metadata.labels?[BackupJobBuilder.jobLabel] == nil else { continue }
                if followsConfiguration, try await runConfiguration(of: pod) { continue }
                let ready = pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
                if !ready { try await setReady(name, true) }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("condition not reached; status: \(String(describing: try await status()))")
    }

    /// A pod the controller made again: its server restarts with the `postgresql.conf` of the
    /// revision ConfigMap its template names, and it is Ready if the server starts.
    private func runConfiguration(of pod: Pod) async throws -> Bool {
        guard let name = pod.metadata.name, let uid = pod.metadata.uid,
            kubelet.withLock({ $0.started[name] }) != uid,
            let instance = postgres.instances.first(where: { $0.podName == name })
        else { return false }
        let hash = try #require(pod.metadata.annotations?[ClusterLabels.configHashAnnotation], "\(name) has no config hash")
        let configMap = try await client.get(ConfigMap.self, name: "orders-config-\(hash)", namespace: namespace)
        let text = try #require(configMap.data?[ConfigMapBuilder.postgresqlConfKey])
        try postgres.useOwnConfiguration(instance, postgresqlConf: text)
        kubelet.withLock {
            $0.started[name] = uid
            $0.restarts.append(instance.ordinal)
        }
        try await instance.restart()
        try await setReady(name, true)
        return true
    }

    /// The kubelet's report of a backup Job's pod that ran to its end: its container's exit code
    /// and termination message, and the pod's phase. The Job controller takes it from there.
    func finish(jobPod name: String, exitCode: Int64, message: String) async throws {
        let now = KubeTime.format(Date().timeIntervalSince1970)
        let terminated: JSONValue = [
            "exitCode": .int(exitCode), "reason": .string(exitCode == 0 ? "Completed" : "Error"), "message": .string(message),
            "startedAt": .string(now), "finishedAt": .string(now),
        ]
        _ = try await client.patchMergeRaw(
            ResourceType(Pod.self), name: name, namespace: namespace,
            patch: ["status": [
                "phase": .string(exitCode == 0 ? "Succeeded" : "Failed"),
                "containerStatuses": [[
                    "name": .string(BackupJobBuilder.containerName), "ready": false, "restartCount": 0, "image": "postgres:15",
                    "imageID": "", "started": false, "state": ["terminated": terminated],
                ]],
            ]],
            subresource: "status")
    }

    /// The pod the Job controller made for Job `job`, once it exists.
    func jobPod(_ job: String) async throws -> String {
        for _ in 0..<150 {
            let pods = try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "\(BackupJobBuilder.jobLabel)=\(job)"))
            if let name = pods.items.first?.metadata.name { return name }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError(message: "the Job controller made no pod for \(job)")
    }

    /// The names of the namespace's Jobs.
    func jobs() async throws -> [String] {
        try await client.list(Job.self, namespace: namespace).items.compactMap(\.metadata.name)
    }

    func status() async throws -> PostgresClusterStatus? {
        try await client.get(PostgresCluster.self, name: "orders", namespace: namespace).status
    }

    /// The role label of every pod (`-` for none).
    func roles() async throws -> [String: String] {
        var result: [String: String] = [:]
        for pod in try await client.list(Pod.self, namespace: namespace).items {
            result[pod.metadata.name ?? ""] = pod.metadata.labels?[ClusterLabels.role] ?? "-"
        }
        return result
    }

    func configMap() async throws -> ConfigMap { try await client.get(ConfigMap.self, name: "orders-config", namespace: namespace) }
}
