import ClusterModel
import KubeTypes
import Testing

/// Which certificates Ordinal issues, and what status says: the CA made once and never
/// replaced, the server certificate issued, re-issued and renewed, the user's used as it is.
@Suite("Planning certificates")
struct CertificatePlanTests {
    static let now = 2_000_000_000.0
    static let day = 86_400.0

    static func observation(tls: TLSSpec? = nil, authority: CertificateState?, server: CertificateState?,
                            previous: CertificatesStatus? = nil) -> ClusterObservation {
        var spec = PostgresClusterSpec(instances: 2, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.tls = tls
        var status = PostgresClusterStatus()
        status.certificates = previous
        let cluster = PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1", generation: 1), spec: spec, status: status)
        var observation = ClusterObservation(cluster: cluster, now: now)
        observation.certificates = CertificateObservation(authority: authority, server: server)
        return observation
    }

    static let names = ClusterNames(cluster: "orders", namespace: "shop")
    static let authority = CertificateSummary(notBefore: now - 100 * day, notAfter: now + 3000 * day, dnsNames: [], isAuthority: true, isSignedByAuthority: false)
    static func server(issued: Double = now - 10 * day, days: Double = 90, names: [String] = names.serverCertificateNames,
                       signed: Bool = true) -> CertificateState {
        .present(CertificateSummary(notBefore: issued, notAfter: issued + days * day, dnsNames: names, isAuthority: false, isSignedByAuthority: signed))
    }

    static func servers(_ plan: ClusterPlan) -> [Bool] {
        plan.certificatesToIssue.compactMap { if case .server(_, _, _, let replacing) = $0 { replacing } else { nil } }
    }

    @Test("a new cluster: its CA, then a server certificate from it for every name, in one round")
    func aNewClusterGetsBoth() throws {
        let plan = ClusterPlanner.plan(Self.observation(authority: .missing, server: .missing))
        #expect(plan.certificatesToIssue == [
            .authority(secret: "orders-ca", commonName: "Ordinal CA for shop/orders"),
            .server(secret: "orders-server", authoritySecret: "orders-ca", dnsNames: Self.names.serverCertificateNames, replacing: false),
        ])
        #expect(plan.events.filter { $0.reason == .certificateIssued }.count == 2)
        let status = try #require(plan.status.certificates)
        #expect(status.authority?.secretName == "orders-ca" && status.authority?.issuedBy == "Ordinal")
        #expect(status.server?.notAfter == KubeTime.format(Self.now + 90 * Self.day))
        #expect(status.server?.renewAfter == KubeTime.format(Self.now + 60 * Self.day - 20))
    }

    @Test("a valid certificate from the CA covering every name: nothing issued; status says when it is renewed")
    func aValidOneStays() {
        let plan = ClusterPlanner.plan(Self.observation(authority: .present(Self.authority), server: Self.server()))
        #expect(plan.certificatesToIssue.isEmpty)
        #expect(plan.status.certificates?.server?.renewAfter == KubeTime.format(Self.now - 10 * Self.day + 60 * Self.day))
        #expect(plan.status.certificates?.server?.problem == nil && plan.status.certificates?.authority?.problem == nil)
    }

    @Test("re-issued when a third of its validity is left, not signed by the CA (or its key does not match), or missing a name")
    func reissued() {
        for server in [Self.server(issued: Self.now - 61 * Self.day), Self.server(signed: false),
                       Self.server(names: Array(Self.names.serverCertificateNames.dropLast())), .unusable("it has no tls.key")] {
            let plan = ClusterPlanner.plan(Self.observation(authority: .present(Self.authority), server: server))
            #expect(Self.servers(plan) == [true], "\(server)")
            #expect(!plan.certificatesToIssue.contains { if case .authority = $0 { true } else { false } })
        }
    }

    @Test("an existing CA is never replaced: unusable, expired or not a CA, status says what to do, once as a Warning")
    func theCAIsNeverReplaced() throws {
        let expired = CertificateSummary(notBefore: Self.now - 4000 * Self.day, notAfter: Self.now - Self.day, dnsNames: [], isAuthority: true, isSignedByAuthority: false)
        let notACA = CertificateSummary(notBefore: Self.now - Self.day, notAfter: Self.now + Self.day, dnsNames: [], isAuthority: false, isSignedByAuthority: false)
        for authority in [CertificateState.unusable("its tls.key is missing or is not the CA certificate's key"), .present(expired), .present(notACA)] {
            let plan = ClusterPlanner.plan(Self.observation(authority: authority, server: Self.server()))
            #expect(plan.certificatesToIssue.isEmpty, "\(authority)")
            let problem = try #require(plan.status.certificates?.authority?.problem)
            #expect(problem.contains("delete the Secret to have a new one made"))
            #expect(plan.events.contains { $0.reason == .certificateProblem && $0.kind == .warning })
            let again = ClusterPlanner.plan(Self.observation(authority: authority, server: Self.server(), previous: plan.status.certificates))
            #expect(!again.events.contains { $0.reason == .certificateProblem }, "a Warning once, not every round")
        }
    }

    @Test("the user's certificate is used as it is: missing, expired, from another CA or not covering a pod is reported, nothing issued")
    func theUsersIsUsedAsItIs() {
        let tls = TLSSpec(serverSecretName: "orders-cert")
        let podsWildcard = ["*.orders-headless.shop.svc.cluster.local"]
        let cases: [(CertificateState, CertificateState, String?)] = [
            (.present(Self.authority), .missing, "Secret not found"),
            (.present(Self.authority), Self.server(issued: Self.now - 91 * Self.day), "expired at"),
            (.present(Self.authority), Self.server(names: podsWildcard, signed: false), "not signed by the CA in Secret orders-cert"),
            (.present(Self.authority), Self.server(names: ["orders-0.orders-headless.shop.svc.cluster.local"]), "does not cover orders-1.orders-headless.shop.svc.cluster.local"),
            (.present(Self.authority), Self.server(names: podsWildcard), nil),
        ]
        for (authority, server, problem) in cases {
            let plan = ClusterPlanner.plan(Self.observation(tls: tls, authority: authority, server: server))
            #expect(plan.certificatesToIssue.isEmpty)
            #expect(plan.status.certificates?.server?.issuedBy == "User")
            if let problem {
                #expect(plan.status.certificates?.server?.problem?.contains(problem) == true, "\(String(describing: plan.status.certificates?.server?.problem))")
            } else {
                #expect(plan.status.certificates?.server?.problem == nil)
            }
        }
        let noCA = ClusterPlanner.plan(Self.observation(tls: tls, authority: .missing, server: Self.server(names: podsWildcard)))
        #expect(noCA.status.certificates?.authority?.problem?.contains("has no ca.crt") == true)
    }

    @Test("TLS off: nothing issued, nothing in status")
    func off() {
        let plan = ClusterPlanner.plan(Self.observation(tls: TLSSpec(enabled: false), authority: .missing, server: .missing))
        #expect(plan.certificatesToIssue.isEmpty && plan.status.certificates == nil)
    }

    @Test("admission: a CA Secret needs a server Secret, and certificate Secrets need TLS on")
    func rules() {
        var spec = PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.tls = TLSSpec(caSecretName: "my-ca")
        let cluster = PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop"), spec: spec)
        #expect(SpecValidator.errors(in: cluster).contains { $0.description.contains("tls.caSecretName needs tls.serverSecretName") })
        spec.tls = TLSSpec(enabled: false, serverSecretName: "mine")
        #expect(SpecValidator.errors(in: PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop"), spec: spec))
            .contains { $0.description.contains("need tls.enabled") })
        spec.tls = TLSSpec(serverSecretName: "mine", caSecretName: "my-ca")
        #expect(SpecValidator.errors(in: PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop"), spec: spec)).isEmpty)
    }
}
