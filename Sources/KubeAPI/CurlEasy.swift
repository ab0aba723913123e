import CCurl

/// One libcurl easy handle, reused for transfer after transfer on one thread
/// (its connection cache keeps connections alive between them).
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer

    /// Initialises libcurl for the process, once.
    static let globalInit: Void = {
        _ = ordinal_curl_global_init()
    }()

    init?() {
        _ = CurlEasy.globalInit
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
    }

    deinit {
        curl_easy_cleanup(handle)
    }

    private static let writeCallback: ordinal_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        let accepted = context.receiveBody(UnsafeRawBufferPointer(start: buffer, count: length))
        return accepted ? length : 0
    }

    private static let headerCallback: ordinal_curl_data_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
        let length = size * count
        context.receiveHeader(UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    }

    private static let progressCallback: ordinal_curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
        return context.cancellation.isCancelled ? 1 : 0
    }

    /// Runs one transfer to the end, blocking the calling thread. With
    /// `onData`, a 2xx body is handed over chunk by chunk instead of collected.
    func perform(
        _ request: HTTPRequest, tls: TLSSettings, cancellation: CancellationFlag,
        onData: ((UnsafeRawBufferPointer) -> Bool)? = nil
    ) -> Result<HTTPResponse, TransportFailure> {
        curl_easy_reset(handle)
        let context = TransferContext(cancellation: cancellation)
        context.onData = onData
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()

        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // No `Expect: 100-continue` round trip for larger bodies.
        headerList = curl_slist_append(headerList, "Expect:")
        defer { curl_slist_free_all(headerList) }

        setLong(CURLOPT_NOSIGNAL, 1)
        setString(CURLOPT_URL, request.url)
        setLong(CURLOPT_HTTP_VERSION, ordinal_curl_http_version_2tls())
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout))
        setLong(CURLOPT_TIMEOUT_MS, request.timeout.map(Self.milliseconds) ?? 0)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_TCP_KEEPIDLE, 30)
        setLong(CURLOPT_TCP_KEEPINTVL, 10)
        setLong(CURLOPT_TCP_NODELAY, 1)
        setString(CURLOPT_ACCEPT_ENCODING, "")
        setLong(CURLOPT_FOLLOWLOCATION, 0)

        switch request.method {
        case "GET":
            setLong(CURLOPT_HTTPGET, 1)
        case "POST":
            setLong(CURLOPT_POST, 1)
        default:
            setString(CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            _ = ordinal_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            if body.isEmpty {
                setString(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress {
                        _ = ordinal_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                    }
                }
            }
        }
        _ = ordinal_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        if let ca = tls.certificateAuthorityPEM { setBlob(CURLOPT_CAINFO_BLOB, ca) }
        if let certificate = tls.clientCertificatePEM {
            setString(CURLOPT_SSLCERTTYPE, "PEM")
            setBlob(CURLOPT_SSLCERT_BLOB, certificate)
        }
        if let key = tls.clientKeyPEM {
            setString(CURLOPT_SSLKEYTYPE, "PEM")
            setBlob(CURLOPT_SSLKEY_BLOB, key)
        }
        if tls.insecureSkipVerify {
            setLong(CURLOPT_SSL_VERIFYPEER, 0)
            setLong(CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            setLong(CURLOPT_SSL_VERIFYPEER, 1)
            setLong(CURLOPT_SSL_VERIFYHOST, 2)
        }
        setLong(CURLOPT_SSLVERSION, ordinal_curl_sslversion_tlsv1_2())

        _ = ordinal_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Self.writeCallback)
        _ = ordinal_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, contextPointer)
        _ = ordinal_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Self.headerCallback)
        _ = ordinal_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, contextPointer)
        setLong(CURLOPT_NOPROGRESS, 0)
        _ = ordinal_curl_setopt_xferinfo_callback(handle, Self.progressCallback)
        _ = ordinal_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, contextPointer)

        let code = withExtendedLifetime(context) { curl_easy_perform(handle) }
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && context.abortedByReceiver) {
            var status = 0
            _ = ordinal_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: context.headers, body: context.body))
        }
        let detail = curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)"
        if code == CURLE_ABORTED_BY_CALLBACK || cancellation.isCancelled {
            return .failure(TransportFailure(kind: .cancelled, detail: "cancelled"))
        }
        if code == CURLE_OPERATION_TIMEDOUT {
            return .failure(TransportFailure(kind: .timedOut, detail: detail))
        }
        return .failure(TransportFailure(kind: .failed, detail: "\(detail) (curl \(code.rawValue))"))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = ordinal_curl_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        _ = ordinal_curl_setopt_string(handle, option, value)
    }

    private func setBlob(_ option: CURLoption, _ bytes: [UInt8]) {
        var copy = bytes
        copy.withUnsafeMutableBytes { buffer in
            _ = ordinal_curl_setopt_blob(handle, option, buffer.baseAddress, buffer.count)
        }
    }
}
