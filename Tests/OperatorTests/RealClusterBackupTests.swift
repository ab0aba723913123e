import ClusterModel
import Foundation
import KubeAPI
import KubeTypes
@testable import Operator
import PostgresTestSupport
import Testing

/// The operator's backup Jobs on a real API server, under its real Job controller and garbage
/// collector: the operator makes each Job, the Job controller makes its pod, the test plays the
/// kubelet (the container's exit code and termination message), the Job controller marks the Job
/// `Complete` or `Failed`, and the operator reads the outcome into status. Real PostgreSQL on
/// loopback stands in for the instances (archiving on, so a Job may run); pgBackRest itself runs
/// in the suites with the API test server (`LiveBackupJobTests`).
@Suite(
    "Backup Jobs on a real API server",
    .enabled(if: controllerRealClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"),
    .enabled(if: PostgresBinaries.isAvailable, "needs PostgreSQL server binaries"),
    .serialized)
struct RealClusterBackupTests {
    static let message = #"{"action":"backup","label":"20261207-233015F","type":"full","start":1796686215,"stop":1796686275,"size":52428800,"repositorySize":5242880}"#

    @Test("stanza, a failed and a good requested backup under the real Job controller: outcomes in status with pgBackRest's words, old Jobs and their pods collected")
    func jobsUnderTheJobController() async throws {
        var spec = PostgresClusterSpec(instances: 3, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        spec.backup = BackupSpec(repository: BackupRepository(s3: S3Repository(
            endpoint: "s3.example.com", region: "eu-west-1", bucket: "orders-backups", credentialsSecret: "orders-s3")))
        // The stand-ins archive to nowhere: the Jobs' outcomes are played here.
        let world = try await RealClusterWorld.start(
            "ordinal-backup-test", spec: spec, extraParameters: ["archive_mode": "on", "archive_command": "/bin/true"])
        defer { Task { await world.stop() } }
        _ = try await world.client.create(Secret(
            metadata: ObjectMeta(name: "orders-s3", namespace: world.namespace), type: "Opaque",
            stringData: ["accessKeyId": "AKIAORDINALTEST", "secretAccessKey": "ordinal-test-secret-key"]), namespace: world.namespace)

        // The stanza's Job, once a primary archives; its pod from the Job controller.
        try await world.reconcile { try await world.jobs().contains { $0.hasPrefix("orders-init-") } }
        let stanza = try #require(try await world.jobs().first)
        let stored = try await world.client.get(Job.self, name: stanza, namespace: world.namespace)
        #expect(stored.metadata.ownerReferences?.first?.kind == "PostgresCluster", "collected with the cluster")
        #expect(stored.spec?.backoffLimit == 0 && stored.spec?.activeDeadlineSeconds == ClusterDefaults.stanzaJobDeadlineSeconds)
        try await world.finish(jobPod: try await world.jobPod(stanza), exitCode: 0, message: #"{"action":"stanza-create"}"#)
        try await world.reconcile { try await world.status()?.backup?.stanza?.job == stanza }
        let complete = try await world.client.get(Job.self, name: stanza, namespace: world.namespace)
        #expect(complete.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } == true, "the Job controller's word")

        // Asked for; it fails: the Job controller fails the Job (backoffLimit 0), status says why.
        try await request("first", world)
        try await world.reconcile { try await world.jobs().contains(world.names.requestedBackupJob("first")) }
        let failing = world.names.requestedBackupJob("first")
        try await world.finish(jobPod: try await world.jobPod(failing), exitCode: 41,
                               message: "pgbackrest backup exited 41:\nERROR: [041]: unable to open file '/repo/backup/orders/backup.info' for read")
        try await world.reconcile { try await world.status()?.backup?.lastFailure?.job == failing }
        var healthy = try #require(try await world.status()?.conditions?.first { $0.type == StatusComputer.backupHealthy })
        #expect(healthy.status == "False" && healthy.reason == "BackupFailed" && healthy.message.contains("ERROR: [041]"), "\(healthy)")
        let failed = try await world.client.get(Job.self, name: failing, namespace: world.namespace)
        #expect(failed.status?.conditions?.contains { $0.type == "Failed" && $0.status == "True" } == true)

        // Asked again, three times; each succeeds. The oldest Job that succeeded goes, with its pod.
        for id in ["second", "third", "fourth"] {
            try await request(id, world)
            let job = world.names.requestedBackupJob(id)
            try await world.reconcile { try await world.jobs().contains(job) }
            try await world.finish(jobPod: try await world.jobPod(job), exitCode: 0, message: Self.message)
            try await world.reconcile { try await world.status()?.backup?.lastBackup?.job == job }
        }
        let last = try #require(try await world.status()?.backup?.lastBackup)
        #expect(last.label == "20261207-233015F" && last.size == 52_428_800 && last.type == "full")
        healthy = try #require(try await world.status()?.conditions?.first { $0.type == StatusComputer.backupHealthy })
        #expect(healthy.status == "True", "\(healthy)")
        try await world.reconcile {
            let jobs = try await world.jobs()
            return !jobs.contains(stanza) && jobs.count == ClusterDefaults.succeededBackupJobsKept + ClusterDefaults.failedBackupJobsKept
        }
        #expect(try await world.jobs().contains(failing), "the newest failure is kept for kubectl logs")
        // The garbage collector removes the pruned Job's pod (background propagation).
        var podGone = false
        for _ in 0..<100 where !podGone {
            podGone = try await world.client.list(Pod.self, namespace: world.namespace,
                                                  options: ListOptions(labelSelector: "\(BackupJobBuilder.jobLabel)=\(stanza)")).items.isEmpty
            if !podGone { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(podGone, "the pruned Job's pod is collected")
    }

    /// What `ordinal backup` sets.
    func request(_ id: String, _ world: RealClusterWorld) async throws {
        _ = try await world.client.patchMerge(
            PostgresCluster.self, name: "orders", namespace: world.namespace,
            patch: ["metadata": ["annotations": [ClusterLabels.backupRequestAnnotation: .string(id)]]])
        try await RealClusterControllerTests().waitFor("the cache sees request \(id)") {
            world.controller.caches.clusters.get(namespace: world.namespace, name: "orders")?
                .metadata.annotations?[ClusterLabels.backupRequestAnnotation] == id
        }
    }
}
