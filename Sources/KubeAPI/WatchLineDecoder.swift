import Foundation
import KubeTypes

/// Splits a watch body into lines as chunks arrive and yields typed events.
/// Used on the watch's own thread only.
final class WatchLineDecoder<Object: Decodable & Sendable>: @unchecked Sendable {
    private struct Line: Decodable {
        var event: ResourceEvent<Object>?
        var error: Status?

        private enum CodingKeys: String, CodingKey { case type, object }
        private struct Bookmark: Decodable {
            struct Metadata: Decodable { var resourceVersion: String? }
            var metadata: Metadata?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(WatchEventType.self, forKey: .type) {
            case .added: event = .added(try container.decode(Object.self, forKey: .object))
            case .modified: event = .modified(try container.decode(Object.self, forKey: .object))
            case .deleted: event = .deleted(try container.decode(Object.self, forKey: .object))
            case .bookmark:
                let bookmark = try container.decode(Bookmark.self, forKey: .object)
                event = .bookmark(resourceVersion: bookmark.metadata?.resourceVersion ?? "")
            case .error: error = try container.decode(Status.self, forKey: .object)
            }
        }
    }

    private let continuation: AsyncThrowingStream<ResourceEvent<Object>, any Error>.Continuation
    private let operation: String
    private let decoder = JSONDecoder()
    private var buffer: [UInt8] = []
    private var scanned = 0
    /// Set once the stream was finished here (an ERROR event or a bad line).
    private(set) var isFinished = false
    private(set) var eventCount = 0

    init(continuation: AsyncThrowingStream<ResourceEvent<Object>, any Error>.Continuation, operation: String) {
        self.continuation = continuation
        self.operation = operation
    }

    /// Takes a chunk; returns false to stop the transfer.
    func feed(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard !isFinished else { return false }
        buffer.append(contentsOf: chunk)
        var lineStart = 0
        var index = scanned
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                if index > lineStart, !deliver(buffer[lineStart..<index]) { return false }
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart > 0 { buffer.removeFirst(lineStart) }
        scanned = buffer.count
        return true
    }

    /// The stream ended cleanly: deliver a last unterminated line, then finish.
    func finish() {
        guard !isFinished else { return }
        if buffer.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) {
            guard deliver(buffer[...]) else { return }
        }
        isFinished = true
        continuation.finish()
    }

    func fail(_ error: KubeAPIError) {
        guard !isFinished else { return }
        isFinished = true
        continuation.finish(throwing: error)
    }

    private func deliver(_ bytes: ArraySlice<UInt8>) -> Bool {
        let line: Line
        do {
            line = try decoder.decode(Line.self, from: Data(bytes))
        } catch {
            fail(KubeAPIError(code: .decoding, operation: operation, detail: "watch event: \(KubeClient.describe(error))"))
            return false
        }
        if let status = line.error {
            let code = status.code ?? 500
            fail(
                KubeAPIError(
                    code: .from(httpStatus: code, reason: status.reason), operation: operation, httpStatus: code,
                    status: status))
            return false
        }
        guard let event = line.event else { return true }
        eventCount += 1
        if case .terminated = continuation.yield(event) {
            isFinished = true
            return false
        }
        return true
    }
}
