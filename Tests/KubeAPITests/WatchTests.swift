import KubeAPI
import KubeTestServer
import KubeTypes
import Synchronization
import Testing

@Suite("Watch streams")
struct WatchTests {
    /// Collects events from a stream until `count` arrived or the stream ended.
    func collect<T>(
        _ stream: AsyncThrowingStream<ResourceEvent<T>, any Error>, count: Int
    ) async throws -> [ResourceEvent<T>] {
        var events: [ResourceEvent<T>] = []
        for try await event in stream {
            events.append(event)
            if events.count == count { break }
        }
        return events
    }

    func names(_ events: [ResourceEvent<Widget>]) -> [String] {
        events.map { event in
            switch event {
            case .added(let widget): return "ADDED \(widget.metadata.name ?? "")"
            case .modified(let widget): return "MODIFIED \(widget.metadata.name ?? "")"
            case .deleted(let widget): return "DELETED \(widget.metadata.name ?? "")"
            case .bookmark: return "BOOKMARK"
            }
        }
    }

    @Test func watchDeliversTypedEventsInOrderAsTheyHappen() async throws {
        try await withServer { server, client in
            _ = try await client.create(Widget(name: "existing"))
            let list = try await client.list(Widget.self)
            let stream = client.watch(Widget.self, namespace: "default", options: WatchOptions(resourceVersion: list.metadata.resourceVersion))
            let collector = Task { try await collect(stream, count: 4) }
            #expect(await eventually { server.openWatchCount == 1 })
            _ = try await client.create(Widget(name: "a", size: 1))
            _ = try await client.patchMerge(Widget.self, name: "a", patch: ["spec": ["size": 2]])
            server.sendBookmarks()
            try await client.delete(Widget.self, name: "a")
            let events = try await collector.value
            #expect(names(events) == ["ADDED a", "MODIFIED a", "BOOKMARK", "DELETED a"])
            if case .modified(let widget) = events[1] { #expect(widget.spec?.size == 2) }
        }
    }

    @Test func watchWithoutVersionStartsWithCurrentObjects() async throws {
        try await withServer { _, client in
            _ = try await client.create(Widget(name: "a"))
            _ = try await client.create(Widget(name: "b"))
            let events = try await collect(client.watch(Widget.self), count: 2)
            #expect(names(events) == ["ADDED a", "ADDED b"])
        }
    }

    @Test func watchFromAnOlderVersionReplaysHistory() async throws {
        try await withServer { _, client in
            let first = try await client.create(Widget(name: "a"))
            _ = try await client.create(Widget(name: "b"))
            try await client.delete(Widget.self, name: "a")
            let events = try await collect(
                client.watch(Widget.self, options: WatchOptions(resourceVersion: first.metadata.resourceVersion)), count: 2)
            #expect(names(events) == ["ADDED b", "DELETED a"])
        }
    }

    @Test func labelSelectorWatchSeesObjectsLeavingTheSelectionAsDeleted() async throws {
        try await withServer { server, client in
            let created = try await client.create(Widget(name: "a", labels: ["role": "primary"]))
            let stream = client.watch(
                Widget.self,
                options: WatchOptions(labelSelector: "role=primary", resourceVersion: created.metadata.resourceVersion))
            let collector = Task { try await collect(stream, count: 2) }
            #expect(await eventually { server.openWatchCount == 1 })
            _ = try await client.patchMerge(Widget.self, name: "a", patch: ["metadata": ["labels": ["role": "replica"]]])
            _ = try await client.patchMerge(Widget.self, name: "a", patch: ["metadata": ["labels": ["role": "primary"]]])
            #expect(names(try await collector.value) == ["DELETED a", "ADDED a"])
        }
    }

    @Test func serverClosingTheStreamEndsTheSequenceCleanly() async throws {
        try await withServer { server, client in
            let stream = client.watch(Widget.self, options: WatchOptions(resourceVersion: server.currentResourceVersion))
            let collector = Task { try await collect(stream, count: 100) }
            #expect(await eventually { server.openWatchCount == 1 })
            _ = try await client.create(Widget(name: "a"))
            #expect(await eventually { server.requestCount(verb: "create") == 1 })
            try await Task.sleep(for: .milliseconds(100))
            server.closeWatches()
            #expect(names(try await collector.value) == ["ADDED a"])
        }
    }

    @Test func serverTimeoutSecondsEndsTheStream() async throws {
        try await withServer { server, client in
            let start = ContinuousClock.now
            let events = try await collect(
                client.watch(Widget.self, options: WatchOptions(resourceVersion: server.currentResourceVersion, timeoutSeconds: 1)),
                count: 10)
            #expect(events.isEmpty)
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }

    @Test func compactedVersionThrowsGoneAsErrorEventOrHTTPStatus() async throws {
        try await withServer { server, client in
            let created = try await client.create(Widget(name: "a"))
            _ = try await client.create(Widget(name: "b"))
            server.compact()
            do {
                _ = try await collect(
                    client.watch(Widget.self, options: WatchOptions(resourceVersion: created.metadata.resourceVersion)), count: 1)
                Issue.record("a watch from a compacted version did not fail")
            } catch let error as KubeAPIError {
                #expect(error.code == .gone)
                #expect(error.httpStatus == 410)
            }
            #expect(server.requests.last?.verb == "watch")

            server.setGoneAsHTTPStatus(true)
            do {
                _ = try await collect(
                    client.watch(Widget.self, options: WatchOptions(resourceVersion: created.metadata.resourceVersion)), count: 1)
                Issue.record("a watch from a compacted version did not fail")
            } catch let error as KubeAPIError {
                #expect(error.code == .gone)
            }
        }
    }

    @Test func expiredWatchEndsWithGone() async throws {
        try await withServer { server, client in
            let stream = client.watch(Widget.self, options: WatchOptions(resourceVersion: server.currentResourceVersion))
            let collector = Task { try await collect(stream, count: 10) }
            #expect(await eventually { server.openWatchCount == 1 })
            server.expireWatches()
            let result = await collector.result
            guard case .failure(let error) = result else {
                Issue.record("expired watch ended without an error")
                return
            }
            #expect((error as? KubeAPIError)?.code == .gone)
        }
    }

    @Test func stoppingIterationClosesTheWatchWithinAboutASecond() async throws {
        try await withServer { server, client in
            let task = Task {
                for try await _ in client.watch(Widget.self, options: WatchOptions(resourceVersion: server.currentResourceVersion)) {}
            }
            #expect(await eventually { server.openWatchCount == 1 })
            task.cancel()
            #expect(await eventually(.milliseconds(1500)) { server.openWatchCount == 0 })
        }
    }

    @Test func rawWatchDeliversJSON() async throws {
        try await withServer { _, client in
            _ = try await client.create(TestConfigMap(name: "cm", data: ["k": "v"]))
            let events = try await collect(client.watchRaw(ResourceType(TestConfigMap.self), namespace: "default"), count: 1)
            #expect(events.first?.object?["data"]?["k"] == "v")
        }
    }

    @Test func objectsSeededWithoutKindGetTheRegisteredOneSoTypedWatchesDecode() async throws {
        try await withServer { server, client in
            server.register(ConfigMap.self)
            let stream = client.watch(ConfigMap.self, namespace: "default", options: WatchOptions(resourceVersion: server.currentResourceVersion))
            let collector = Task { try await collect(stream, count: 1) }
            #expect(await eventually { server.openWatchCount == 1 })
            server.put(["metadata": ["name": "raw", "namespace": "default"], "data": ["k": "v"]], in: ResourceKey(ConfigMap.self))
            let events = try await collector.value
            #expect(events.first?.object?.kind == "ConfigMap")
            #expect(events.first?.object?.data == ["k": "v"])
        }
    }
}
