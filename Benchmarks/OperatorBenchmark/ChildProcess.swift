// A child process of this same binary, talking through lines on its standard output.

import Foundation
import KubeAPI
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The lines a child printed, and a signal fired at each new one (waits are events, not polls).
final class LineLog: Sendable {
    private let lines = Mutex<[String]>([])
    let changes = ChangeSignal()

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
        changes.fire()
    }

    /// The first line that starts with `prefix`, without it.
    func line(startingWith prefix: String) -> String? {
        lines.withLock { $0.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
    }
}

/// This binary run again with other arguments (`--serve`, `--lead`), its output read line by line.
final class ChildProcess {
    private let process = Process()
    private let input = Pipe()
    let log = LineLog()

    init(arguments: [String]) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = arguments
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let reading = output.fileHandleForReading
        let log = self.log
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reading.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    log.append(String(decoding: pending[pending.startIndex..<end], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...end)
                }
            }
        }
    }

    /// Waits until the child prints a line starting with `prefix`; returns the rest of it.
    func line(startingWith prefix: String) async throws -> String {
        try await log.changes.wait { log.line(startingWith: prefix) != nil }
        return log.line(startingWith: prefix) ?? ""
    }

    /// Sends SIGTERM, as the kubelet does to a pod being deleted.
    func terminate() {
        kill(process.processIdentifier, SIGTERM)
    }

    /// Closes the child's standard input (the API server child stops then) and waits for it to exit.
    func finish() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// Seconds since 1970, as the children print them (one wall clock on one machine).
func wallClock() -> Double { Date().timeIntervalSince1970 }
