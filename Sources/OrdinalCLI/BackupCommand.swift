import ArgumentParser
import ClusterModel
import KubeAPI
import KubeTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ordinal backup CLUSTER`: asks for a backup now by setting the cluster's
/// `ordinal.dev/backup-request` annotation to a new value (the time), which a GitOps repository
/// may carry as well; with `--wait` follows the Job until status records its outcome.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a backup now (full unless --type says otherwise).",
        discussion: """
            Sets the PostgresCluster's ordinal.dev/backup-request annotation to the current time \
            and ordinal.dev/backup-type to TYPE; the operator makes a Job <cluster>-req-<hash> \
            once no other backup Job runs, and records its outcome in status.backup. Any new \
            value of the annotation asks again, so a GitOps repository may carry it too. \
            Installed as kubectl-ordinal it runs as `kubectl ordinal backup`.
            """)

    @Argument(help: "The PostgresCluster.")
    var cluster: String

    @Option(help: "full, diff (changes since the last full backup) or incr (since the last backup).")
    var type = "full"

    @Flag(help: "Wait until status records the backup (or its failure).")
    var wait = false

    @Option(help: "How long --wait waits, in seconds.")
    var timeout = 3600

    @OptionGroup var access: ClusterAccess

    func validate() throws {
        guard BackupType(rawValue: type) != nil else {
            throw ValidationError("--type \(type): expected full, diff or incr")
        }
    }

    func run() async throws {
        let (client, namespace) = try access.connect()
        let current = try await access.cluster(cluster, client: client, namespace: namespace)
        guard current.spec.backup != nil else {
            throw ValidationFailure(lines: ["\(namespace)/\(cluster) has no spec.backup: there is no repository to back up to (docs/backups.md)"])
        }
        let request = Self.requestID(Date().timeIntervalSince1970)
        do {
            _ = try await client.patchMerge(
                PostgresCluster.self, name: cluster, namespace: namespace,
                patch: .object(["metadata": .object(["annotations": .object([
                    ClusterLabels.backupRequestAnnotation: .string(request), ClusterLabels.backupTypeAnnotation: .string(type),
                ])])]),
                fieldManager: "ordinal-cli")
        } catch {
            throw ValidationFailure(lines: ["cannot annotate PostgresCluster \(namespace)/\(cluster): \(error)"])
        }
        let job = ClusterNames(cluster: cluster, namespace: namespace).requestedBackupJob(request)
        print("asked for a \(type) backup of \(namespace)/\(cluster) (\(ClusterLabels.backupRequestAnnotation)=\(request)); its Job is \(job)")
        guard wait else { return }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(2))
            let backup = try await access.cluster(cluster, client: client, namespace: namespace).status?.backup
            if let last = backup?.lastBackup, last.job == job {
                print("done: \(BackupJobPlan.describe(last)), finished \(last.stopTime ?? "at an unknown time")")
                return
            }
            if let failure = backup?.lastFailure, failure.job == job {
                throw ValidationFailure(lines: ["the backup failed (Job \(job)): \(failure.message)"])
            }
        }
        throw ValidationFailure(lines: ["no outcome for Job \(job) after \(timeout) s; see `ordinal status \(cluster)` and `kubectl logs job/\(job)`"])
    }

    /// The annotation's value: the time, to the second (`20261207T233012Z`).
    static func requestID(_ seconds: Double) -> String {
        KubeTime.format(seconds).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
