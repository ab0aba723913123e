import ClusterModel
import Foundation
import KubeTestServer
import KubeTypes
import Testing
@testable import OrdinalCLI

/// `ordinal backup` against the API test server over HTTP, through a kubeconfig file: the request
/// annotation, the refusal without `spec.backup`, and `--wait` following status to the outcome.
@Suite("backup command")
struct BackupCommandTests {
    let base = SwitchoverCommandTests()

    func withBackup(_ server: KubeTestServer) throws {
        var cluster = try #require(try server.object(PostgresCluster.self, namespace: "shop", name: "orders"))
        cluster.spec.backup = BackupSpec(repository: BackupRepository(s3: S3Repository(
            endpoint: "s3.example.com", region: "eu-west-1", bucket: "orders-backups", credentialsSecret: "orders-s3")))
        _ = try server.put(cluster)
    }

    @Test("a cluster without spec.backup is refused; with it the request and type become annotations, each request a new value")
    func backupSetsTheAnnotations() async throws {
        let (server, kubeconfig) = try await base.setUp()
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        let refused = await base.failure { try await BackupCommand.parse(["orders", "--kubeconfig", kubeconfig]).run() }
        #expect(refused.first?.contains("has no spec.backup") == true, "\(refused)")

        try withBackup(server)
        #expect(await base.failure { try await BackupCommand.parse(["orders", "--type", "diff", "--kubeconfig", kubeconfig]).run() } == [])
        let stored = try #require(try server.object(PostgresCluster.self, namespace: "shop", name: "orders"))
        let request = try #require(stored.metadata.annotations?[ClusterLabels.backupRequestAnnotation])
        #expect(request.count == "20261207T233012Z".count && request.hasSuffix("Z"), "\(request)")
        #expect(stored.metadata.annotations?[ClusterLabels.backupTypeAnnotation] == "diff")
        #expect(BackupRequest(annotations: stored.metadata.annotations) == BackupRequest(id: request, type: "diff"))
        #expect(throws: (any Error).self) { try BackupCommand.parse(["orders", "--type", "weekly"]) }
    }

    @Test("--wait returns once status records the requested Job's backup, and fails with pgBackRest's words when it failed")
    func waitFollowsStatus() async throws {
        let (server, kubeconfig) = try await base.setUp()
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        try withBackup(server)
        for succeeds in [true, false] {
            // The operator's part: once the request is seen, status records its Job's outcome.
            let operatorStandIn = Task {
                for _ in 0..<100 {
                    try await Task.sleep(for: .milliseconds(100))
                    guard var cluster = try server.object(PostgresCluster.self, namespace: "shop", name: "orders"),
                        let request = cluster.metadata.annotations?[ClusterLabels.backupRequestAnnotation],
                        cluster.status?.backup?.lastRequest != request
                    else { continue }
                    let job = ClusterNames(cluster: "orders", namespace: "shop").requestedBackupJob(request)
                    var backup = BackupStatus()
                    backup.lastRequest = request
                    if succeeds {
                        backup.lastBackup = BackupRecord(job: job, label: "20261207-233015F", type: "full", stopTime: "2026-12-07T23:31:00Z", size: 1_048_576)
                    } else {
                        backup.lastFailure = BackupFailure(job: job, action: "full", time: "2026-12-07T23:31:00Z", message: "ERROR: [041]: unable to open file")
                    }
                    cluster.status?.backup = backup
                    _ = try server.put(cluster)
                    return
                }
            }
            let lines = await base.failure { try await BackupCommand.parse(["orders", "--wait", "--timeout", "30", "--kubeconfig", kubeconfig]).run() }
            try await operatorStandIn.value
            if succeeds {
                #expect(lines == [])
            } else {
                #expect(lines.first?.contains("unable to open file") == true, "\(lines)")
            }
            try await Task.sleep(for: .seconds(1))  // the next request is another second
        }
    }
}
