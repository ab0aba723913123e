import ClusterModel
import Foundation
import KubeTypes
import Testing

@Suite("Builders")
struct BuilderTests {
    let cluster: ResolvedCluster

    init() throws {
        cluster = try resolved(manifest(name: "orders"))
    }

    @Test func everyObjectCarriesTheConventionLabelsAndOwner() throws {
        let state = DesiredState(cluster, passwords: .deterministic(seed: 1))
        let expectedLabels = [
            "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": "orders",
            "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "ordinal",
            "ordinal.dev/cluster": "orders",
        ]
        let objects = state.applyOrder
        #expect(objects.count == 11)
        for object in objects {
            #expect(object.metadata.labels == expectedLabels, "\(type(of: object)) \(object.metadata.name ?? "")")
            #expect(object.metadata.namespace == "default")
            if !(object is Secret) {
                let owner = try #require(object.metadata.ownerReferences?.first)
                #expect(owner.kind == "PostgresCluster" && owner.name == "orders" && owner.controller == true)
                #expect(owner.apiVersion == "ordinal.dev/v1alpha1")
            }
        }
        let names = objects.map { $0.metadata.name ?? "" }
        #expect(names == [
            "orders-superuser", "orders-replication", "orders-app", "orders-monitor", ConfigMapBuilder.revisionName(cluster), "orders-config",
            "orders-headless", "orders", "orders-rw", "orders-ro", "orders",
        ])
    }

    @Test func secretsOutliveTheClusterWhenVolumesAreRetained() throws {
        let retained = SecretBuilder.build(cluster, passwords: .deterministic(seed: 1))
        #expect(retained.allSatisfy { $0.metadata.ownerReferences == nil })
        let deleting = try resolved(manifest(spec: "pvcRetention:\n  whenDeleted: Delete"))
        let owned = SecretBuilder.build(deleting, passwords: .deterministic(seed: 1))
        #expect(owned.allSatisfy { $0.metadata.ownerReferences?.count == 1 })
    }

    @Test func secretsHaveTheConventionKeys() throws {
        let secrets = SecretBuilder.build(cluster, passwords: .deterministic(seed: 7))
        let byName = Dictionary(uniqueKeysWithValues: secrets.map { ($0.metadata.name ?? "", $0) })
        let app = try #require(byName["orders-app"]?.stringData)
        #expect(Set(app.keys) == ["username", "password", "dbname", "host", "port", "uri", "jdbc-uri", "pgpass"])
        #expect(app["host"] == "orders-rw")
        #expect(app["port"] == "5432")
        let password = try #require(app["password"])
        #expect(app["uri"] == "postgresql://app:\(password)@orders-rw.default:5432/app?sslmode=verify-full&sslrootcert=/etc/ordinal/app/ca.crt")
        #expect(app["jdbc-uri"]?.hasSuffix("&sslmode=verify-full&sslrootcert=/etc/ordinal/app/ca.crt") == true)
        // With the CA known it is in the Secret; without TLS the URIs ask for nothing.
        let withCA = SecretBuilder.appData(cluster, password: "p", authorityPEM: "PEM")
        #expect(withCA["ca.crt"] == "PEM")
        var plain = cluster
        plain.tlsEnabled = false
        let clear = SecretBuilder.appData(plain, password: "p", authorityPEM: "PEM")
        #expect(clear["uri"] == "postgresql://app:p@orders-rw.default:5432/app" && clear["ca.crt"] == nil)
        #expect(byName["orders-superuser"]?.stringData?["username"] == "postgres")
        #expect(byName["orders-replication"]?.stringData?["username"] == "streaming_replica")
        #expect(byName["orders-monitor"]?.stringData?["username"] == "ordinal_monitor")
        #expect(secrets.allSatisfy { $0.type == "kubernetes.io/basic-auth" })
    }

    @Test func userNamedSecretsAreNotBuiltButMounted() throws {
        let custom = try resolved(manifest(spec: "secrets:\n  superuser: my-admin\n  app: my-app"))
        let names = SecretBuilder.build(custom, passwords: .secure).compactMap(\.metadata.name)
        #expect(names == ["orders-replication", "orders-monitor"], "the monitoring role's Secret is always Ordinal's")
        let volumes = try #require(StatefulSetBuilder.build(custom).spec?.template.spec?.volumes)
        let secretNames = volumes.compactMap { $0.secret?.secretName }
        #expect(secretNames == ["my-admin", "orders-replication", "my-app", "orders-server"], "the server certificate with TLS on")
    }

    @Test func passwordsAreLongRandomAndURISafe() {
        let generator = PasswordGenerator.secure
        let drawn = (0..<50).map { _ in generator.next() }
        #expect(Set(drawn).count == 50)
        for password in drawn {
            #expect(password.count >= 32)
            #expect(password.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        }
    }

    @Test func statefulSetHasWhatProductionNeeds() throws {
        let set = StatefulSetBuilder.build(cluster, partition: 2)
        let spec = try #require(set.spec)
        #expect(spec.serviceName == "orders-headless")
        #expect(spec.podManagementPolicy == "OrderedReady")
        #expect(spec.replicas == 3)
        #expect(spec.updateStrategy?.type == "RollingUpdate")
        #expect(spec.updateStrategy?.rollingUpdate?.partition == 2)
        #expect(spec.volumeClaimTemplates?.map(\.metadata.name) == ["data"])
        #expect(spec.volumeClaimTemplates?.first?.spec?.resources?.requests?["storage"] == "10Gi")
        #expect(spec.persistentVolumeClaimRetentionPolicy == PersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Retain"))
        let pod = try #require(spec.template.spec)
        #expect((pod.terminationGracePeriodSeconds ?? 0) >= 60)
        #expect(pod.securityContext?.runAsNonRoot == true)
        #expect(pod.securityContext?.seccompProfile?.type == "RuntimeDefault")
        #expect(pod.automountServiceAccountToken == false)
        let postgres = try #require(pod.containers.first)
        let env = Dictionary(uniqueKeysWithValues: (postgres.env ?? []).compactMap { variable in variable.value.map { (variable.name, $0) } })
        #expect(env["PGDATA"] == "/var/lib/postgresql/data/pgdata")
        #expect(env["ORDINAL_PRIMARY_HOST"] == "orders-0.orders-headless.default.svc.cluster.local")
        #expect(postgres.volumeMounts?.contains { $0.name == "data" && $0.mountPath == "/var/lib/postgresql/data" } == true)
        #expect(env["PGDATA"]?.hasPrefix("/var/lib/postgresql/data/") == true)
        for container in pod.containers + (pod.initContainers ?? []) {
            let context = try #require(container.securityContext)
            #expect(context.allowPrivilegeEscalation == false)
            #expect(context.capabilities?.drop == ["ALL"])
            #expect(context.runAsNonRoot == true)
            #expect(context.seccompProfile?.type == "RuntimeDefault")
        }
        // Probes ask PostgreSQL itself, not an open port.
        #expect(postgres.readinessProbe?.exec?.command.first == "psql")
        #expect(postgres.readinessProbe?.exec?.command.contains("SELECT 1") == true)
        #expect(postgres.livenessProbe?.exec?.command.last?.hasPrefix("pg_isready") == true)
        #expect(postgres.livenessProbe?.exec?.command.last?.hasSuffix("test $? -le 1") == true)
        // No password travels in the environment.
        #expect(!(postgres.env ?? []).contains { $0.valueFrom?.secretKeyRef != nil })
        let initContainer = try #require(pod.initContainers?.first)
        #expect(initContainer.command == ["bash", "/etc/ordinal/config/bootstrap-replica.sh"])
    }

    @Test("anti-affinity follows the preset", arguments: [("soft", 0, 1), ("hard", 1, 0), ("none", 0, 0)])
    func antiAffinityFollowsPreset(preset: String, required: Int, preferred: Int) throws {
        let custom = try resolved(manifest(spec: "scheduling:\n  antiAffinity: \(preset)\n  topologyKey: topology.kubernetes.io/zone"))
        let affinity = StatefulSetBuilder.build(custom).spec?.template.spec?.affinity?.podAntiAffinity
        #expect((affinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).count == required)
        #expect((affinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).count == preferred)
        let key = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.first?.topologyKey
            ?? affinity?.preferredDuringSchedulingIgnoredDuringExecution?.first?.podAffinityTerm.topologyKey
        if preset != "none" { #expect(key == "topology.kubernetes.io/zone") }
    }

    @Test func servicesRouteByRole() {
        #expect(ServiceBuilder.readWrite(cluster).spec?.selector?["ordinal.dev/role"] == "primary")
        #expect(ServiceBuilder.readOnly(cluster).spec?.selector?["ordinal.dev/role"] == "replica")
        let headless = ServiceBuilder.headless(cluster).spec
        #expect(headless?.clusterIP == "None")
        #expect(headless?.publishNotReadyAddresses == true)
        #expect(headless?.selector?["ordinal.dev/role"] == nil)
    }

    @Test func singleInstanceBudgetNeverBlocksADrain() throws {
        let single = try resolved(manifest(instances: "1"))
        let budget = try #require(PodDisruptionBudgetBuilder.build(single))
        #expect(budget.spec?.maxUnavailable == .int(1))
        #expect(budget.spec?.minAvailable == nil)
        let disabled = try resolved(manifest(spec: "podDisruptionBudget:\n  enabled: false"))
        #expect(PodDisruptionBudgetBuilder.build(disabled) == nil)
    }

    @Test func reloadableParametersGoToTheReloadFileAndRestartBoundOnesRollThePods() throws {
        let tuned = try resolved(manifest(spec: "postgresql:\n  parameters:\n    work_mem: \"64MB\"\n    search_path: \"'$user', public\""))
        let data = try #require(ConfigMapBuilder.build(tuned).data)
        let conf = try #require(data["postgresql.conf"])
        let reload = try #require(data["reload.conf"])
        // Before any server answered, the built-in list says work_mem and search_path reload.
        #expect(reload.contains("work_mem = '64MB'\n"))
        #expect(reload.contains("search_path = '''$user'', public'\n"))
        #expect(!conf.contains("work_mem"))
        #expect(conf.contains("password_encryption = 'scram-sha-256'\n"))
        #expect(conf.hasSuffix("include_if_exists 'reload.conf'\n"), "the reload file is read at every reload")
        func hash(_ cluster: ResolvedCluster, _ contexts: [String: String] = [:]) -> String? {
            StatefulSetBuilder.build(cluster, contexts: contexts).spec?.template.metadata?.annotations?["ordinal.dev/config-hash"]
        }
        #expect(hash(cluster) != nil && hash(cluster) == hash(tuned), "a reload-only change makes no new revision")

        // What PostgreSQL reports wins: work_mem reported as needing a restart rolls the pods.
        #expect(hash(tuned, ["work_mem": "postmaster"]) != hash(cluster))
        #expect(ConfigMapBuilder.build(tuned, contexts: ["work_mem": "postmaster"]).data?["postgresql.conf"]?.contains("work_mem = '64MB'\n") == true)

        // A restart-bound setting, and a name nothing knows (an extension's), roll the pods.
        let buffers = try resolved(manifest(spec: "postgresql:\n  parameters:\n    shared_buffers: \"256MB\""))
        #expect(hash(buffers) != hash(cluster))
        #expect(ConfigMapBuilder.build(buffers).data?["postgresql.conf"]?.contains("shared_buffers = '256MB'\n") == true)
        let unknown = try resolved(manifest(spec: "postgresql:\n  parameters:\n    pg_stat_statements.track: \"all\""))
        #expect(hash(unknown) != hash(cluster))
        #expect(hash(unknown, ["pg_stat_statements.track": "superuser"]) == hash(cluster))
    }

    @Test func hbaAllowsReplicationForTheReplicationUserOnlyWithScram() {
        let lines = PostgresConfigFiles.hbaConf().split(separator: "\n").filter { !$0.hasPrefix("#") }
        let replication = lines.filter { $0.contains("replication") }
        #expect(replication.count == 2)
        #expect(replication.allSatisfy { $0.contains("streaming_replica") && $0.hasSuffix("scram-sha-256") })
        #expect(lines.filter { $0.hasPrefix("host") }.allSatisfy { $0.hasSuffix("scram-sha-256") })
        #expect(!PostgresConfigFiles.hbaConf().contains("trust"))
    }

    @Test func renderWithoutUIDOmitsOwnerReferences() throws {
        let anonymous = ResolvedCluster(try ClusterModelTests.cluster(fromYAML: manifest()))
        #expect(DesiredState(anonymous, passwords: .secure).applyOrder.allSatisfy { $0.metadata.ownerReferences == nil })
    }
}
