import ClusterModel
import KubeTypes
import PostgresTestSupport

extension PostgresTestCluster {
    /// The fixture's CA and server certificate as Ordinal keeps them (`<name>-ca`,
    /// `<name>-server`), so the operator finds them valid, issues nothing and verifies the
    /// servers with `verify-full`.
    func certificateSecrets(namespace: String) -> [Secret] {
        let labels = ClusterLabels.common(cluster: name)
        let names = ClusterNames(cluster: name, namespace: namespace)
        return [
            Secret(
                metadata: ObjectMeta(name: names.certificateAuthoritySecret, namespace: namespace, labels: labels), type: "kubernetes.io/tls",
                stringData: ["tls.crt": authority.certificatePEM, "tls.key": authority.privateKeyPEM, "ca.crt": authority.certificatePEM]),
            Secret(
                metadata: ObjectMeta(name: names.serverCertificateSecret, namespace: namespace, labels: labels), type: "kubernetes.io/tls",
                stringData: ["tls.crt": serverCertificate.certificatePEM, "tls.key": serverCertificate.privateKeyPEM,
                             "ca.crt": authority.certificatePEM]),
        ]
    }
}
