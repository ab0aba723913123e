import KubeAPI
import KubeTestServer
import KubeTypes
import Synchronization
import Testing

@Suite("KubeClient operations against the test server")
struct ClientOperationTests {
    @Test func createThenGetReturnsServerAssignedMetadata() async throws {
        try await withServer { _, client in
            let created = try await client.create(Widget(name: "w1", size: 3))
            #expect(created.metadata.uid != nil)
            #expect(created.metadata.resourceVersion != nil)
            #expect(created.metadata.generation == 1)
            let read = try await client.get(Widget.self, name: "w1")
            #expect(read.spec?.size == 3)
            #expect(read.metadata.resourceVersion == created.metadata.resourceVersion)
        }
    }

    @Test func coreAndClusterScopedPathsWork() async throws {
        try await withServer { server, client in
            _ = try await client.create(TestConfigMap(name: "cm", data: ["a": "1"]), namespace: "apps")
            _ = try await client.create(ClusterGadget(metadata: ObjectMeta(name: "g1"), spec: ["k": "v"]))
            let configMap = try await client.get(TestConfigMap.self, name: "cm", namespace: "apps")
            #expect(configMap.data == ["a": "1"])
            let gadget = try await client.get(ClusterGadget.self, name: "g1")
            #expect(gadget.spec == ["k": "v"])
            let paths = server.requests.map(\.path)
            #expect(paths.contains("/api/v1/namespaces/apps/configmaps"))
            #expect(paths.contains("/apis/example.ordinal.dev/v1/clustergadgets/g1"))
        }
    }

    @Test func getOfMissingObjectIsTypedNotFoundWithStatusDetails() async throws {
        try await withServer { _, client in
            let error = await expectKubeError { try await client.get(Widget.self, name: "nope") }
            #expect(error?.code == .notFound)
            #expect(error?.httpStatus == 404)
            #expect(error?.reason == "NotFound")
            #expect(error?.status?.details?.name == "nope")
            #expect(error?.isAPIRefusal == true)
            let absent = try await client.getIfPresent(Widget.self, name: "nope")
            #expect(absent == nil)
        }
    }

    @Test func createOfExistingNameIsAlreadyExists() async throws {
        try await withServer { _, client in
            _ = try await client.create(Widget(name: "w1"))
            let error = await expectKubeError { try await client.create(Widget(name: "w1")) }
            #expect(error?.code == .alreadyExists)
            #expect(error?.httpStatus == 409)
        }
    }

    @Test func secretStringDataIsStoredAsDataLikeTheRealServerDoes() async throws {
        try await withServer { server, client in
            let created = try await client.create(
                Secret(metadata: ObjectMeta(name: "s1", namespace: "default"), data: ["a": "eA=="], stringData: ["b": "hello", "a": "y"]),
                namespace: "default")
            #expect(created.stringData == nil)
            #expect(created.data == ["a": "eQ==", "b": "aGVsbG8="])
            _ = try server.put(Secret(metadata: ObjectMeta(name: "s2", namespace: "default"), stringData: ["password": "p"]))
            let stored = try await client.get(Secret.self, name: "s2", namespace: "default")
            #expect(stored.data == ["password": "cA=="] && stored.stringData == nil)
        }
    }

    @Test func invalidObjectReportsFieldCauses() async throws {
        try await withServer { server, client in
            server.setValidator { _, object in
                if case .int(let size)? = object["spec"]?["size"], size < 0 {
                    return [StatusCause(reason: "FieldValueInvalid", message: "must be >= 0", field: "spec.size")]
                }
                return []
            }
            let error = await expectKubeError { try await client.create(Widget(name: "w1", size: -1)) }
            #expect(error?.code == .invalid)
            #expect(error?.causes.map(\.field) == ["spec.size"])
            let badName = await expectKubeError { try await client.create(Widget(name: "Not_A_Name")) }
            #expect(badName?.causes.first?.field == "metadata.name")
        }
    }

    @Test func staleUpdateIsConflictAndRetryHelperSucceeds() async throws {
        try await withServer { _, client in
            let created = try await client.create(Widget(name: "w1", size: 1))
            var first = created
            first.spec?.size = 2
            _ = try await client.update(first)
            var stale = created
            stale.spec?.size = 3
            let error = await expectKubeError { try await client.update(stale) }
            #expect(error?.code == .conflict)
            #expect(error?.message?.contains("the object has been modified") == true)

            let updated = try await client.update(Widget.self, name: "w1") { widget in widget.spec?.size = 5 }
            #expect(updated.spec?.size == 5)
            #expect(updated.metadata.generation == 3)
        }
    }

    @Test func retryHelperRetriesWhenAWriterSlipsInBetween() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1", size: 1))
            let calls = Mutex(0)
            let updated = try await client.update(Widget.self, name: "w1") { widget in
                let call = calls.withLock { value -> Int in
                    value += 1
                    return value
                }
                if call == 1 {
                    // Another writer changes the object between our read and our write.
                    var current = server.object(in: ResourceKey(Widget.self), namespace: "default", name: "w1") ?? .null
                    current = current.applyingMergePatch(["metadata": ["labels": ["touched": "yes"]]])
                    server.put(current, in: ResourceKey(Widget.self))
                }
                widget.spec?.size = 9
            }
            #expect(calls.withLock { $0 } == 2)
            #expect(updated.spec?.size == 9)
            #expect(updated.metadata.labels?["touched"] == "yes")
        }
    }

    @Test func listFiltersByLabelAndFieldSelectorsAndPaginates() async throws {
        try await withServer { _, client in
            for index in 0..<7 {
                _ = try await client.create(
                    Widget(name: "w\(index)", labels: ["app": index % 2 == 0 ? "even" : "odd", "tier": "db"]))
            }
            let even = try await client.list(Widget.self, namespace: "default", options: ListOptions(labelSelector: "app=even"))
            #expect(even.items.map(\.metadata.name) == ["w0", "w2", "w4", "w6"])
            let set = try await client.list(Widget.self, options: ListOptions(labelSelector: "app in (odd),tier"))
            #expect(set.items.count == 3)
            let notEven = try await client.list(Widget.self, options: ListOptions(labelSelector: "app!=even"))
            #expect(notEven.items.count == 3)
            let byName = try await client.list(Widget.self, options: ListOptions(fieldSelector: "metadata.name=w3"))
            #expect(byName.items.map(\.metadata.name) == ["w3"])

            let page = try await client.list(Widget.self, options: ListOptions(limit: 3))
            #expect(page.items.count == 3)
            #expect(page.metadata.continue != nil)
            #expect(page.metadata.remainingItemCount == 4)
            let all = try await client.listAll(Widget.self, pageSize: 2)
            #expect(all.items.map(\.metadata.name) == (0..<7).map { "w\($0)" })
            #expect(all.metadata.resourceVersion != nil)
        }
    }

    @Test func deleteHonoursPreconditionsAndSendsPropagationPolicy() async throws {
        try await withServer { server, client in
            let created = try await client.create(Widget(name: "w1"))
            let wrongUID = await expectKubeError {
                try await client.delete(
                    Widget.self, name: "w1", options: DeleteOptions(preconditions: Preconditions(uid: "someone-else")))
            }
            #expect(wrongUID?.code == .conflict)
            try await client.delete(
                Widget.self, name: "w1",
                options: DeleteOptions(
                    preconditions: Preconditions(uid: created.metadata.uid), propagationPolicy: .foreground))
            let gone = try await client.getIfPresent(Widget.self, name: "w1")
            #expect(gone == nil)
            let body = server.requests.last { $0.verb == "delete" }?.deleteBody ?? ""
            #expect(body.contains("\"propagationPolicy\":\"Foreground\""))
            let missing = await expectKubeError { try await client.delete(Widget.self, name: "w1") }
            #expect(missing?.code == .notFound)
        }
    }

    @Test func mergePatchSetsAndRemovesLabels() async throws {
        try await withServer { _, client in
            _ = try await client.create(Widget(name: "w1", labels: ["keep": "1", "drop": "1"]))
            let patched = try await client.patchMerge(
                Widget.self, name: "w1", patch: ["metadata": ["labels": ["role": "primary", "drop": .null]]])
            #expect(patched.metadata.labels == ["keep": "1", "role": "primary"])
            #expect(patched.metadata.generation == 1)
        }
    }

    @Test func statusSubresourceIgnoresSpecAndMainResourceIgnoresStatus() async throws {
        try await withServer { _, client in
            var widget = try await client.create(Widget(name: "w1", size: 1))
            widget.status = Widget.Status(phase: "Ready", observedGeneration: 1)
            widget.spec?.size = 99
            let afterStatus = try await client.updateStatus(widget)
            #expect(afterStatus.status?.phase == "Ready")
            #expect(afterStatus.spec?.size == 1)
            #expect(afterStatus.metadata.generation == 1)

            var changed = afterStatus
            changed.spec?.size = 2
            changed.status?.phase = "Hacked"
            let afterUpdate = try await client.update(changed)
            #expect(afterUpdate.spec?.size == 2)
            #expect(afterUpdate.status?.phase == "Ready")
            #expect(afterUpdate.metadata.generation == 2)

            let patched = try await client.patchMerge(
                Widget.self, name: "w1", patch: ["status": ["phase": "Degraded"]], subresource: "status")
            #expect(patched.status?.phase == "Degraded")
            #expect(patched.metadata.generation == 2)
        }
    }

    @Test func serverSideApplyTracksOwnershipConflictsAndForce() async throws {
        try await withServer { _, client in
            var desired = Widget(name: "w1", size: 3, color: "blue")
            desired.apiVersion = nil
            desired.kind = nil
            let created = try await client.apply(desired, fieldManager: "ordinal")
            #expect(created.spec?.size == 3)
            #expect(created.metadata.managedFields?.count == 1)

            // Another manager applying a different value conflicts...
            let other = Widget(name: "w1", size: 5)
            let conflict = await expectKubeError { try await client.apply(other, fieldManager: "kubectl") }
            #expect(conflict?.code == .conflict)
            #expect(conflict?.causes.first?.field == ".spec.size")
            #expect(conflict?.causes.first?.reason == "FieldManagerConflict")
            // ...unless it forces, which takes the field.
            let forced = try await client.apply(other, fieldManager: "kubectl", force: true)
            #expect(forced.spec?.size == 5)
            #expect(forced.spec?.color == "blue")

            // Fields a manager stops applying are removed when nobody else owns them.
            let reapplied = try await client.apply(Widget(name: "w1"), fieldManager: "ordinal")
            #expect(reapplied.spec?.color == nil)
            #expect(reapplied.spec?.size == 5)

            // Applying the same intent again changes nothing.
            let again = try await client.apply(Widget(name: "w1"), fieldManager: "ordinal")
            #expect(again.metadata.resourceVersion == reapplied.metadata.resourceVersion)
        }
    }

    @Test func applyStatusWritesOnlyStatus() async throws {
        try await withServer { _, client in
            _ = try await client.apply(Widget(name: "w1", size: 1), fieldManager: "ordinal")
            var status = Widget(name: "w1")
            status.spec = nil
            status.status = Widget.Status(phase: "Ready", observedGeneration: 1)
            let result = try await client.applyStatus(status, fieldManager: "ordinal-status")
            #expect(result.status?.phase == "Ready")
            #expect(result.spec?.size == 1)
        }
    }

    @Test func rawOperationsWorkOnJSON() async throws {
        try await withServer { _, client in
            let resource = ResourceType(
                group: "ordinal.dev", version: "v1alpha1", plural: "postgresclusters", kind: "PostgresCluster",
                isNamespaced: true)
            let applied = try await client.applyRaw(
                resource,
                object: [
                    "apiVersion": "ordinal.dev/v1alpha1", "kind": "PostgresCluster",
                    "metadata": ["name": "orders", "namespace": "db"], "spec": ["instances": 3],
                ], fieldManager: "ordinal")
            #expect(applied["spec"]?["instances"] == .int(3))
            let read = try await client.getRaw(resource, name: "orders", namespace: "db")
            #expect(read["metadata"]?["uid"] != nil)
            let patched = try await client.patchMergeRaw(resource, name: "orders", namespace: "db", patch: ["spec": ["instances": 5]])
            #expect(patched["metadata"]?["generation"] == .int(2))
            let list = try await client.listRaw(resource, namespace: "db")
            #expect(list["items"]?.arrayValue?.count == 1)
            try await client.deleteRaw(resource, name: "orders", namespace: "db")
        }
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfter() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1"))
            server.inject(Fault(.tooManyRequests(retryAfterSeconds: 1), verb: "get", count: 1))
            let start = ContinuousClock.now
            _ = try await client.get(Widget.self, name: "w1")
            #expect(ContinuousClock.now - start >= .milliseconds(900))
            #expect(server.requestCount(verb: "get") == 2)
        }
    }

    @Test func tooManyRequestsWithoutRetriesCarriesRetryAfter() async throws {
        try await withServer(retryPolicy: .none) { server, client in
            server.inject(Fault(.tooManyRequests(retryAfterSeconds: 7), verb: "list", count: 1))
            let error = await expectKubeError { try await client.list(Widget.self) }
            #expect(error?.code == .tooManyRequests)
            #expect(error?.retryAfter == .seconds(7))
        }
    }

    @Test func serverErrorsAndDroppedConnectionsOnReadsAreRetried() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1"))
            server.inject(Fault(.status(500), verb: "get", count: 1))
            server.inject(Fault(.dropConnection, verb: "get", count: 1))
            _ = try await client.get(Widget.self, name: "w1")
            #expect(server.requestCount(verb: "get") == 3)
        }
    }

    @Test func transportFailuresAreDistinctFromAPIRefusals() async throws {
        try await withServer(retryPolicy: .none) { server, client in
            server.inject(Fault(.dropConnection, verb: "create", count: 1))
            let dropped = await expectKubeError { try await client.create(Widget(name: "w1")) }
            #expect(dropped?.code == .transport)
            #expect(dropped?.isTransportFailure == true)
            #expect(dropped?.httpStatus == nil)
            server.inject(Fault(.status(503), verb: "create", count: 1))
            let refused = await expectKubeError { try await client.create(Widget(name: "w1")) }
            #expect(refused?.code == .serverError)
            #expect(refused?.isTransportFailure == false)
        }
        let client = KubeClient(config: KubeConfig(server: "http://127.0.0.1:1"), retryPolicy: .none)
        let refusedConnection = await expectKubeError { try await client.get(Widget.self, name: "x") }
        #expect(refusedConnection?.code == .transport)
    }

    @Test func cancellationStopsABlockedRequestWithinAboutASecond() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1"))
            server.inject(Fault(.latency(.seconds(30)), verb: "get", count: 1))
            let task = Task { try await client.get(Widget.self, name: "w1") }
            try await Task.sleep(for: .milliseconds(200))
            let start = ContinuousClock.now
            task.cancel()
            let result = await task.result
            #expect(ContinuousClock.now - start < .seconds(10), "well before the 30 s latency ends")
            guard case .failure(let error) = result else {
                Issue.record("the request finished despite 30 s of latency")
                return
            }
            #expect((error as? KubeAPIError)?.code == .cancelled)
        }
    }

    @Test func requestTimeoutIsATimeoutError() async throws {
        let server = try await KubeTestServer.start()
        var config = KubeConfig(server: server.url)
        config.requestTimeout = .milliseconds(300)
        let client = KubeClient(config: config, retryPolicy: .none)
        server.inject(Fault(.latency(.seconds(5)), verb: "get", count: 1))
        let error = await expectKubeError { try await client.get(Widget.self, name: "w1") }
        #expect(error?.code == .timeout)
        await server.shutdown()
    }

    @Test func observerSeesVerbResourceAndCode() async throws {
        let records = Mutex<[KubeRequestRecord]>([])
        try await withServer(observer: { record in records.withLock { $0.append(record) } }) { _, client in
            _ = try await client.create(Widget(name: "w1"))
            _ = try? await client.get(Widget.self, name: "missing")
        }
        let seen = records.withLock { $0.map { "\($0.verb) \($0.resource) \($0.statusCode ?? 0)" } }
        #expect(seen == ["create widgets.example.ordinal.dev 201", "get widgets.example.ordinal.dev 404"])
    }

    @Test func errorsAndConfigDescriptionsNeverContainTheToken() async throws {
        let server = try await KubeTestServer.start()
        server.requireBearerTokens(["right-token"])
        let config = KubeConfig(server: server.url, credentials: .token("wrong-secret-token"))
        let client = KubeClient(config: config, retryPolicy: .none)
        let error = await expectKubeError { try await client.get(Widget.self, name: "w1") }
        #expect(error?.code == .unauthorized)
        #expect(!"\(String(describing: error))".contains("wrong-secret-token"))
        #expect(!"\(config)".contains("wrong-secret-token"))
        #expect(server.requests.first?.bearerToken == "wrong-secret-token")
        await server.shutdown()
    }

    @Test func sequentialRequestsReuseOneKeptAliveConnection() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1"))
            for _ in 0..<50 { _ = try await client.get(Widget.self, name: "w1") }
            _ = try await client.apply(Widget(name: "w1", size: 2), fieldManager: "ordinal", force: true)
            // One connection per worker thread at most (four by default), however many requests.
            #expect(server.connectionCount <= 4)
            #expect(server.requests.count == 52)
        }
        let server = try await KubeTestServer.start()
        let client = KubeClient(config: KubeConfig(server: server.url), concurrentRequests: 1)
        for _ in 0..<20 { _ = try await client.list(Widget.self) }
        #expect(server.connectionCount == 1)
        await server.shutdown()
    }

    @Test func recordEventCreatesACoreEventAboutTheObject() async throws {
        try await withServer { server, client in
            let widget = try await client.create(Widget(name: "w1", namespace: "apps"))
            let event = try await client.recordEvent(
                about: widget, type: .warning, reason: "PrimaryChanged", message: "orders-1 is now primary",
                component: "ordinal")
            #expect(event.involvedObject.uid == widget.metadata.uid)
            #expect(event.involvedObject.kind == "Widget")
            #expect(event.metadata.namespace == "apps")
            #expect(event.type == "Warning")
            let stored = server.objects(in: ResourceKey(Event.self))
            #expect(stored.count == 1)
            #expect(stored.first?["reason"] == "PrimaryChanged")
        }
    }

    @Test func writesWithoutFieldManagerAreOwnedByTheUserAgent() async throws {
        try await withServer { _, client in
            let created = try await client.create(Widget(name: "w1", size: 1))
            let manager = created.metadata.managedFields?.first?.manager
            #expect(manager == "ordinal")
            let conflict = await expectKubeError {
                try await client.apply(Widget(name: "w1", size: 2), fieldManager: "other")
            }
            #expect(conflict?.message?.contains("conflict with \"ordinal\"") == true)
        }
    }

    @Test func forbiddenIsTypedAndNotRetried() async throws {
        try await withServer { server, client in
            server.inject(Fault(.status(403), verb: "list", count: 1))
            let error = await expectKubeError { try await client.list(Widget.self) }
            #expect(error?.code == .forbidden)
            #expect(error?.reason == "Forbidden")
            #expect(server.requestCount(verb: "list") == 1)
        }
    }

    @Test func manyConcurrentRequestsShareTheWorkerThreads() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "w1"))
            server.inject(Fault(.latency(.milliseconds(50)), verb: "get", count: nil))
            let sizes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 { group.addTask { try await client.get(Widget.self, name: "w1").metadata.name?.count ?? 0 } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(sizes.count == 40)
            // The client's four workers run transfers side by side (more than one held
            // by the server's latency at once), never more than four, on kept-alive connections.
            #expect((2...4).contains(server.peakConcurrentDelayedRequests))
            #expect(server.connectionCount <= 5)
        }
    }

    @Test func deleteCollectionRemovesOnlySelectedObjects() async throws {
        try await withServer { _, client in
            _ = try await client.create(Widget(name: "a", labels: ["batch": "1"]))
            _ = try await client.create(Widget(name: "b", labels: ["batch": "1"]))
            _ = try await client.create(Widget(name: "c", labels: ["batch": "2"]))
            try await client.deleteCollection(Widget.self, options: ListOptions(labelSelector: "batch=1"))
            let left = try await client.list(Widget.self)
            #expect(left.items.map(\.metadata.name) == ["c"])
        }
    }
}

@Suite("List decoding")
struct ListDecodingTests {
    @Test func listItemsWithoutApiVersionAndKindDecodeIntoTypesThatRequireThem() async throws {
        try await withServer { server, client in
            _ = try await client.create(ConfigMap(metadata: ObjectMeta(name: "cm", namespace: "default"), data: ["k": "v"]))
            // Like a real server, the test server lists built-in items without apiVersion and kind.
            let raw = try await client.listRaw(ResourceType(ConfigMap.self), namespace: "default")
            #expect(raw["items"]?.arrayValue?.first?["kind"] == nil)
            let list = try await client.list(ConfigMap.self, namespace: "default")
            #expect(list.items.first?.kind == "ConfigMap")
            #expect(list.items.first?.data == ["k": "v"])
            let optional = try await client.list(TestConfigMap.self, namespace: "default")
            #expect(optional.items.first?.data == ["k": "v"])
        }
    }
}
