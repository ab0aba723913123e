import ClusterCertificates
import Foundation

/// An S3-compatible server for tests: moto's (`moto[server]` from PyPI, installed by
/// scripts/setup.sh), serving HTTPS on loopback with a certificate from its own CA, and one
/// bucket. It accepts any credentials.
///
/// Served by gunicorn rather than `moto_server`: moto's development server closes every
/// connection without a TLS close_notify, which pgBackRest's pooled S3 connections read as
/// "unexpected eof"; gunicorn keeps connections alive, as S3 does.
public final class S3TestServer: Sendable {
    /// Nil when `moto_server` is on `PATH`, else why the tests that need it are skipped.
    public static var unavailableReason: String? {
        executable == nil ? "needs gunicorn and moto on PATH (pip install 'moto[server]' gunicorn; scripts/setup.sh puts them in .build-tools/venv)" : nil
    }

    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/gunicorn" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
                && FileManager.default.isExecutableFile(atPath: ($0 as NSString).deletingLastPathComponent + "/moto_server")
        }
    }

    /// moto's WSGI application, for gunicorn.
    static let application = """
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        app = DomainDispatcherApplication(create_backend_app)

        """

    public let port: Int
    public let bucket: String
    /// The CA file that verifies the server (`repo1-storage-ca-file`).
    public let authorityFile: String
    private let directory: String
    private let process: Process

    /// Starts the server and makes `bucket`.
    public static func start(bucket: String = "ordinal-backups") async throws -> S3TestServer {
        guard let executable else { throw FixtureError(unavailableReason ?? "no moto_server") }
        let directory = NSTemporaryDirectory() + "ordinal-s3-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let now = Date().timeIntervalSince1970
        let authority = try CertificateIssuer.authority(commonName: "ordinal-s3-test", now: now, validity: 86_400)
        let certificate = try CertificateIssuer.server(
            dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], authority: authority, now: now, validity: 86_400)
        try authority.certificatePEM.write(toFile: "\(directory)/ca.crt", atomically: true, encoding: .utf8)
        try certificate.certificatePEM.write(toFile: "\(directory)/tls.crt", atomically: true, encoding: .utf8)
        try certificate.privateKeyPEM.write(toFile: "\(directory)/tls.key", atomically: true, encoding: .utf8)
        chmod(directory, 0o755)
        chmod("\(directory)/ca.crt", 0o644)
        let port = try PostgresTestCluster.freePort()
        let process = Process()
        try application.write(toFile: "\(directory)/ordinal_s3.py", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--chdir", directory, "-b", "127.0.0.1:\(port)", "-k", "gthread", "--threads", "8", "--keep-alive", "60",
            "--certfile", "\(directory)/tls.crt", "--keyfile", "\(directory)/tls.key", "ordinal_s3:app",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        FileManager.default.createFile(atPath: "\(directory)/moto.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: "\(directory)/moto.log")
        try process.run()
        let server = S3TestServer(port: port, bucket: bucket, authorityFile: "\(directory)/ca.crt", directory: directory, process: process)
        // Ready once the bucket is made (moto takes a moment to import its services).
        for _ in 0..<100 {
            let made = try? await FixtureProcess.run(
                ["/usr/bin/curl", "-sS", "-f", "--cacert", server.authorityFile, "-X", "PUT", "https://127.0.0.1:\(port)/\(bucket)"],
                as: FixtureUser.current(), timeout: .seconds(10))
            if made?.status == 0 { return server }
            try await Task.sleep(for: .milliseconds(200))
        }
        server.stop()
        throw FixtureError("moto_server on port \(port) did not make bucket \(bucket)")
    }

    private init(port: Int, bucket: String, authorityFile: String, directory: String, process: Process) {
        self.port = port
        self.bucket = bucket
        self.authorityFile = authorityFile
        self.directory = directory
        self.process = process
    }

    /// Stops the server and removes its files.
    public func stop() {
        if process.isRunning { process.terminate() }
        if ProcessInfo.processInfo.environment["ORDINAL_KEEP_S3_LOG"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}
