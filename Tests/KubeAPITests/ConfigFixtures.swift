import Foundation
import KubeTestServer

/// One set of throwaway certificates for the whole suite (made with the openssl tool).
let sharedCertificates: TestCertificates? = try? TestCertificates.generate()

/// A fresh temporary directory.
func makeTemporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("kube-api-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func base64(ofFile path: String) throws -> String {
    try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
}

/// A kubeconfig shaped like the one `kind create cluster` writes: inline CA and client certificate.
func kindKubeconfig(server: String, certificates: TestCertificates) throws -> String {
    """
    apiVersion: v1
    clusters:
    - cluster:
        certificate-authority-data: \(try base64(ofFile: certificates.caCertificatePath))
        server: \(server)
      name: kind-ordinal
    contexts:
    - context:
        cluster: kind-ordinal
        user: kind-ordinal
      name: kind-ordinal
    current-context: kind-ordinal
    kind: Config
    preferences: {}
    users:
    - name: kind-ordinal
      user:
        client-certificate-data: \(try base64(ofFile: certificates.clientCertificatePath))
        client-key-data: \(try base64(ofFile: certificates.clientKeyPath))
    """
}

/// A kubeconfig shaped like a managed cloud's (GKE/EKS): inline CA and an exec credential plugin.
func managedKubeconfig(server: String, caData: String?, command: String, namespace: String = "prod") -> String {
    """
    apiVersion: v1
    kind: Config
    clusters:
    - name: gke_project_europe-west1_prod
      cluster:
        server: \(server)
    \(caData.map { "    certificate-authority-data: \($0)" } ?? "")
    contexts:
    - name: gke_project_europe-west1_prod
      context:
        cluster: gke_project_europe-west1_prod
        user: gke_project_europe-west1_prod
        namespace: \(namespace)
    current-context: gke_project_europe-west1_prod
    users:
    - name: gke_project_europe-west1_prod
      user:
        exec:
          apiVersion: client.authentication.k8s.io/v1beta1
          command: \(command)
          args: ["--cluster", "prod"]
          env:
          - name: PLUGIN_MODE
            value: test
          installHint: Install the test plugin.
          provideClusterInfo: true
          interactiveMode: Never
    """
}

/// Writes an exec plugin script that prints an ExecCredential with token
/// `tok-N` (N counts invocations, in `counter`), expiring `lifetime` seconds from now.
func writeExecPlugin(in directory: String, lifetime: Int) throws -> String {
    let path = directory + "/credential-plugin.sh"
    let script = """
        #!/bin/sh
        counter="\(directory)/invocations"
        n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "$counter"
        [ "$PLUGIN_MODE" = "test" ] || exit 3
        [ -n "$KUBERNETES_EXEC_INFO" ] || exit 4
        case "$KUBERNETES_EXEC_INFO" in *'"server":"http'*) ;; *) exit 5 ;; esac
        expiry=$(date -u -d "+\(lifetime) seconds" +%Y-%m-%dT%H:%M:%SZ)
        printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"tok-%s","expirationTimestamp":"%s"}}\\n' "$n" "$expiry"
        """
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
}

func invocations(in directory: String) -> Int {
    (try? String(contentsOfFile: directory + "/invocations", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
}
