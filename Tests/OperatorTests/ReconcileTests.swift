import ClusterModel
import KubeAPI
import KubeTestServer
import KubeTypes
@testable import Operator
import Synchronization
import Testing

/// The controller end to end against the API test server (no PostgreSQL: instances are unreachable).
@Suite("Reconcile against the API test server")
struct ReconcileTests {
    @Test func createClusterMakesEveryObjectWithOwner() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        let outcome = try await harness.reconcile()
        #expect(outcome.writes >= 9)
        let ns = harness.namespace
        for name in ["orders-headless", "orders-rw", "orders-ro"] {
            let service = try #require(try harness.server.object(Service.self, namespace: ns, name: name), "\(name)")
            #expect(service.metadata.ownerReferences?.first?.uid == "uid-orders-1")
            #expect(service.metadata.labels?["app.kubernetes.io/managed-by"] == "ordinal")
        }
        let set = try #require(try harness.statefulSet())
        #expect(set.spec?.serviceName == "orders-headless" && set.spec?.replicas == 3)
        #expect(set.metadata.ownerReferences?.first?.controller == true)
        #expect(try harness.server.object(PodDisruptionBudget.self, namespace: ns, name: "orders") != nil)
        #expect(try harness.server.object(ConfigMap.self, namespace: ns, name: "orders-config") != nil)
        for name in ["orders-superuser", "orders-app", "orders-replication"] {
            let secret = try #require(try harness.server.object(Secret.self, namespace: ns, name: name), "\(name)")
            let password = ClusterReconciler.decodedData(secret)["password"] ?? ""
            #expect(password.count >= 32)
        }
        let status = try #require(try harness.cluster()?.status)
        #expect(status.phase == .creating)
        #expect(status.observedGeneration == 1)
        #expect(try harness.condition("Ready")?.status == "False")
    }

    @Test func secondReconcileMakesZeroWrites() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        let passwordBefore = try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-superuser")?.data
        let writesBefore = harness.writeCount
        let second = try await harness.reconcile()
        #expect(second.writes == 0)
        let third = try await harness.reconcile()
        #expect(third.writes == 0)
        #expect(harness.writeCount == writesBefore, "a steady-state reconcile sent writes: \(harness.server.requests.suffix(5).map { "\($0.verb) \($0.path)" })")
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-superuser")?.data == passwordBefore)
    }

    @Test func generatedSecretsAreMadeWithoutAGETAndAnUnlabelledOneIsUsedAsItIs() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        // The user made the superuser Secret under the generated name, without Ordinal's labels.
        _ = try harness.server.put(Secret(
            metadata: ObjectMeta(name: "orders-superuser", namespace: harness.namespace),
            type: "kubernetes.io/basic-auth", stringData: ["username": "postgres", "password": "the-users-own"]))
        try harness.putCluster()
        _ = try await harness.reconcile()
        let secretGets = { harness.server.requests.filter { $0.verb == "get" && $0.path.contains("/secrets/") }.map(\.path) }
        // The other two are made on the cache's word (no GET first); the user's is not overwritten.
        #expect(secretGets().isEmpty, "\(secretGets())")
        #expect(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-app") != nil)
        let users = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-superuser"))
        #expect(ClusterReconciler.decodedData(users)["password"] == "the-users-own")
        // From then on the unlabelled one is read (it is not in the cache), and nothing else is.
        let before = harness.server.requests.count
        #expect(try await harness.reconcile().writes == 0)
        let reads = harness.server.requests.dropFirst(before).filter { $0.verb == "get" && $0.path.contains("/secrets/") }.map(\.path)
        #expect(reads == ["/api/v1/namespaces/shop/secrets/orders-superuser"])
    }

    @Test func pendingPodWithoutAnIPIsNotProbed() async throws {
        let asked = Mutex<[String]>([])
        var options = OperatorOptions()
        options.addressing = .table { _, pod in
            asked.withLock { $0.append(pod) }
            return nil
        }
        let harness = try await OperatorHarness.start(options: options)
        defer { Task { await harness.stop() } }
        try harness.putCluster(instances: 2)
        try harness.putPod(0)
        var pending = Pod(metadata: ObjectMeta(name: "orders-1", namespace: harness.namespace, labels: ClusterLabels.common(cluster: "orders")))
        pending.status = PodStatus(phase: "Pending")
        _ = try harness.server.put(pending)
        _ = try await harness.reconcile()  // makes the Secrets
        _ = try await harness.reconcile()
        #expect(Set(asked.withLock { $0 }) == ["orders-0"], "only the pod with an IP is looked up")
        let instances = try harness.cluster()?.status?.instanceStatus ?? []
        #expect(instances.first { $0.name == "orders-1" }?.message == "pod has no address yet")
    }

    @Test func specChangeUpdatesObjectsAndObservedGeneration() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        var cluster = try #require(try harness.cluster())
        cluster.spec.instances = 5
        cluster.spec.postgresql = PostgreSQLSpec(parameters: ["work_mem": "64MB", "shared_buffers": "256MB"])
        _ = try await harness.client.update(cluster)
        _ = try await harness.reconcile()
        let set = try #require(try harness.statefulSet())
        #expect(set.spec?.replicas == 5)
        // A new template (shared_buffers needs a restart) is applied with the partition at the
        // instance count: no pod moves yet. work_mem goes to the reload file, no template of its own.
        #expect(set.spec?.updateStrategy?.rollingUpdate?.partition == 5)
        let config = try #require(try harness.server.object(ConfigMap.self, namespace: harness.namespace, name: "orders-config"))
        #expect(config.data?["postgresql.conf"]?.contains("shared_buffers = '256MB'") == true)
        #expect(config.data?["reload.conf"]?.contains("work_mem = '64MB'") == true)
        #expect(try harness.cluster()?.status?.observedGeneration == 2)
        #expect(try harness.condition("Ready")?.observedGeneration == 2)
    }

    @Test func deletedOwnedObjectComesBack() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        try await harness.client.delete(Service.self, name: "orders-rw", namespace: harness.namespace)
        try await harness.eventually("cache sees the deletion") {
            harness.controller.caches.services.get(namespace: harness.namespace, name: "orders-rw") == nil
        }
        let outcome = try await harness.reconcile()
        #expect(outcome.writes == 1)
        #expect(try harness.server.object(Service.self, namespace: harness.namespace, name: "orders-rw") != nil)
    }

    @Test func existingSecretIsNeverRegenerated() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        _ = try harness.server.put(Secret(
            metadata: ObjectMeta(name: "orders-superuser", namespace: harness.namespace, labels: ClusterLabels.common(cluster: "orders")),
            type: "kubernetes.io/basic-auth", data: ["username": "cG9zdGdyZXM=", "password": "a2VlcC1tZS1rZWVwLW1lLWtlZXAtbWUta2VlcC1tZQ=="]))
        try harness.putCluster()
        _ = try await harness.reconcile()
        let secret = try #require(try harness.server.object(Secret.self, namespace: harness.namespace, name: "orders-superuser"))
        #expect(ClusterReconciler.decodedData(secret)["password"] == "keep-me-keep-me-keep-me-keep-me")
    }

    @Test func invalidSpecIsFailedWithoutHotLooping() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster(version: "16.4.1")
        let outcome = try await harness.reconcile()
        #expect(outcome.phase == .failed)
        #expect(outcome.requeueAfter == nil)
        #expect(try harness.cluster()?.status?.phase == .failed)
        let degraded = try #require(try harness.condition("Degraded"))
        #expect(degraded.status == "True" && degraded.reason == "InvalidSpec")
        #expect(degraded.message.contains("spec.postgresVersion"))
        #expect(try harness.statefulSet() == nil, "nothing is built from an invalid spec")
        // Looking again without a change makes no write (no hot loop of status updates).
        let again = try await harness.reconcile()
        #expect(again.writes == 0)
    }

    @Test func missingUserSecretIsReportedAndRetriedSlowly() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster { $0.spec.secrets = SecretsSpec(app: "my-app-credentials") }
        let outcome = try await harness.reconcile()
        #expect(outcome.phase == .failed)
        #expect(outcome.requeueAfter != nil)
        #expect(try harness.condition("Degraded")?.message.contains("Secret my-app-credentials does not exist") == true)
    }

    @Test func failedWriteIsRetriedWithBackoff() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        try await harness.settle()
        harness.server.inject(Fault(.status(500), verb: "apply", count: 1))
        await harness.controller.process(harness.key)
        #expect(await harness.controller.queue.failureCount(harness.key) == 1)
        harness.server.clearFaults()
        try await harness.settle()
        await harness.controller.process(harness.key)
        #expect(await harness.controller.queue.failureCount(harness.key) == 0)
        #expect(try harness.statefulSet() != nil)
    }

    @Test func conflictMidReconcileIsRetried() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        try await harness.settle()
        // The API server answers 409 Conflict to the second write of the round.
        harness.server.inject(Fault(.status(409), verb: "apply", count: 1))
        await harness.controller.process(harness.key)
        #expect(await harness.controller.queue.failureCount(harness.key) == 1)
        try await harness.settle()
        await harness.controller.process(harness.key)
        #expect(await harness.controller.queue.failureCount(harness.key) == 0)
        for name in ["orders-headless", "orders-rw", "orders-ro"] {
            #expect(try harness.server.object(Service.self, namespace: harness.namespace, name: name) != nil)
        }
    }

    @Test func conflictingFieldOwnerIsOverruledByApply() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        // Someone else changes a field Ordinal owns; the next reconcile takes it back.
        var service = try #require(try harness.server.object(Service.self, namespace: harness.namespace, name: "orders-rw"))
        service.spec?.selector = ["app": "other"]
        _ = try await harness.client.update(service)
        _ = try await harness.reconcile()
        let restored = try #require(try harness.server.object(Service.self, namespace: harness.namespace, name: "orders-rw"))
        #expect(restored.spec?.selector?["ordinal.dev/role"] == "primary")
    }

    @Test func metricsRenderInPrometheusFormat() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        try await harness.settle()
        await harness.controller.process(harness.key)
        let text = harness.metrics.render()
        #expect(text.contains("ordinal_reconcile_total{result=\"success\"} 1"))
        #expect(text.contains("# TYPE ordinal_reconcile_duration_seconds histogram"))
        #expect(text.contains("ordinal_clusters{phase=\"Creating\"} 1"))
    }
}

@Suite("Work queue")
struct WorkQueueTests {
    @Test func deduplicatesAndNeverHandsOutAKeyTwiceAtOnce() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        await queue.add("a")
        await queue.add("b")
        #expect(await queue.depth == 2)
        let first = await queue.next()
        #expect(first == "a")
        await queue.add("a")  // while "a" is processed: runs again after, not in parallel
        #expect(await queue.next() == "b")
        #expect(await queue.depth == 0)
        await queue.done("a")
        #expect(await queue.next() == "a")
    }

    @Test func backoffGrowsAndIsCapped() async {
        let queue = WorkQueue<String>(backoffBase: .milliseconds(100), backoffMaximum: .seconds(1))
        let early = await queue.backoff(0)
        let later = await queue.backoff(3)
        let capped = await queue.backoff(30)
        #expect(early >= .milliseconds(80) && early <= .milliseconds(120))
        #expect(later >= .milliseconds(640) && later <= .milliseconds(960))
        #expect(capped <= .milliseconds(1200))
    }

    @Test(.timeLimit(.minutes(1)))
    func delayedKeysComeDueInDeadlineOrderOnOneTimer() async {
        let queue = WorkQueue<String>()
        await queue.add("late", after: .milliseconds(300))
        await queue.add("early", after: .milliseconds(100))
        await queue.add("replaced", after: .seconds(3600))
        await queue.add("replaced", after: .milliseconds(200))  // a later call replaces the delay
        await queue.add("now", after: .seconds(3600))
        await queue.add("now")  // queued at once: its delay is dropped
        #expect(await queue.delayedCount == 3)
        var order: [String] = []
        for _ in 0..<4 {
            if let key = await queue.next() {
                order.append(key)
                await queue.done(key)
            }
        }
        #expect(order == ["now", "early", "replaced", "late"])
        #expect(await queue.delayedCount == 0)
    }

    @Test func shutdownReleasesWaitingWorkers() async {
        let queue = WorkQueue<String>()
        async let waiting = queue.next()
        try? await Task.sleep(for: .milliseconds(50))
        await queue.shutDown()
        #expect(await waiting == nil)
    }

    /// Waits (for an event, with a generous limit) until `count` workers wait in `next()`.
    func waiters(_ queue: WorkQueue<String>, _ count: Int) async throws {
        for _ in 0..<2000 where await queue.waitingCount != count {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await queue.waitingCount == count)
    }

    @Test(.timeLimit(.minutes(1)))
    func nextReturnsNilWhenTheWaitingWorkerIsCancelled() async throws {
        let queue = WorkQueue<String>()
        let worker = Task { await queue.next() }
        try await waiters(queue, 1)
        worker.cancel()
        #expect(await worker.value == nil)
        #expect(await queue.waitingCount == 0)
        // The cancelled worker took nothing: the next key goes to the next worker.
        await queue.add("a")
        #expect(await queue.next() == "a")
    }

    @Test func nextInACancelledTaskReturnsNilEvenWithKeysQueued() async {
        let queue = WorkQueue<String>()
        await queue.add("a")
        let worker = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await queue.next()
        }
        #expect(await worker.value == nil)
        #expect(await queue.depth == 1)
    }

    @Test func reopenedQueueStartsANewTermEmpty() async {
        let queue = WorkQueue<String>(backoffBase: .seconds(60))
        await queue.add("a")
        await queue.addRateLimited("b")
        await queue.shutDown()
        await queue.add("ignored")
        #expect(await queue.next() == nil)
        #expect(await queue.depth == 0)

        await queue.reopen()
        #expect(await queue.failureCount("b") == 0)
        #expect(await queue.depth == 0)
        await queue.add("c")
        #expect(await queue.next() == "c")
    }
}

/// Volume growth against the test server, which refuses to resize a claim that is not Bound
/// exactly as the real API server does.
@Suite("Reconcile: volume growth")
struct VolumeGrowthTests {
    func putClaim(_ harness: OperatorHarness, _ ordinal: Int, bound: Bool) throws {
        var claim = PersistentVolumeClaim(
            metadata: ObjectMeta(name: "data-orders-\(ordinal)", namespace: harness.namespace, labels: ClusterLabels.common(cluster: "orders")),
            spec: PersistentVolumeClaimSpec(accessModes: ["ReadWriteOnce"], resources: VolumeResourceRequirements(requests: ["storage": "1Gi"])))
        var status = PersistentVolumeClaimStatus()
        status.phase = bound ? "Bound" : "Pending"
        claim.status = status
        _ = try harness.server.put(claim)
    }

    func requested(_ harness: OperatorHarness, _ ordinal: Int) throws -> String? {
        try harness.server.object(PersistentVolumeClaim.self, namespace: harness.namespace, name: "data-orders-\(ordinal)")?
            .spec?.resources?.requests?["storage"]
    }

    @Test("a resize the API server refuses is reported; the other claims grow and the rest reconciles; then claims are not read again")
    func refusedResizeIsReportedAndTheRestGoesOn() async throws {
        let harness = try await OperatorHarness.start()
        defer { Task { await harness.stop() } }
        try harness.putCluster()
        _ = try await harness.reconcile()
        for ordinal in 0..<3 {
            try harness.putPod(ordinal, ready: false)
            try putClaim(harness, ordinal, bound: ordinal < 2)
        }
        var cluster = try #require(try harness.cluster())
        cluster.spec.storage.size = "2Gi"
        cluster.spec.podDisruptionBudget = PodDisruptionBudgetSettings(enabled: false)
        _ = try await harness.client.update(cluster)
        try await harness.eventually("spec seen") { try harness.cluster()?.spec.storage.size == "2Gi" }

        _ = try await harness.reconcile()
        #expect(try requested(harness, 0) == "2Gi")
        #expect(try requested(harness, 1) == "2Gi")
        #expect(try requested(harness, 2) == "1Gi")
        // The rest of the round happened: the budget the spec no longer wants is gone, and the
        // status describes the new generation.
        #expect(try harness.server.object(PodDisruptionBudget.self, namespace: harness.namespace, name: "orders") == nil)
        let status = try #require(try harness.cluster()?.status)
        #expect(status.observedGeneration == (try harness.cluster()?.metadata.generation))
        #expect(status.volumes == nil)
        let progressing = try #require(status.conditions?.first { $0.type == "Progressing" })
        #expect(progressing.reason == "VolumeResizeFailed")
        #expect(progressing.message.contains("data-orders-2") && progressing.message.contains("immutable"))
        try await harness.eventually("the Warning Event is recorded") {
            harness.server.objects(in: ResourceKey(Event.self)).contains {
                $0["reason"]?.stringValue == "VolumeResizeFailed" && $0["type"]?.stringValue == "Warning"
            }
        }

        // The claim binds; the next round grows it, records the resize, and after that the
        // claims are not listed again while the pods stay the same.
        try putClaim(harness, 2, bound: true)
        _ = try await harness.reconcile()
        #expect(try requested(harness, 2) == "2Gi")
        _ = try await harness.reconcile()
        #expect(try harness.cluster()?.status?.volumes?.size == "2Gi")
        let lists = harness.server.requests.filter { $0.verb == "list" && $0.path.contains("persistentvolumeclaims") }.count
        _ = try await harness.reconcile()
        _ = try await harness.reconcile()
        #expect(harness.server.requests.filter { $0.verb == "list" && $0.path.contains("persistentvolumeclaims") }.count == lists)
    }
}
