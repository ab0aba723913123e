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
            #expect(ContinuousClock.now - started < .seconds(10))
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
            #expect(ContinuousClock.now - started < .seconds(10))
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
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(10), "the listener never answers")
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
            #expect(ContinuousClock.now - started < .seconds(10), "well before pg_sleep(30) ends")
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
        @Test func hostNamesAreResolvedOffTheCooperativePool() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            var settings = cluster.settings(for: cluster.primary)
            settings.host = "localhost"
            let connection = try await PostgresConnection.connect(settings)
            defer { connection.close() }
            let row = try await connection.query("SELECT inet_server_addr()::text AS address").rows.first
            #expect(try row?.require(String.self, "address") == "127.0.0.1/32")
        }

        @Test func unknownHostFailsQuicklyWithAResolutionError() async throws {
            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                try await PostgresConnection.connect(ConnectionSettings(host: "no-such-host.invalid", user: "postgres"))
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(error?.code == .connectionFailed)
            #expect(error?.serverMessage.contains("could not resolve host name") == true)
        }

        @Test func closingDuringAQueryWaitsForTheQueryAndThenCloses() async throws {
            let cluster = try await SharedCluster.shared.cluster()
            try await cluster.heal()
            let connection = try await PostgresConnection.connect(cluster.settings(for: cluster.primary))
            async let slow = connection.query("SELECT pg_sleep(0.3) AS slept")
            try await Task.sleep(for: .milliseconds(100))
            connection.close()
            let result = try await slow
            #expect(result.rows.count == 1, "the running query finishes")
            #expect(!connection.isUsable)
            let error = await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1") }
            #expect(error?.code == .connectionLost)
        }
    }
}
