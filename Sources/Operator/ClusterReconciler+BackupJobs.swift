import ClusterModel
import KubeAPI
import KubeTypes

extension ClusterReconciler {
    /// Makes the plan's backup Job and removes the finished Jobs it names. A Job's name is
    /// decided by the planner from what it is for (the scheduled minute, the request), so one
    /// already there is the same Job: it is left as it is.
    /// - Returns: what is wrong with the Secrets the Job needs, when the Job was not made for it.
    func runBackupJobs(_ plan: ClusterPlan, _ round: inout Round) async throws -> [String] {
        let namespace = round.resolved.namespace
        if plan.backupJob != nil, let backup = round.resolved.backup {
            // A Job whose Secret is missing would wait in CreateContainerConfigError until its deadline.
            let problems = try await secretProblems(backup.requiredSecrets, namespace: namespace)
            if !problems.isEmpty { return problems }
        }
        if let creation = plan.backupJob {
            let job = BackupJobBuilder.build(round.resolved, creation)
            if try await createUnlessExists(job, namespace: namespace) {
                round.writes += 1
                round.logger.info("backup Job made", metadata: [
                    "job": "\(creation.name)", "action": "\(creation.action.label)", "trigger": "\(creation.trigger.rawValue)",
                ])
            }
        }
        // Background: the Job goes at once, its pod after it.
        let background = DeleteOptions(propagationPolicy: .background)
        for name in plan.backupJobsToDelete where try await deleteIfPresent(Job.self, name: name, namespace: namespace, options: background) {
            round.writes += 1
        }
        return []
    }

    /// Each Secret in `required` that is missing or lacks a key, in a sentence (no value is read into it).
    func secretProblems(_ required: [(name: String, keys: [String])], namespace: String) async throws -> [String] {
        var problems: [String] = []
        for (name, keys) in required {
            guard let secret = try await readSecret(name, generated: false, namespace: namespace) else {
                problems.append("Secret \(name) does not exist in \(namespace)")
                continue
            }
            let present = Set((secret.data ?? [:]).keys).union((secret.stringData ?? [:]).keys)
            let missing = keys.filter { !present.contains($0) }
            if !missing.isEmpty { problems.append("Secret \(name) has no \(missing.joined(separator: ", "))") }
        }
        return problems
    }
}
