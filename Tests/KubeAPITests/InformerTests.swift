import KubeAPI
import KubeTestServer
import KubeTypes
import Synchronization
import Testing

@Suite("Informer cache")
struct InformerTests {
    func fastInformer(_ client: KubeClient, labelSelector: String? = nil, handler: (@Sendable (InformerEvent<Widget>) -> Void)? = nil) -> Informer<Widget> {
        Informer<Widget>(
            client: client, namespace: "default", labelSelector: labelSelector, pageSize: 2,
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(200)), handler: handler)
    }

    @Test func listsThenFollowsChanges() async throws {
        try await withServer { server, client in
            for index in 0..<5 { _ = try await client.create(Widget(name: "w\(index)", size: index)) }
            let events = Mutex<[String]>([])
            let informer = fastInformer(client) { event in
                events.withLock {
                    switch event {
                    case .added(let widget): $0.append("added \(widget.metadata.name ?? "")")
                    case .updated(_, let widget): $0.append("updated \(widget.metadata.name ?? "")")
                    case .deleted(let widget): $0.append("deleted \(widget.metadata.name ?? "")")
                    }
                }
            }
            let running = Task { await informer.run() }
            await informer.waitUntilSynced()
            #expect(informer.cache.count == 5)
            #expect(server.requestCount(verb: "list") == 3)  // pages of 2

            _ = try await client.patchMerge(Widget.self, name: "w1", patch: ["spec": ["size": 10]])
            try await client.delete(Widget.self, name: "w2")
            _ = try await client.create(Widget(name: "w9"))
            #expect(await eventually { informer.cache.get(name: "w9", namespace: "default") != nil })
            #expect(informer.cache.get(name: "w1", namespace: "default")?.spec?.size == 10)
            #expect(informer.cache.get(name: "w2", namespace: "default") == nil)
            #expect(events.withLock { Array($0.suffix(3)) } == ["updated w1", "deleted w2", "added w9"])
            running.cancel()
            await running.value
        }
    }

    @Test func rewatchesFromLastVersionWhenTheServerClosesTheStream() async throws {
        try await withServer { server, client in
            let informer = fastInformer(client)
            let running = Task { await informer.run() }
            await informer.waitUntilSynced()
            #expect(await eventually { server.openWatchCount == 1 })
            server.closeWatches()
            _ = try await client.create(Widget(name: "while-away"))
            #expect(await eventually { informer.cache.get(name: "while-away", namespace: "default") != nil })
            let watches = server.requests.filter { $0.verb == "watch" }
            #expect(watches.count >= 2)
            #expect(watches.last?.query["resourceVersion"] != nil)
            #expect(informer.statistics.lists == 1)
            running.cancel()
            await running.value
        }
    }

    @Test func relistsAfterGoneAndDropsObjectsDeletedMeanwhile() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "keep"))
            _ = try await client.create(Widget(name: "vanish"))
            let deleted = Mutex<[String]>([])
            let informer = fastInformer(client) { event in
                if case .deleted(let widget) = event { deleted.withLock { $0.append(widget.metadata.name ?? "") } }
            }
            let running = Task { await informer.run() }
            await informer.waitUntilSynced()
            #expect(await eventually { server.openWatchCount == 1 })
            // While the watch is down, an object disappears and history is compacted.
            server.closeWatches()
            server.inject(Fault(.latency(.milliseconds(300)), verb: "watch", count: 1))
            server.remove(in: ResourceKey(Widget.self), namespace: "default", name: "vanish")
            server.compact()
            #expect(await eventually { informer.statistics.relistsAfterGone >= 1 })
            #expect(await eventually { informer.cache.get(name: "vanish", namespace: "default") == nil })
            #expect(informer.cache.get(name: "keep", namespace: "default") != nil)
            #expect(informer.statistics.lists >= 2)
            #expect(deleted.withLock { $0 } == ["vanish"])
            running.cancel()
            await running.value
        }
    }

    @Test func relistsAfterAnErrorEventWithGone() async throws {
        try await withServer { server, client in
            let informer = fastInformer(client)
            let running = Task { await informer.run() }
            await informer.waitUntilSynced()
            #expect(await eventually { server.openWatchCount == 1 })
            server.expireWatches()
            _ = try await client.create(Widget(name: "after"))
            #expect(await eventually { informer.cache.get(name: "after", namespace: "default") != nil })
            #expect(informer.statistics.relistsAfterGone == 1)
            running.cancel()
            await running.value
        }
    }

    @Test func backsOffAndRecoversFromFailures() async throws {
        try await withServer { server, client in
            server.inject(Fault(.status(500), verb: "list", count: 6))
            let informer = fastInformer(client)
            let running = Task { await informer.run() }
            // About a second of backoff; the bound is for a machine a full suite loads.
            #expect(await eventually(.seconds(30)) { informer.cache.isSynced })
            #expect(informer.statistics.failures >= 1)
            running.cancel()
            await running.value
        }
    }

    @Test func labelSelectedCacheHoldsOnlyMatchingObjects() async throws {
        try await withServer { _, client in
            _ = try await client.create(Widget(name: "a", labels: ["ordinal.dev/cluster": "orders"]))
            _ = try await client.create(Widget(name: "b", labels: ["ordinal.dev/cluster": "other"]))
            let informer = fastInformer(client, labelSelector: "ordinal.dev/cluster=orders")
            let running = Task { await informer.run() }
            await informer.waitUntilSynced()
            #expect(informer.cache.list().map(\.metadata.name) == ["a"])
            let selector = try LabelSelector(parsing: "ordinal.dev/cluster in (orders)")
            #expect(informer.cache.list(namespace: "default", labelSelector: selector).count == 1)
            running.cancel()
            await running.value
        }
    }
}
