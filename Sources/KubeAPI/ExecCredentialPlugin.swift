import Foundation
import KubeTypes

/// Runs a kubeconfig exec credential plugin (`client.authentication.k8s.io`)
/// on a thread of its own and reads its `ExecCredential` answer.
enum ExecCredentialPlugin {
    private struct ExecCredential: Decodable {
        struct Status: Decodable {
            var token: String?
            var expirationTimestamp: String?
            var clientCertificateData: String?
            var clientKeyData: String?
        }

        var status: Status?
    }

    /// What the plugin is told in `KUBERNETES_EXEC_INFO`.
    private struct ExecInfo: Encodable {
        struct Spec: Encodable {
            var cluster: ExecClusterInfo?
            var interactive = false
        }

        var apiVersion: String
        var kind = "ExecCredential"
        var spec: Spec
    }

    /// Returns the credentials and their expiry (seconds since the epoch), if the plugin gave one.
    static func run(_ config: ExecConfig) async throws -> (ResolvedCredentials, Double?) {
        let output: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(config) })
            }
            thread.name = "kube-exec-credential"
            thread.start()
        }
        let operation = "exec credential plugin \(config.command)"
        guard let credential = try? JSONDecoder().decode(ExecCredential.self, from: Data(output)),
            let status = credential.status
        else {
            throw KubeAPIError(code: .credentials, operation: operation, detail: "the plugin's output is not an ExecCredential")
        }
        guard status.token != nil || status.clientCertificateData != nil else {
            throw KubeAPIError(code: .credentials, operation: operation, detail: "the ExecCredential has no token or certificate")
        }
        let credentials = ResolvedCredentials(
            bearerToken: status.token, clientCertificatePEM: status.clientCertificateData.map { Array($0.utf8) },
            clientKeyPEM: status.clientKeyData.map { Array($0.utf8) })
        return (credentials, status.expirationTimestamp.flatMap(KubeTime.parse))
    }

    private static func runBlocking(_ config: ExecConfig) throws -> [UInt8] {
        let operation = "exec credential plugin \(config.command)"
        let process = Process()
        if config.command.contains("/") {
            let path = config.command.hasPrefix("/") ? config.command : config.baseDirectory + "/" + config.command
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = config.arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [config.command] + config.arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(config.environment) { $1 }
        let info = ExecInfo(apiVersion: config.apiVersion, spec: .init(cluster: config.clusterInfo))
        environment["KUBERNETES_EXEC_INFO"] = (try? JSONEncoder().encode(info)).map { String(decoding: $0, as: UTF8.self) }
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            var detail = "cannot start the plugin"
            if let hint = config.installHint { detail += "; " + hint }
            throw KubeAPIError(code: .credentials, operation: operation, detail: detail)
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KubeAPIError(
                code: .credentials, operation: operation, detail: "the plugin exited with status \(process.terminationStatus)")
        }
        return Array(output)
    }
}
