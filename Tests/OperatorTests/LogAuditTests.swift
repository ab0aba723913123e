import KubeTestServer
import KubeTypes
import Logging
import OperatorTestSupport
import Foundation
import Testing

/// The audit every operator run of the test suite logs into finds a secret wherever it lands:
/// a log line, an error attached to one, an Event, the cluster's status; as written or base64.
@Suite("Secrets never in logs, Events or status")
struct LogAuditTests {
    @Test func aPasswordInALogLineAnErrorOrAnEventIsFoundAndNamed() async throws {
        let server = try await KubeTestServer.start()
        let password = "pw-\(UInt64.random(in: 1_000_000...9_999_999))-secret"
        _ = try server.put(Secret(
            metadata: ObjectMeta(name: "orders-app", namespace: "shop"), type: "kubernetes.io/basic-auth",
            stringData: ["username": "app-owner", "password": password]))
        let audit = LogAudit()
        let run = audit.begin(server: server)
        var logger = Logger(label: "audit-test") { _ in audit.handler(run: run) }
        logger.logLevel = .trace
        logger.trace("connected", metadata: ["user": "app-owner"])  // a username is no secret
        logger.debug("set the password to \(password)")
        logger.error("login failed", error: AuditTestError(message: "refused for password \(password)"))
        logger.info("copied", metadata: ["blob": "\(Array(password.utf8).base64)"])
        _ = try server.put(Event(
            metadata: ObjectMeta(name: "orders.1", namespace: "shop"), involvedObject: ObjectReference(to: Secret(metadata: ObjectMeta(name: "orders-app", namespace: "shop"))),
            reason: "PasswordSet", message: "password is \(password)"))
        audit.end(run: run)
        await server.shutdown()

        let leaks = audit.leaks
        #expect(leaks.map(\.place) == ["log line", "log line", "log line", "Event"], "\(leaks)")
        #expect(leaks.allSatisfy { $0.secret == "Secret shop/orders-app key password" })
        #expect(leaks.allSatisfy { !$0.text.contains(password) && $0.text.contains("***") }, "the report itself masks the value")
        #expect(!leaks.contains { $0.text.contains("connected") })
    }

    @Test func aRunThatLogsNoSecretLeavesNothing() async throws {
        let server = try await KubeTestServer.start()
        _ = try server.put(Secret(metadata: ObjectMeta(name: "orders-superuser", namespace: "shop"), stringData: ["password": "a-long-enough-password"]))
        let audit = LogAudit()
        let run = audit.begin(server: server)
        audit.record("info reconciled cluster=shop/orders", run: run)
        audit.end(run: run)
        await server.shutdown()
        #expect(audit.leaks.isEmpty)
    }
}

struct AuditTestError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Array where Element == UInt8 {
    /// Base64, as a careless log of a Secret's `data` would show it.
    var base64: String { Data(self).base64EncodedString() }
}
