import PostgresHealth
import Testing

@Suite("LSNs, slot names, primary_conninfo, lag (pure)")
struct PureModelTests {
    @Test func lsnParsesPrintsAndSubtracts() throws {
        let lsn = try #require(LSN(postgresText: "1/2A"))
        #expect(lsn.value == 0x1_0000_002A)
        #expect(lsn.description == "1/2A")
        #expect(LSN(postgresText: "16/B374D848")?.value == 0x16_B374_D848)
        #expect(LSN(postgresText: "nonsense") == nil)
        #expect(LSN(postgresText: "1/") == nil)
        #expect(LSN(100).bytes(since: LSN(40)) == 60)
        #expect(LSN(40).bytes(since: LSN(100)) == 0)
    }

    @Test func slotNamesReplaceDashesWithUnderscores() {
        #expect(ReplicationSlotInfo.slotName(forPod: "orders-1") == "orders_1")
        #expect(ReplicationSlotInfo.slotName(forPod: "my-big-db-12") == "my_big_db_12")
    }

    @Test func primaryConnInfoForReplicaPointsAtPodZeroThroughTheHeadlessService() {
        let info = PrimaryConnInfo.forReplica(podName: "orders-2", cluster: "orders", namespace: "shop")
        #expect(info.host == "orders-0.orders-headless.shop.svc.cluster.local")
        #expect(info.slotName == "orders_2")
        #expect(info.connectionString ==
            "host=orders-0.orders-headless.shop.svc.cluster.local port=5432 user=streaming_replica application_name=orders-2 passfile=/var/lib/postgresql/data/replication.pgpass")
        #expect(!info.connectionString.contains("password"))
    }

    @Test func conninfoParserReadsQuotedValuesAsPgBasebackupWritesThem() throws {
        let written = "user=streaming_replica passfile='/tmp/a b/replication.pgpass' channel_binding=prefer host=127.0.0.1 port=5433 application_name='orders-1' sslmode=prefer"
        let parsed = try #require(PrimaryConnInfo.parse(written))
        #expect(parsed["passfile"] == "/tmp/a b/replication.pgpass")
        #expect(parsed["application_name"] == "orders-1")
        #expect(parsed["port"] == "5433")
        let desired = PrimaryConnInfo(host: "127.0.0.1", port: 5433, podName: "orders-1", passfile: "/tmp/a b/replication.pgpass")
        #expect(desired.isSatisfied(by: written))
        #expect(!PrimaryConnInfo(host: "127.0.0.1", port: 5434, podName: "orders-1", passfile: "/tmp/a b/replication.pgpass").isSatisfied(by: written))
        #expect(PrimaryConnInfo.parse(desired.connectionString) == Dictionary(uniqueKeysWithValues: desired.keywords))
        #expect(PrimaryConnInfo.parse("host='unterminated") == nil)
        #expect(PrimaryConnInfo.parse("=value") == nil)
        #expect(PrimaryConnInfo.parse("") == [:])
    }

    @Test func conninfoQuotingRoundTripsAwkwardValues() throws {
        let info = PrimaryConnInfo(host: "h", podName: "orders-1", passfile: "/path with 'quote' and \\ slash")
        let parsed = try #require(PrimaryConnInfo.parse(info.connectionString))
        #expect(parsed["passfile"] == "/path with 'quote' and \\ slash")
    }

    @Test func passwordNeverAppearsInSettingsOrErrors() {
        let settings = ConnectionSettings(host: "db", user: "postgres", password: PostgresPassword("s3cr3t-value"))
        #expect(!settings.description.contains("s3cr3t-value"))
        #expect(!String(reflecting: settings).contains("s3cr3t-value"))
        #expect(!"\(settings.password as Any)".contains("s3cr3t-value"))
        #expect(settings.description.contains("auth=password"))
    }

    @Test func lagComesFromThePrimaryForReachableAndStoppedReplicas() {
        let primary = InstanceFacts(
            address: InstanceAddress(podName: "pg-0", host: "a"), isInRecovery: false, currentLSN: LSN(10_000),
            replicationSlots: [ReplicationSlotInfo(name: "pg_2", isActive: false, restartLSN: LSN(4_000))])
        let streaming = InstanceFacts(address: InstanceAddress(podName: "pg-1", host: "b"), isInRecovery: true, replayLSN: LSN(9_000))
        let stopped = InstanceFacts(
            address: InstanceAddress(podName: "pg-2", host: "c"),
            error: PostgresError(code: .connectionFailed, host: "c", port: 5432, operation: "connect", serverMessage: "refused"))
        let result = ClusterProber.withLag([primary, streaming, stopped])
        #expect(result[0].lagBytes == 0)
        #expect(result[1].lagBytes == 1_000)
        #expect(result[2].lagBytes == 6_000)
    }

    @Test func lagIsUnknownWithoutASinglePrimary() {
        let a = InstanceFacts(address: InstanceAddress(podName: "pg-0", host: "a"), isInRecovery: false, currentLSN: LSN(10))
        let b = InstanceFacts(address: InstanceAddress(podName: "pg-1", host: "b"), isInRecovery: false, currentLSN: LSN(20))
        let c = InstanceFacts(address: InstanceAddress(podName: "pg-2", host: "c"), isInRecovery: true, replayLSN: LSN(5))
        #expect(ClusterProber.withLag([a, b, c]).allSatisfy { $0.lagBytes == nil })
    }

    @Test func rowsDecodeTypedValuesAndReportBadOnes() throws {
        let row = PostgresRow(columns: ["n", "b", "l", "s", "nul"], values: ["42", "t", "0/3000060", "x", nil])
        #expect(try row.require(Int.self, "n") == 42)
        #expect(try row.require(Bool.self, "b"))
        #expect(try row.require(LSN.self, "l") == LSN(0x300_0060))
        #expect(try row.decode(String.self, "nul") == nil)
        #expect(throws: PostgresError.self) { try row.require(String.self, "nul") }
        #expect(throws: PostgresError.self) { try row.require(Int.self, "s") }
        #expect(throws: PostgresError.self) { try row.decode(Int.self, "missing") }
    }
}
