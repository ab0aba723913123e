import ServiceLifecycle

/// The caches as a service of the operator process: they run from start to shutdown, whether
/// the process leads or stands by.
extension ClusterCaches: ServiceLifecycle.Service {
    /// Runs every informer until the task is cancelled or the process shuts down gracefully;
    /// logs once they have all listed.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.clusters.run() }
                group.addTask { await self.statefulSets.run() }
                group.addTask { await self.services.run() }
                group.addTask { await self.configMaps.run() }
                group.addTask { await self.secrets.run() }
                group.addTask { await self.budgets.run() }
                group.addTask { await self.networkPolicies.run() }
                group.addTask { await self.pods.run() }
                group.addTask { await self.jobs.run() }
                group.addTask {
                    guard (try? await self.waitUntilSynced()) != nil else { return }
                    self.logger.info("caches synced", metadata: ["clusters": "\(self.clusters.count)"])
                    self.onSynced()
                }
            }
        }
    }
}
