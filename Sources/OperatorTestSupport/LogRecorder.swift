import Logging
import Synchronization

/// Keeps every line the operator logs (message and metadata, as a log shipper would see them),
/// so a test can say what never appears in them: no password, at any level.
public final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// Every line so far.
    public var all: [String] { lines.withLock { $0 } }

    /// A handler that records at `level` and above.
    public func handler(label: String, level: Logger.Level = .trace) -> some LogHandler {
        Handler(recorder: self, logLevel: level)
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            var all = metadata
            for (key, value) in explicit ?? [:] { all[key] = value }
            recorder.append("\(level) \(message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        }
    }
}
