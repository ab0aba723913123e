// probe-bench: time and CPU to probe N instances, with connection reuse and without.
//
// Starts a real cluster with the test fixture (a primary and replicas built by the pod
// scripts), then probes N "instances" spread over those servers, each with its own pool key
// (its own connection), for a number of rounds in each mode. Reports per round: wall time,
// this process's CPU (what the operator pays) and the whole machine's CPU (which also counts
// the PostgreSQL backends each new connection forks).
//
//   swift run --scratch-path .build-pg probe-bench [instances] [rounds] [servers]
import PostgresHealth
import PostgresTestSupport

#if canImport(Glibc)
import Glibc
#endif

@main
struct ProbeBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
        let instances = arguments.count > 0 ? arguments[0] : 100
        let rounds = arguments.count > 1 ? arguments[1] : 10
        let servers = arguments.count > 2 ? arguments[2] : 3
        print("probe-bench: starting \(servers) PostgreSQL servers (1 primary, \(servers - 1) replicas)...")
        let connectionsPerServer = instances / max(1, servers) + 20
        let cluster = try await PostgresTestCluster.start(
            name: "bench", replicas: servers - 1,
            extraParameters: ["max_connections": String(max(100, connectionsPerServer * 2))])
        defer { cluster.shutdownNow() }

        let addresses = (0..<instances).map { index in
            let server = cluster.instances[index % cluster.instances.count]
            return InstanceAddress(podName: "bench-\(index)", host: server.host, port: server.port)
        }
        print("probe-bench: \(instances) instances over \(servers) servers, \(rounds) rounds per mode, 2 cores")
        print("mode        | wall/round ms (median, max) | process CPU ms/round | machine CPU ms/round | errors")
        for reuse in [true, false] {
            let result = try await run(cluster: cluster, addresses: addresses, rounds: rounds, reuse: reuse)
            print(result)
        }
    }

    struct Result: CustomStringConvertible {
        var reuse: Bool
        var walls: [Double]
        var processCPU: Double
        var machineCPU: Double
        var errors: Int
        var rounds: Int

        var description: String {
            let sorted = walls.sorted()
            let median = sorted[sorted.count / 2]
            let name = reuse ? "reuse     " : "no reuse  "
            return "\(name)  | \(format(median)), \(format(sorted.last ?? 0))"
                + " | \(format(processCPU / Double(rounds))) | \(format(machineCPU / Double(rounds))) | \(errors)"
        }

        func format(_ value: Double) -> String { String(Int((value * 10).rounded())) .withDecimal }
    }

    static func run(cluster: PostgresTestCluster, addresses: [InstanceAddress], rounds: Int, reuse: Bool) async throws -> Result {
        let pool = ConnectionPool(maximumIdlePerInstance: 1, reuse: reuse)
        let superuser = ConnectionSettings(
            host: "", user: "postgres", password: PostgresPassword(cluster.superuserPassword), sslMode: "disable",
            applicationName: "probe-bench")
        // Each instance gets its own pool key (its own connection), as distinct instances would.
        let distinct = addresses.enumerated().map { index, address in (index, address) }
        func round() async -> ([InstanceFacts], Double) {
            let started = ContinuousClock.now
            let facts = await withTaskGroup(of: InstanceFacts.self) { group in
                for (index, address) in distinct {
                    group.addTask {
                        var credentials = superuser
                        credentials.applicationName = "probe-bench-\(index)"
                        return await ClusterProber(pool: pool, monitor: nil, superuser: credentials)
                            .probe(address, deadline: .now + .seconds(20))
                    }
                }
                var all: [InstanceFacts] = []
                for await facts in group { all.append(facts) }
                return all
            }
            let elapsed = ContinuousClock.now - started
            return (facts, Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        _ = await round()  // warm-up (opens the connections in reuse mode)
        var walls: [Double] = []
        var errors = 0
        let cpuBefore = processCPUMilliseconds()
        let machineBefore = machineCPUMilliseconds()
        for _ in 0..<rounds {
            let (facts, wall) = await round()
            walls.append(wall)
            errors += facts.filter { $0.error != nil }.count
        }
        let result = Result(
            reuse: reuse, walls: walls, processCPU: processCPUMilliseconds() - cpuBefore,
            machineCPU: machineCPUMilliseconds() - machineBefore, errors: errors, rounds: rounds)
        await pool.closeAll()
        return result
    }

    static func processCPUMilliseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ms(_ time: timeval) -> Double { Double(time.tv_sec) * 1000 + Double(time.tv_usec) / 1000 }
        return ms(usage.ru_utime) + ms(usage.ru_stime)
    }

    /// Busy CPU time of the whole machine (user + nice + system + irq + softirq), from /proc/stat.
    static func machineCPUMilliseconds() -> Double {
        guard let file = fopen("/proc/stat", "r") else { return 0 }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 7 else { return 0 }
        let busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return busy / ticksPerSecond * 1000
    }
}

extension String {
    /// "1234" (tenths) → "123.4".
    var withDecimal: String {
        let digits = count < 2 ? String(repeating: "0", count: 2 - count) + self : self
        return "\(digits.dropLast()).\(digits.suffix(1))"
    }
}
