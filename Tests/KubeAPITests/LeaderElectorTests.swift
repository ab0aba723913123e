import KubeAPI
import KubeTestServer
import KubeTypes
import Synchronization
import Testing

@Suite("Lease leader election")
struct LeaderElectorTests {
    func elector(_ client: KubeClient, _ identity: String) -> LeaderElector {
        LeaderElector(
            client: client,
            config: LeaderElectionConfig(
                leaseName: "ordinal-leader", namespace: "ordinal-system", identity: identity,
                leaseDuration: .seconds(1), renewDeadline: .milliseconds(600), retryPeriod: .milliseconds(100)))
    }

    func lease(_ server: KubeTestServer) throws -> Lease? {
        try server.object(Lease.self, namespace: "ordinal-system", name: "ordinal-leader")
    }

    @Test func singleCandidateAcquiresAndKeepsRenewing() async throws {
        try await withServer { server, client in
            let candidate = elector(client, "pod-a")
            let started = Atomic<Bool>(false)
            let running = Task { await candidate.run { started.store(true, ordering: .releasing) } }
            #expect(await eventually { started.load(ordering: .acquiring) })
            #expect(candidate.isLeader)
            let first = try lease(server)?.spec
            #expect(first?.holderIdentity == "pod-a")
            #expect(first?.leaseDurationSeconds == 1)
            // Renewed every retry period (100 ms), however loaded the machine is.
            #expect(try await eventually { try lease(server)?.spec?.renewTime != first?.renewTime })
            let later = try lease(server)?.spec
            #expect(later?.acquireTime == first?.acquireTime)
            running.cancel()
            #expect(await running.value == .cancelled)
            #expect(try lease(server)?.spec?.holderIdentity == nil)
        }
    }

    @Test func secondCandidateWaitsWhileTheHolderRenewsAndTakesOverAfterRelease() async throws {
        try await withServer { server, client in
            let a = elector(client, "pod-a")
            let b = elector(client, "pod-b")
            let runningA = Task { await a.run {} }
            #expect(await eventually { a.isLeader })
            let runningB = Task { await b.run {} }
            try await Task.sleep(for: .milliseconds(1500))
            #expect(!b.isLeader)
            #expect(try lease(server)?.spec?.holderIdentity == "pod-a")
            runningA.cancel()
            #expect(await runningA.value == .cancelled)
            // Released: B takes over at its next retry; the bound only absorbs a loaded machine.
            #expect(await eventually(.seconds(15)) { b.isLeader })
            let spec = try lease(server)?.spec
            #expect(spec?.holderIdentity == "pod-b")
            #expect(spec?.leaseTransitions == 1)
            runningB.cancel()
            _ = await runningB.value
        }
    }

    @Test func expiredLeaseOfAVanishedHolderIsTakenAfterTheLeaseDuration() async throws {
        try await withServer { server, client in
            try server.put(
                Lease(
                    metadata: ObjectMeta(name: "ordinal-leader", namespace: "ordinal-system"),
                    spec: LeaseSpec(
                        holderIdentity: "crashed-pod", leaseDurationSeconds: 1, acquireTime: "2024-01-01T00:00:00.000000Z",
                        renewTime: "2024-01-01T00:00:00.000000Z", leaseTransitions: 4)))
            let candidate = elector(client, "pod-b")
            let start = ContinuousClock.now
            let running = Task { await candidate.run {} }
            // Taken at the first retry after expiry (about 2 s); the margin is for a loaded machine.
            #expect(await eventually(.seconds(30)) { candidate.isLeader })
            // Expiry is judged from when this candidate first saw the record, not the holder's clock.
            #expect(ContinuousClock.now - start >= .milliseconds(900))
            #expect(try lease(server)?.spec?.leaseTransitions == 5)
            running.cancel()
            _ = await running.value
        }
    }

    @Test func leaderStopsWhenAnotherHolderTakesTheLease() async throws {
        try await withServer { server, client in
            let candidate = elector(client, "pod-a")
            let workCancelled = Atomic<Bool>(false)
            let running = Task {
                await candidate.run {
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    workCancelled.store(true, ordering: .releasing)
                }
            }
            #expect(await eventually { candidate.isLeader })
            var stolen = try #require(try lease(server))
            stolen.spec?.holderIdentity = "intruder"
            stolen.spec?.leaseDurationSeconds = 30
            try server.put(stolen)
            #expect(await running.value == .lost)
            #expect(!candidate.isLeader)
            let wasCancelled = workCancelled.load(ordering: .acquiring)
            #expect(wasCancelled)
            #expect(try lease(server)?.spec?.holderIdentity == "intruder")
        }
    }

    @Test func leaderStopsAfterTheRenewDeadlineWhenRenewalsFail() async throws {
        try await withServer { server, client in
            let candidate = elector(client, "pod-a")
            let running = Task { await candidate.run {} }
            #expect(await eventually { candidate.isLeader })
            server.inject(Fault(.status(500), verb: "update", pathContains: "/leases/", count: nil))
            let start = ContinuousClock.now
            #expect(await running.value == .lost)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(500))
            #expect(elapsed < .seconds(10))
        }
    }

    @Test func aTermThatEndsReleasesTheLease() async throws {
        try await withServer { server, client in
            let candidate = elector(client, "pod-a")
            try await candidate.acquire()
            #expect(try lease(server)?.spec?.holderIdentity == "pod-a")
            let end = await candidate.lead {}
            #expect(end == .released)
            #expect(!candidate.isLeader)
            #expect(try lease(server)?.spec?.holderIdentity == nil)
        }
    }

    @Test func acquireThrowsWhenCancelledWhileTheLeaseIsHeld() async throws {
        try await withServer { server, client in
            let holder = elector(client, "pod-a")
            try await holder.acquire()
            let campaign = Task { try await elector(client, "pod-b").acquire() }
            campaign.cancel()
            await #expect(throws: CancellationError.self) { try await campaign.value }
            #expect(try lease(server)?.spec?.holderIdentity == "pod-a")
        }
    }

    @Test func aWatchingCandidateTakesAReleasedLeaseLongBeforeItsNextRetry() async throws {
        try await withServer { server, client in
            let holder = elector(client, "pod-a")
            try await holder.acquire()
            // pod-b tries once, finds the lease held, and would not try again for a minute.
            let patient = LeaderElector(
                client: client,
                config: LeaderElectionConfig(
                    leaseName: "ordinal-leader", namespace: "ordinal-system", identity: "pod-b",
                    leaseDuration: .seconds(1), renewDeadline: .milliseconds(600), retryPeriod: .seconds(60)))
            let campaign = Task { try await patient.acquire() }
            #expect(await eventually { server.requests.contains { $0.verb == "watch" && $0.path.contains("/leases") } })
            #expect(await eventually { server.requests.count { $0.verb == "get" && $0.path.hasSuffix("/leases/ordinal-leader") } >= 2 })
            let watch = server.requests.last { $0.verb == "watch" && $0.path.contains("/leases") }
            #expect(watch?.query["fieldSelector"] == "metadata.name=ordinal-leader")
            // The release is an event the watch delivers: pod-b takes the lease without waiting for its retry.
            await holder.release()
            #expect(await eventually(.seconds(20)) { (try? lease(server))?.spec?.holderIdentity == "pod-b" })
            try await campaign.value
            #expect(try lease(server)?.spec?.leaseTransitions == 1)
        }
    }
}
