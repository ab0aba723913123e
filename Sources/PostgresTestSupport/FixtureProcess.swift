import Foundation

/// Runs a command as the ``FixtureUser`` with an explicit environment and a time limit.
///
/// It uses `posix_spawn` with every descriptor above 2 closed and output going to temporary
/// files, not Foundation's `Process`: `pg_ctl start` leaves a daemon behind, and a daemon
/// that inherits `Process`'s monitoring socket or an output pipe keeps the caller waiting
/// for as long as the server runs.
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
    /// (plus `PATH` and `LANG`), and returns its output; kills it after `timeout`.
    @discardableResult
    public static func run(
        _ arguments: [String], as user: FixtureUser, environment: [String: String] = [:],
        timeout: Duration = .seconds(120), check: Bool = true
    ) async throws(FixtureError) -> Output {
        var fullEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        fullEnvironment.merge(environment) { $1 }
        let envArguments = fullEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var command = ["/usr/bin/env", "-i"] + envArguments + arguments
        if user.needsSwitch { command = ["/usr/sbin/runuser", "-u", user.name, "--"] + command }

        let outPath = temporaryPath("out")
        let errPath = temporaryPath("err")
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let pid = try spawn(command, stdout: outPath, stderr: errPath)
        let waiter = Task.detached {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { kill(-pid, SIGKILL) }
        }
        let status = await waitForExit(pid)
        waiter.cancel()
        let output = Output(
            status: status,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        if check && status != 0 {
            let shown = arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            throw FixtureError("\(shown) exited \(status): " + (output.stderr.isEmpty ? output.stdout : output.stderr).suffix(2000))
        }
        return output
    }

    /// Starts a long-running command (a server) as `user` with exactly `environment` (plus
    /// `PATH` and `LANG`), in a process group of its own, its output in `outputPath` (stdout)
    /// and `outputPath.err` (stderr). Stop it with ``BackgroundProcess/stop()``.
    public static func start(
        _ arguments: [String], as user: FixtureUser, environment: [String: String] = [:], outputPath: String
    ) throws(FixtureError) -> BackgroundProcess {
        var fullEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        fullEnvironment.merge(environment) { $1 }
        var command = ["/usr/bin/env", "-i"] + fullEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + arguments
        if user.needsSwitch { command = ["/usr/sbin/runuser", "-u", user.name, "--"] + command }
        let pid = try spawn(command, stdout: outputPath, stderr: "\(outputPath).err")
        return BackgroundProcess(pid: pid)
    }

    /// A command ``FixtureProcess/start(_:as:environment:outputPath:)`` started.
    public final class BackgroundProcess: Sendable {
        /// Its process id (and process group).
        public let pid: pid_t

        init(pid: pid_t) { self.pid = pid }

        /// Sends SIGTERM to its process group, SIGKILL after five seconds, and returns its exit status.
        @discardableResult
        public func stop() async -> Int32 {
            kill(-pid, SIGTERM)
            let pid = self.pid
            let killer = Task.detached {
                try? await Task.sleep(for: .seconds(5))
                if !Task.isCancelled { kill(-pid, SIGKILL) }
            }
            let status = await FixtureProcess.waitForExit(pid)
            killer.cancel()
            return status
        }
    }

    private static func temporaryPath(_ kind: String) -> String {
        var template = Array("/tmp/ordinal-fixture-\(kind)-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        if fd >= 0 { close(fd) }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func spawn(_ command: [String], stdout: String, stderr: String) throws(FixtureError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        closeFrom(3, in: &actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/local/bin:/usr/bin:/bin"), nil]
        defer { for pointer in envp { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw FixtureError("could not start \(command[0]): error \(result)")
        }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), looked up at run time
    /// because Swift's Glibc module does not import it.
    private static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        let function = unsafeBitCast(symbol, to: CloseFrom.self)
        _ = function(&actions, lowest)
    }

    /// Waits for `pid` on a thread of its own (waitpid blocks) and returns its exit status.
    fileprivate static func waitForExit(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let box = Unmanaged.passRetained(ExitWaiter(pid: pid, continuation: continuation)).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                let waiter = Unmanaged<ExitWaiter>.fromOpaque(context).takeRetainedValue()
                var status: Int32 = 0
                while waitpid(waiter.pid, &status, 0) < 0 && errno == EINTR {}
                let exited = status & 0x7f == 0
                waiter.continuation.resume(returning: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
                return nil
            }, box)
            if started == 0 {
                pthread_detach(thread)
            } else {
                Unmanaged<ExitWaiter>.fromOpaque(box).release()
                continuation.resume(returning: -1)
            }
        }
    }
}

private final class ExitWaiter: Sendable {
    let pid: pid_t
    let continuation: CheckedContinuation<Int32, Never>

    init(pid: pid_t, continuation: CheckedContinuation<Int32, Never>) {
        self.pid = pid
        self.continuation = continuation
    }
}
