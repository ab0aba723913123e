import ClusterModel
import KubeTypes
import PostgresTestSupport
import Testing

/// The pod's liveness and readiness commands, run as written in the StatefulSet (pointed at a
/// local server's socket and port) against real PostgreSQL in the states a pod goes through.
@Suite("Pod probe commands on live servers", .serialized, .enabled(if: PostgresBinaries.isAvailable, realPostgresMissing))
struct PodProbeCommandTests {
    static let container: Container? = {
        let spec = PostgresClusterSpec(instances: 2, postgresVersion: "15", storage: StorageSpec(size: "1Gi"))
        let cluster = PostgresCluster(metadata: ObjectMeta(name: "probe", namespace: "default"), spec: spec)
        return StatefulSetBuilder.build(ResolvedCluster(cluster)).spec?.template.spec?.containers.first
    }()

    /// Runs `command` against `instance`: the socket folder and port are the fixture's, and
    /// the PostgreSQL client programs come from the instance's binaries.
    func run(_ command: [String], on instance: PostgresTestInstance, cluster: PostgresTestCluster) async throws -> Int32 {
        let adapted = command.map { word in
            word.replacingOccurrences(of: PodLayout.socketDirectory, with: cluster.root + "/run")
                .replacingOccurrences(of: "--port \(ClusterDefaults.port)", with: "--port \(instance.port)")
                .replacingOccurrences(of: "pg_isready", with: instance.binaries.path("pg_isready"))
        }
        var final = adapted
        if adapted.first == "psql" { final[0] = instance.binaries.path("psql") }
        if let index = final.firstIndex(of: "\(ClusterDefaults.port)") { final[index] = "\(instance.port)" }
        let output = try await FixtureProcess.run(final, as: cluster.user, environment: ["PGPASSWORD": cluster.superuserPassword], check: false)
        return output.status
    }

    @Test("liveness passes while a server rejects connections (starting, recovering) and fails once it is gone; readiness needs a query")
    func livenessAcceptsRecoveryReadinessDoesNot() async throws {
        let container = try #require(Self.container)
        let liveness = try #require(container.livenessProbe?.exec?.command)
        let readiness = try #require(container.readinessProbe?.exec?.command)
        let cluster = try await PostgresTestCluster.start(name: "probe", replicas: 1)
        defer { cluster.shutdownNow() }
        let replica = cluster.replicas[0]

        #expect(try await run(liveness, on: cluster.primary, cluster: cluster) == 0)
        #expect(try await run(readiness, on: cluster.primary, cluster: cluster) == 0)

        // A standby that accepts no connections (hot_standby off): what a pod looks like during
        // crash recovery or a long replay. pg_isready exits 1 ("rejecting connections").
        _ = try await replica.psql("ALTER SYSTEM SET hot_standby = off")
        try await replica.stop()
        try await replica.start()
        #expect(try await run(["pg_isready", "--quiet", "--host", PodLayout.socketDirectory, "--port", "\(ClusterDefaults.port)"],
                              on: replica, cluster: cluster) == 1)
        #expect(try await run(liveness, on: replica, cluster: cluster) == 0, "a recovering server must count as alive")
        #expect(try await run(readiness, on: replica, cluster: cluster) != 0, "a server that takes no query is not ready")

        try await replica.stop()
        #expect(try await run(liveness, on: replica, cluster: cluster) != 0, "no server: not alive")
    }
}
