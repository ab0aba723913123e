import ClusterModel
import KubeAPI
import KubeTypes

extension ClusterReconciler {
    /// Makes the plan's backup Job and removes the finished Jobs it names. A Job's name is
    /// decided by the planner from what it is for (the scheduled minute, the request), so one
    /// already there is the same Job: it is left as it is.
    func runBackupJobs(_ plan: ClusterPlan, _ round: inout Round) async throws {
        let namespace = round.resolved.namespace
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
    }
}
