/// The parts of a kubeconfig file (`~/.kube/config`) the client reads.
struct KubeconfigFile: Decodable {
    var clusters: [Named<Cluster>]?
    var users: [NamedUser]?
    var contexts: [NamedContext]?
    var currentContext: String?

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }

    struct Named<Value: Decodable>: Decodable {
        var name: String
        var cluster: Value
    }

    struct NamedUser: Decodable {
        var name: String
        var user: User?
    }

    struct NamedContext: Decodable {
        var name: String
        var context: Context
    }

    struct Cluster: Decodable {
        var server: String
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?

        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }

    struct User: Decodable {
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var token: String?
        var tokenFile: String?
        var exec: Exec?
        var authProvider: AuthProvider?

        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, exec
            case authProvider = "auth-provider"
        }
    }

    struct AuthProvider: Decodable {
        var name: String
    }

    struct Exec: Decodable {
        var command: String
        var args: [String]?
        var env: [EnvVar]?
        var apiVersion: String?
        var installHint: String?
        var provideClusterInfo: Bool?
    }

    struct EnvVar: Decodable {
        var name: String
        var value: String
    }

    struct Context: Decodable {
        var cluster: String
        var user: String?
        var namespace: String?
    }
}
