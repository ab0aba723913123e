import ClusterModel
import PostgresHealth
import Testing

@Suite("Role decision from probe facts (pure)")
struct RoleDecisionTests {
    static func primary(_ pod: String) -> InstanceFacts {
        InstanceFacts(address: InstanceAddress(podName: pod, host: pod), isInRecovery: false, serverVersionNumber: 150018, currentLSN: LSN(1000))
    }

    static func replica(_ pod: String) -> InstanceFacts {
        InstanceFacts(address: InstanceAddress(podName: pod, host: pod), isInRecovery: true, serverVersionNumber: 150018, replayLSN: LSN(900))
    }

    static func down(_ pod: String) -> InstanceFacts {
        InstanceFacts(
            address: InstanceAddress(podName: pod, host: pod),
            error: PostgresError(code: .connectionFailed, host: pod, port: 5432, operation: "connect", serverMessage: "refused"))
    }

    /// A reachable instance whose probe failed after connecting (role unknown).
    static func unknown(_ pod: String) -> InstanceFacts {
        InstanceFacts(address: InstanceAddress(podName: pod, host: pod))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var facts: [InstanceFacts]
        var primary: String?
        var replicas: [String]
        var unreachable: [String]
        var outcome: RoleDecision.Outcome
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one primary, two streaming replicas", facts: [primary("pg-0"), replica("pg-1"), replica("pg-2")],
             primary: "pg-0", replicas: ["pg-1", "pg-2"], unreachable: [], outcome: .onePrimary),
        Case(name: "primary alone", facts: [primary("pg-0")],
             primary: "pg-0", replicas: [], unreachable: [], outcome: .onePrimary),
        Case(name: "primary on another ordinal after a failover", facts: [replica("pg-0"), primary("pg-1")],
             primary: "pg-1", replicas: ["pg-0"], unreachable: [], outcome: .onePrimary),
        Case(name: "one replica down", facts: [primary("pg-0"), down("pg-1"), replica("pg-2")],
             primary: "pg-0", replicas: ["pg-2"], unreachable: ["pg-1"], outcome: .onePrimary),
        Case(name: "primary down, replicas up", facts: [down("pg-0"), replica("pg-1"), replica("pg-2")],
             primary: nil, replicas: ["pg-1", "pg-2"], unreachable: ["pg-0"], outcome: .noPrimary),
        Case(name: "every instance in recovery", facts: [replica("pg-0"), replica("pg-1")],
             primary: nil, replicas: ["pg-0", "pg-1"], unreachable: [], outcome: .noPrimary),
        Case(name: "split brain: two primaries", facts: [primary("pg-0"), primary("pg-1"), replica("pg-2")],
             primary: nil, replicas: ["pg-2"], unreachable: [], outcome: .splitBrain),
        Case(name: "split brain: three primaries", facts: [primary("pg-0"), primary("pg-1"), primary("pg-2")],
             primary: nil, replicas: [], unreachable: [], outcome: .splitBrain),
        Case(name: "split brain with one down", facts: [primary("pg-0"), down("pg-1"), primary("pg-2")],
             primary: nil, replicas: [], unreachable: ["pg-1"], outcome: .splitBrain),
        Case(name: "everything down", facts: [down("pg-0"), down("pg-1")],
             primary: nil, replicas: [], unreachable: ["pg-0", "pg-1"], outcome: .noneReachable),
        Case(name: "no instances at all", facts: [],
             primary: nil, replicas: [], unreachable: [], outcome: .noneReachable),
        Case(name: "role unknown counts as unreachable, not as primary", facts: [unknown("pg-0"), replica("pg-1")],
             primary: nil, replicas: ["pg-1"], unreachable: ["pg-0"], outcome: .noPrimary),
        Case(name: "unknown role next to a primary", facts: [primary("pg-0"), unknown("pg-1")],
             primary: "pg-0", replicas: [], unreachable: ["pg-1"], outcome: .onePrimary),
    ]

    @Test("decides the primary, replicas and reason", arguments: cases)
    func decides(_ example: Case) {
        let decision = RoleDecision(deciding: example.facts.map(\.report))
        #expect(decision.primary == example.primary)
        #expect(decision.replicas == example.replicas)
        #expect(decision.unreachable == example.unreachable)
        #expect(decision.outcome == example.outcome)
        #expect(!decision.message.isEmpty)
    }

    @Test func splitBrainNamesBothWritersAndLabelsNoPrimary() {
        let decision = RoleDecision(deciding: [Self.primary("pg-0"), Self.primary("pg-1")].map(\.report))
        #expect(decision.isSplitBrain)
        #expect(decision.primary == nil)
        #expect(decision.conflictingPrimaries == ["pg-0", "pg-1"])
        #expect(decision.message.contains("pg-0") && decision.message.contains("pg-1"))
        #expect(decision.outcome.rawValue == "SplitBrain")
    }
}
