/// What libcurl's callbacks write into during one transfer; reached from C
/// through an `Unmanaged` pointer, used on the transfer's thread only.
final class TransferContext {
    let cancellation: CancellationFlag
    var status = 0
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// For streams: receives each chunk of a 2xx body; returns false to stop the transfer.
    var onData: ((UnsafeRawBufferPointer) -> Bool)?
    var abortedByReceiver = false

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
    }

    func receiveHeader(_ line: UnsafeRawBufferPointer) {
        var text = String(decoding: line, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        if text.hasPrefix("HTTP/") {
            // A new response (after a redirect or 100-continue) starts over.
            headers = [:]
            let parts = text.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[text.startIndex..<colon].lowercased()
        let value = text[text.index(after: colon)...].drop { $0 == " " }
        headers[name] = String(value)
    }

    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if let onData, (200..<300).contains(status) {
            if !onData(chunk) {
                abortedByReceiver = true
                return false
            }
            return true
        }
        body.append(contentsOf: chunk)
        return true
    }
}
