import PostgresHealth
import PostgresTestSupport
import Testing

extension LiveClusterTests {
    @Suite("Connection errors")
    struct ConnectionErrorTests {
        @Test func wrongPasswordFailsQuicklyWithAnAuthenticationError() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let wrong = "not-the-password-\(Int.random(in: 1000...9999))"
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                try await PostgresConnection.connect(cluster.settings(for: cluster.primary, password: wrong))
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(error?.code == .authenticationFailed)
            #expect(error?.serverMessage.contains("password authentication failed") == true)
            #expect(error.map { !"\($0)".contains(wrong) && !String(reflecting: $0).contains(wrong) } == true)
        }

        @Test func closedPortFailsQuicklyWithAConnectionError() async throws {
            let port = try PostgresTestCluster.freePort()
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                try await PostgresConnection.connect(ConnectionSettings(host: "127.0.0.1", port: port, user: "postgres"))
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(error?.code == .connectionFailed)
            #expect(error?.port == port)
            #expect(error?.serverMessage.contains("refused") == true)
        }

        @Test func hangingServerTimesOutAtTheConnectTimeout() async throws {
            let silent = try SilentListener()
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                try await PostgresConnection.connect(ConnectionSettings(
                    host: "127.0.0.1", port: silent.port, user: "postgres", connectTimeout: .milliseconds(500)))
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(450) && elapsed < .milliseconds(1500))
            #expect(error?.code == .connectTimeout)
        }

        @Test func slowQueryTimesOutAndTheServerCancelsIt() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let connection = try await PostgresConnection.connect(cluster.settings(for: cluster.primary))
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT pg_sleep(30)", timeout: .milliseconds(300))
            }
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(error?.code == .queryTimeout)
            #expect(!connection.isUsable, "a timed-out connection is not reused")
            try await cluster.primary.waitFor(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'",
                toPrint: "0", timeout: .seconds(5))
        }

        @Test func serverErrorsCarrySQLStateAndKeepTheConnection() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let connection = try await PostgresConnection.connect(cluster.settings(for: cluster.primary))
            defer { connection.close() }
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("SELECT 1 / $1::int", ["0"])
            }
            #expect(error?.code == .serverError)
            #expect(error?.sqlState == "22012")
            #expect(error?.serverMessage == "division by zero")
            let row = try await connection.query("SELECT $1::int + 1 AS n, NULL::text AS nothing", ["41"]).rows.first
            #expect(try row?.require(Int.self, "n") == 42)
            #expect(try row?.decode(String.self, "nothing") == nil)
        }
    }
}
