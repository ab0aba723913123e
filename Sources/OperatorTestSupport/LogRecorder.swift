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

    /// A line as a log shipper sees it: level, message, the error, then the metadata (the
    /// handler's, overridden by the event's) sorted by key.
    static func line(_ event: LogEvent, _ handlerMetadata: Logger.Metadata) -> String {
        let metadata = handlerMetadata.merging(event.metadata ?? [:]) { $1 }
        let error = event.error.map { " error=\($0)" } ?? ""
        return "\(event.level) \(event.message)\(error) " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
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

        func log(event: LogEvent) {
            recorder.append(LogRecorder.line(event, metadata))
        }
    }
}
