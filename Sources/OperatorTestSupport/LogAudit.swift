import Foundation
import KubeTestServer
import KubeTypes
import Logging
import Synchronization

/// Checks that no secret reaches what the operator writes where people read: every log line
/// (at every level), every Event and every cluster status an operator run produced is
/// searched, when the run stops, for every password and private key the API test server holds
/// in a Secret (as written, and base64-encoded).
///
/// ``suite`` is the audit of the whole test process: every ``OperatorRun`` logs into it, and
/// at exit it prints what it checked; if it found a secret it names where and exits with
/// status 1, so the test run fails even though no single test asserted it.
public final class LogAudit: Sendable {
    /// Something secret found where it must not be.
    public struct Leak: Sendable, CustomStringConvertible {
        /// Which Secret and key the value came from.
        public let secret: String
        /// Where it was found (`log line`, `Event`, `PostgresCluster status`).
        public let place: String
        /// The text it was found in, with the value masked.
        public let text: String

        public var description: String { "\(secret) appears in a \(place): \(text)" }
    }

    /// What a run's server holds when it stops: secret values (with their source) and texts.
    public typealias Contents = @Sendable () -> (secrets: [(source: String, value: String)], texts: [(place: String, text: String)])

    private struct Run {
        var lines: [String] = []
        let contents: Contents
    }

    private struct State {
        var runs: [Int: Run] = [:]
        /// The secret values of runs that ended: a line logged after its run stopped (a
        /// background task finishing) is searched at once.
        var ended: [Int: [(source: String, value: String)]] = [:]
        var nextRun = 0
        var leaks: [Leak] = []
        var checked = (runs: 0, lines: 0, texts: 0, secrets: 0)
    }

    private let state = Mutex(State())

    public init() {}

    /// The audit of this test process, reported at exit.
    public static let suite: LogAudit = {
        let audit = LogAudit()
        atexit { LogAudit.suite.reportAtExit() }
        return audit
    }()

    /// Starts auditing a run; `contents` is read when it ends.
    public func begin(_ contents: @escaping Contents) -> Int {
        state.withLock { state in
            let id = state.nextRun
            state.nextRun += 1
            state.runs[id] = Run(contents: contents)
            return id
        }
    }

    /// A run against the API test server `server`: its Secrets' passwords and keys, its Events
    /// and its clusters' status.
    public func begin(server: KubeTestServer) -> Int {
        begin { [weak server] in
            guard let server else { return ([], []) }
            var secrets: [(String, String)] = []
            for object in server.objects(in: ResourceKey(Secret.self)) {
                guard let secret = try? object.decode(as: Secret.self) else { continue }
                let name = "Secret \(secret.metadata.namespace ?? "")/\(secret.metadata.name ?? "")"
                var values = secret.stringData ?? [:]
                for (key, encoded) in secret.data ?? [:] {
                    if let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8) { values[key] = text }
                }
                for (key, value) in values where Self.isSecretKey(key) { secrets.append(("\(name) key \(key)", value)) }
            }
            let events = server.objects(in: ResourceKey(Event.self)).map { ("Event", "\($0)") }
            let clusters = server.objects(in: ResourceKey(group: "ordinal.dev", plural: "postgresclusters")).map {
                ("PostgresCluster status", "\($0)")
            }
            return (secrets, events + clusters)
        }
    }

    /// Keys whose values are secret (a username is not).
    static func isSecretKey(_ key: String) -> Bool {
        key.lowercased().contains("password") || key.hasSuffix(".key") || key == "pgpass" || key == ".pgpass"
    }

    /// Keeps a line of run `id`.
    public func record(_ line: String, run id: Int) {
        state.withLock { state in
            if state.runs[id] != nil {
                state.runs[id]?.lines.append(line)
            } else if let secrets = state.ended[id] {
                state.leaks += Self.search([("log line", line)], for: secrets)
                state.checked.lines += 1
            }
        }
    }

    /// Every place in `places` that holds one of `secrets`, as written or base64, masked.
    private static func search(_ places: [(place: String, text: String)], for secrets: [(source: String, value: String)]) -> [Leak] {
        var found: [Leak] = []
        for (source, value) in secrets {
            let encoded = Data(value.utf8).base64EncodedString()
            for (place, text) in places where text.contains(value) || text.contains(encoded) {
                let masked = text.replacingOccurrences(of: value, with: "***").replacingOccurrences(of: encoded, with: "***")
                found.append(Leak(secret: source, place: place, text: around("***", in: masked)))
            }
        }
        return found
    }

    /// A handler that keeps every line of run `id`, at every level.
    public func handler(run id: Int) -> some LogHandler {
        Handler(audit: self, run: id)
    }

    /// Searches what run `id` logged and left on its server, and forgets its lines.
    public func end(run id: Int) {
        // The run stays listed until its search is done: a process exiting meanwhile (a test's
        // deferred stop still under way) searches it again at exit rather than missing it.
        guard let run = state.withLock({ $0.runs[id] }) else { return }
        let (secrets, texts) = run.contents()
        // Short values (a test's placeholder) would match by chance; generated ones are long.
        let searched = secrets.filter { $0.value.count >= 8 }
        let found = Self.search(run.lines.map { ("log line", $0) } + texts, for: searched)
        state.withLock { state in
            guard let done = state.runs.removeValue(forKey: id) else { return }
            let late = done.lines.dropFirst(run.lines.count).map { ("log line", $0) }
            state.leaks += Self.search(Array(late), for: searched)
            state.checked.lines += late.count
            state.ended[id] = searched
            state.leaks += found
            state.checked.runs += 1
            state.checked.lines += run.lines.count
            state.checked.texts += texts.count
            state.checked.secrets += searched.count
        }
    }

    /// Up to 200 characters either side of the first `mark` in `text`.
    static func around(_ mark: String, in text: String) -> String {
        guard let range = text.range(of: mark) else { return String(text.prefix(400)) }
        let start = text.index(range.lowerBound, offsetBy: -200, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 200, limitedBy: text.endIndex) ?? text.endIndex
        return String(text[start..<end])
    }

    /// Everything found so far.
    public var leaks: [Leak] { state.withLock { $0.leaks } }

    /// Ends every run still open, prints what was checked, and exits with status 1 on a leak.
    func reportAtExit() {
        for id in state.withLock({ Array($0.runs.keys) }) { end(run: id) }
        let (leaks, checked) = state.withLock { ($0.leaks, $0.checked) }
        guard checked.runs > 0 else { return }
        let summary = "log audit: \(checked.lines) log lines, \(checked.texts) Events and statuses of \(checked.runs) operator runs "
            + "searched for \(checked.secrets) secret values"
        guard !leaks.isEmpty else {
            FileHandle.standardError.write(Data("\(summary): none found\n".utf8))
            return
        }
        var report = "\(summary): \(leaks.count) found\n"
        for leak in leaks.prefix(20) { report += "SECRET LEAKED: \(leak)\n" }
        FileHandle.standardError.write(Data(report.utf8))
        _exit(1)
    }

    /// A handler that drops every line (a place in a multiplex left empty).
    struct Muted: LogHandler {
        var logLevel: Logger.Level = .critical
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {}
    }

    private struct Handler: LogHandler {
        let audit: LogAudit
        let run: Int
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            audit.record(LogRecorder.line(event, metadata), run: run)
        }
    }
}
