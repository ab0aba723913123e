import ClusterModel
import KubeTypes
import Testing

/// pgBackRest's identity (`<name>-backup-tls`): made while backups are on, whatever TLS for
/// clients says; made again when missing a name, not its own anchor, unusable or due; kept
/// otherwise; never looked at while backups are off.
@Suite("Planning the backup identity")
struct BackupIdentityPlanTests {
    static let now = CertificatePlanTests.now
    static let day = CertificatePlanTests.day
    static let names = ClusterNames(cluster: "orders", namespace: "shop")

    static func observation(tls: Bool = true, backup: Bool = true, identity: CertificateState?) -> ClusterObservation {
        var spec = PostgresClusterSpec(instances: 2, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.tls = TLSSpec(enabled: tls)
        if backup { spec.backup = BackupSpec(repository: BackupRepository(s3: S3Repository(endpoint: "s3.example.com", region: "eu-west-1", bucket: "backups", credentialsSecret: "s3-creds"))) }
        let cluster = PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1", generation: 1), spec: spec)
        var observation = ClusterObservation(cluster: cluster, now: now)
        observation.certificates = CertificateObservation(
            authority: tls ? .present(CertificatePlanTests.authority) : nil, server: tls ? CertificatePlanTests.server() : nil, backup: identity)
        return observation
    }

    static func identity(issued: Double = now - 10 * day, names: [String] = names.backupIdentityNames, selfSigned: Bool = true,
                         anchor: Bool = true) -> CertificateState {
        .present(CertificateSummary(notBefore: issued, notAfter: issued + 3650 * day, dnsNames: names, isAuthority: anchor,
                                    isSignedByAuthority: selfSigned))
    }

    static func issued(_ plan: ClusterPlan) -> [CertificateIssue] {
        plan.certificatesToIssue.filter { if case .backupIdentity = $0 { true } else { false } }
    }

    @Test("missing: made for every pod behind the headless Service (two wildcards), with TLS for clients on or off")
    func made() throws {
        for tls in [true, false] {
            let plan = ClusterPlanner.plan(Self.observation(tls: tls, identity: .missing))
            #expect(Self.issued(plan) == [.backupIdentity(secret: "orders-backup-tls", dnsNames: [
                "*.orders-headless.shop.svc.cluster.local", "*.orders-headless.shop.svc",
            ], replacing: false)])
            let status = try #require(plan.status.certificates?.backup)
            #expect(status.secretName == "orders-backup-tls" && status.issuedBy == "Ordinal")
            #expect(status.notAfter == KubeTime.format(Self.now + 3650 * Self.day))
            #expect(plan.events.contains { $0.reason == .certificateIssued && $0.message.contains("orders-backup-tls") })
            #expect(tls == (plan.status.certificates?.server != nil))
        }
    }

    @Test("valid: kept, status says when it is renewed; the server certificate's plan is unchanged by it")
    func kept() {
        let plan = ClusterPlanner.plan(Self.observation(identity: Self.identity()))
        #expect(plan.certificatesToIssue.isEmpty)
        #expect(plan.status.certificates?.backup?.renewAfter == KubeTime.format(Self.now - 10 * Self.day + 3650 * Self.day * 2 / 3))
    }

    @Test("made again (replacing) when a third is left, short of a name, not self-signed with its key, not an anchor, or unusable")
    func remade() {
        for state in [Self.identity(issued: Self.now - 2500 * Self.day), Self.identity(names: [Self.names.backupIdentityNames[0]]),
                      Self.identity(selfSigned: false), Self.identity(anchor: false), .unusable("it has no tls.key")] {
            let plan = ClusterPlanner.plan(Self.observation(identity: state))
            #expect(Self.issued(plan) == [.backupIdentity(secret: "orders-backup-tls", dnsNames: Self.names.backupIdentityNames, replacing: true)],
                    "\(state)")
        }
    }

    @Test("backups off: nothing issued and nothing said, even if the shell reported a state")
    func off() {
        let plan = ClusterPlanner.plan(Self.observation(backup: false, identity: .missing))
        #expect(Self.issued(plan).isEmpty && plan.status.certificates?.backup == nil)
    }
}
