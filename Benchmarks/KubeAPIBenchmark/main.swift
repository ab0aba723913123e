// kube-bench: KubeAPI figures against the in-process test server.
//
//   swift run --scratch-path .build-kube -c release kube-bench
//
// Reports requests/second for get and apply on one connection, the resident
// memory of an informer cache holding 10,000 small objects (server in a
// child process, so only the client is measured), and the time to deliver
// 10,000 watch events.

import Foundation
import KubeAPI
import KubeTestServer
import KubeTypes

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "--serve" {
    await Benchmark.serve(objects: Int(CommandLine.arguments[2]) ?? 10_000)
} else {
    try await Benchmark.runAll()
}
