import Foundation

/// Runs a command as the ``FixtureUser`` with an explicit environment and a time limit.
public enum FixtureProcess {
    /// What a command printed and how it ended.
    public struct Output: Sendable {
        /// The exit status (or 128 + signal).
        public var status: Int32
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
    }

    /// Runs `arguments[0]` with the rest as arguments, as `user`, with exactly `environment`
    /// (plus `PATH`), and returns its output; kills it after `timeout`.
    @discardableResult
    public static func run(
        _ arguments: [String], as user: FixtureUser, environment: [String: String] = [:],
        stdin: String? = nil, timeout: Duration = .seconds(120), check: Bool = true
    ) async throws(FixtureError) -> Output {
        var fullEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        fullEnvironment.merge(environment) { $1 }
        let envArguments = fullEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var command = ["/usr/bin/env", "-i"] + envArguments + arguments
        if user.needsSwitch { command = ["/usr/sbin/runuser", "-u", user.name, "--"] + command }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        let collector = OutputCollector()
        outPipe.fileHandleForReading.readabilityHandler = { collector.append($0.availableData, error: false) }
        errPipe.fileHandleForReading.readabilityHandler = { collector.append($0.availableData, error: true) }
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                    return
                }
                if let stdin {
                    inPipe.fileHandleForWriting.write(Data(stdin.utf8))
                    try? inPipe.fileHandleForWriting.close()
                }
                let pid = process.processIdentifier
                Task.detached {
                    try? await Task.sleep(for: timeout)
                    if process.isRunning { kill(pid, SIGKILL) }
                }
            }
        } catch {
            throw FixtureError("could not start \(arguments.first ?? "?"): \(error)")
        }
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
        collector.append(outPipe.fileHandleForReading.readDataToEndOfFile(), error: false)
        collector.append(errPipe.fileHandleForReading.readDataToEndOfFile(), error: true)
        let (stdout, stderr) = collector.text()
        let output = Output(status: status, stdout: stdout, stderr: stderr)
        if check && status != 0 {
            throw FixtureError(
                "\(arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")) exited \(status): "
                    + (stderr.isEmpty ? stdout : stderr).suffix(2000))
        }
        return output
    }
}

/// Collects a child's output from the pipes' handler threads.
private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func append(_ data: Data, error: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if error { err.append(data) } else { out.append(data) }
    }

    func text() -> (String, String) {
        lock.lock()
        defer { lock.unlock() }
        return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
