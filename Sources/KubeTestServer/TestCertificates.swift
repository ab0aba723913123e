import Foundation

/// A throwaway certificate authority, server certificate (for `127.0.0.1` and
/// `localhost`) and client certificate, made with the `openssl` command line
/// tool in a temporary directory, for the TLS tests.
public struct TestCertificates: Sendable {
    public var directory: String
    public var caCertificatePath: String { directory + "/ca.crt" }
    public var serverCertificatePath: String { directory + "/server.crt" }
    public var serverKeyPath: String { directory + "/server.key" }
    public var clientCertificatePath: String { directory + "/client.crt" }
    public var clientKeyPath: String { directory + "/client.key" }
    /// A second, unrelated CA: a client trusting only this one must refuse the server.
    public var otherCACertificatePath: String { directory + "/other-ca.crt" }

    /// Why certificates could not be made.
    public struct GenerationError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Whether the `openssl` tool is on this machine.
    public static var isOpenSSLAvailable: Bool {
        ["/usr/bin/openssl", "/usr/local/bin/openssl", "/bin/openssl"].contains {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Makes a CA, a server certificate and a client certificate (CN `ordinal-test-client`).
    public static func generate() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kube-test-certs-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let extFile = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extFile, atomically: true, encoding: .utf8)
        let clientExt = directory + "/client.ext"
        try "extendedKeyUsage=clientAuth\n".write(toFile: clientExt, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/ca.key", "-out",
             certificates.caCertificatePath, "-days", "2", "-subj", "/CN=ordinal-test-ca"],
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/other-ca.key", "-out",
             certificates.otherCACertificatePath, "-days", "2", "-subj", "/CN=ordinal-other-ca"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", certificates.serverKeyPath, "-out",
             directory + "/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", directory + "/server.csr", "-CA", certificates.caCertificatePath, "-CAkey",
             directory + "/ca.key", "-CAcreateserial", "-out", certificates.serverCertificatePath, "-days", "2",
             "-extfile", extFile],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", certificates.clientKeyPath, "-out",
             directory + "/client.csr", "-subj", "/CN=ordinal-test-client/O=system:masters"],
            ["x509", "-req", "-in", directory + "/client.csr", "-CA", certificates.caCertificatePath, "-CAkey",
             directory + "/ca.key", "-CAcreateserial", "-out", certificates.clientCertificatePath, "-days", "2",
             "-extfile", clientExt],
        ]
        for arguments in steps {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GenerationError(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed")
            }
        }
        return certificates
    }

    /// Removes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
