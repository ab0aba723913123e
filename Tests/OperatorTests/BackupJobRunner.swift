import ClusterModel
import KubeTestServer
import KubeTypes
@testable import Operator
import PostgresTestSupport
import Foundation
import Testing

/// Plays the Job controller and the kubelet for the backup Jobs the operator makes in the API
/// test server: each new Job's command runs as its pod would (the `backup-job.sh` the operator
/// put in the ConfigMap, the Job's arguments and stanza), with the Jobs' pgBackRest file
/// rendered for the fixture's sidecars, then the test stores the pod's end (exit code,
/// termination message) and the Job's `Complete` or `Failed` condition, as the real controllers do.
struct BackupJobRunner {
    let harness: OperatorHarness
    let cluster: PostgresTestCluster
    let backup: ResolvedBackup
    let base: String
    let targets: [PgBackRestConfig.Target]
    let identityDirectory: String

    /// One Job that ran: its name, action label, exit status and termination message.
    struct Run {
        var job: String
        var action: String?
        var status: Int32
        var message: String
        /// What the container printed (pgBackRest's console output, warnings included).
        var output: String
    }

    /// Runs every Job that has not ended yet and has no pod, in the order they were made.
    func runNewJobs() async throws -> [Run] {
        let namespace = harness.namespace
        let jobs = harness.server.objects(in: ResourceKey(Job.self))
            .compactMap { try? $0.decode(as: Job.self) }
            .filter { $0.metadata.namespace == namespace && $0.status?.conditions == nil }
            .sorted { ($0.metadata.creationTimestamp ?? "", $0.metadata.name ?? "") < ($1.metadata.creationTimestamp ?? "", $1.metadata.name ?? "") }
        var runs: [Run] = []
        for job in jobs {
            runs.append(try await run(job))
        }
        return runs
    }

    func run(_ job: Job) async throws -> Run {
        let name = try #require(job.metadata.name)
        let container = try #require(job.spec?.template.spec?.containers.first)
        let command = container.command ?? []
        #expect(command.prefix(2) == ["bash", "\(PodLayout.configDirectory)/\(ConfigMapBuilder.backupJobScriptKey)"], "\(command)")
        let stanza = container.env?.first { $0.name == "ORDINAL_STANZA" }?.value
        let configMap = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        let script = try #require(configMap.data?[ConfigMapBuilder.backupJobScriptKey], "the ConfigMap carries the Job's script")

        let directory = "\(base)/jobs/\(name)"
        try FileManager.default.createDirectory(atPath: "\(directory)/lock", withIntermediateDirectories: true)
        var layout = PgBackRestFixture.layout(base: base)
        layout.lockDirectory = "\(directory)/lock"
        layout.configFile = "\(directory)/\(PgBackRestConfig.jobKey)"
        layout.identityDirectory = identityDirectory
        try PgBackRestConfig.renderJob(backup, targets: targets, layout: layout).write(toFile: layout.configFile, atomically: true, encoding: .utf8)
        try script.write(toFile: "\(directory)/backup-job.sh", atomically: true, encoding: .utf8)
        let terminationLog = "\(directory)/termination-log"
        FileManager.default.createFile(atPath: terminationLog, contents: nil)
        for path in [directory, "\(directory)/lock", layout.configFile, "\(directory)/backup-job.sh", terminationLog] {
            try cluster.user.own(path)
        }
        let output = try await FixtureProcess.run(
            ["/bin/bash", "\(directory)/backup-job.sh"] + command.dropFirst(2), as: cluster.user,
            environment: ["ORDINAL_CONFIG_DIR": directory, "ORDINAL_STANZA": stanza ?? "", "ORDINAL_TERMINATION_LOG": terminationLog,
                          "HOME": directory],
            timeout: .seconds(300), check: false)
        let message = (try? String(contentsOfFile: terminationLog, encoding: .utf8)) ?? ""

        // The pod's end, as the kubelet reports it.
        let ended = KubeTime.format(Date().timeIntervalSince1970)
        var status = PodStatus(phase: output.status == 0 ? "Succeeded" : "Failed")
        var containerStatus = ContainerStatus(name: BackupJobBuilder.containerName, ready: false)
        containerStatus.state = .object(["terminated": .object([
            "exitCode": .int(Int64(output.status)), "message": .string(message), "finishedAt": .string(ended),
            "reason": .string(output.status == 0 ? "Completed" : "Error"),
        ])])
        status.containerStatuses = [containerStatus]
        var podMetadata = job.spec?.template.metadata ?? ObjectMeta()
        podMetadata.name = "\(name)-x7k2p"
        podMetadata.namespace = harness.namespace
        _ = try harness.server.put(Pod(metadata: podMetadata, status: status))

        // The Job's end, as the Job controller reports it.
        var finished = job
        var jobStatus = JobStatus()
        jobStatus.startTime = job.metadata.creationTimestamp
        if output.status == 0 {
            jobStatus.conditions = [JobCondition(type: "Complete", status: "True", lastTransitionTime: ended)]
            jobStatus.completionTime = ended
            jobStatus.succeeded = 1
        } else {
            jobStatus.conditions = [JobCondition(type: "Failed", status: "True", reason: "BackoffLimitExceeded",
                                                 message: "Job has reached the specified backoff limit", lastTransitionTime: ended)]
            jobStatus.failed = 1
        }
        finished.status = jobStatus
        _ = try harness.server.put(finished)
        return Run(job: name, action: job.metadata.labels?[BackupJobBuilder.actionLabel], status: output.status, message: message,
                   output: output.stdout + output.stderr)
    }

    /// Reconciles, running each Job the operator makes, until `condition` holds (at most `rounds`).
    func reconcile(rounds: Int = 40, until condition: () throws -> Bool) async throws -> [Run] {
        var runs: [Run] = []
        for _ in 0..<rounds {
            _ = try await harness.reconcile()
            if try condition() { return runs }
            // The Job the round made reaches the cache before it is run, as on a cluster.
            try await harness.settle()
            runs += try await runNewJobs()
            try await harness.settle()
        }
        Issue.record("not reached; Jobs run: \(runs.map { "\($0.job) \($0.status)" }); status: \(String(describing: try harness.cluster()?.status?.backup))")
        return runs
    }
}
