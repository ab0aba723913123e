import KubeAPI
import Synchronization
import Testing

@Suite("Change signal")
struct ChangeSignalTests {
    @Test(.timeLimit(.minutes(1)))
    func waitReturnsOnceTheConditionHoldsAfterAChange() async throws {
        let signal = ChangeSignal()
        let value = Atomic<Int>(0)
        let waiting = Task { try await signal.wait { value.load(ordering: .acquiring) >= 3 } }
        for next in 1...3 {
            value.store(next, ordering: .releasing)
            signal.fire()
        }
        try await waiting.value
        #expect(signal.generation == 3)
    }

    @Test func waitAfterAnOlderGenerationReturnsAtOnce() async throws {
        let signal = ChangeSignal()
        let seen = signal.generation
        signal.fire()
        #expect(try await signal.wait(after: seen) == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func waitThrowsWhenTheTaskIsCancelled() async {
        let signal = ChangeSignal()
        let waiting = Task { try await signal.wait { false } }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
    }
}
