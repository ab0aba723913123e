import KubeTypes

/// The campaign: attempts on a timer, and at once when a watched Lease is released.
extension LeaderElector {
    /// Campaigns until this candidate holds the lease: an attempt every retry period (jittered),
    /// and, with ``LeaderElectionConfig/watchesLease``, one as soon as the holder releases it.
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func acquire() async throws {
        guard config.watchesLease else {
            while !(await tryAcquireOrRenew()) {
                try await Task.sleep(for: jittered(config.retryPeriod))
            }
            return
        }
        let released = ChangeSignal()
        let lease = Informer<Lease>(
            client: client, namespace: config.namespace, fieldSelector: "metadata.name=\(config.leaseName)",
            handler: { event in
                switch event {
                case .deleted: released.fire()
                case .added(let lease), .updated(_, let lease):
                    if (lease.spec?.holderIdentity ?? "").isEmpty { released.fire() }
                }
            })
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await lease.run()
                return false
            }
            group.addTask {
                while true {
                    let seen = released.generation
                    if await self.tryAcquireOrRenew() { return true }
                    try await Self.pause(self.jittered(self.config.retryPeriod), orUntilAfter: seen, of: released)
                }
            }
            // Only the campaign wins; the watch ends only when cancelled, and the campaign then throws.
            for try await won in group where won {
                group.cancelAll()
                return
            }
            throw CancellationError()
        }
    }

    /// Sleeps for `duration`, or less if `signal` fires past `generation` meanwhile.
    private static func pause(_ duration: Duration, orUntilAfter generation: UInt64, of signal: ChangeSignal) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: duration) }
            group.addTask { try await signal.wait(after: generation) }
            try await group.next()
            group.cancelAll()
        }
    }
}
