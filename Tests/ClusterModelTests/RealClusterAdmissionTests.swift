import ClusterModel
import KubeAPI
import KubeTypes
import Testing
@testable import OrdinalCLI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The kubeconfig of a real cluster for the admission suite, if any.
let admissionRealClusterKubeconfig: String? = {
    let path = ProcessInfo.processInfo.environment["ORDINAL_TEST_KUBECONFIG"] ?? ""
    if path.isEmpty {
        print("note: admission real-cluster tests SKIPPED: set ORDINAL_TEST_KUBECONFIG to a kubeconfig to run them")
        return nil
    }
    return path
}()

/// What a real API server says of Ordinal's CRD and of what Ordinal renders: the CRD applies
/// (server-side), every object `ordinal render` makes of the examples is admitted (dry run), and
/// every bad object or change in the README's "What admission refuses" is refused with the
/// message the CRD's rule carries. Works in a namespace of its own and deletes it at the end.
@Suite(
    "Admission on a real cluster",
    .enabled(if: admissionRealClusterKubeconfig != nil, "ORDINAL_TEST_KUBECONFIG is not set: real-cluster tests skipped"),
    .serialized)
struct RealClusterAdmissionTests {
    static let crds = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", kind: "CustomResourceDefinition",
        isNamespaced: false)
    static let clusters = ResourceType(PostgresCluster.self)

    @Test func theCRDAppliesAndTheExamplesAndEverythingRenderedFromThemAreAdmitted() async throws {
        try await withNamespace { client, namespace in
            for example in ["examples/minimal.yaml", "examples/production.yaml", "examples/backups.yaml"] {
                let documents = try YAMLDocuments.parse(try Repository.read(example), source: example)
                let clusters = try documents.map { document in
                    var cluster = try ClusterDocument.decode(document, defaultNamespace: namespace)
                    cluster.metadata.namespace = namespace  // the examples' own namespaces need not exist here
                    return cluster
                }
                for cluster in clusters {
                    let object = try JSONValue(encoding: cluster)
                    _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests", dryRun: true)
                }
                let objects = try ClusterRenderer.objects(for: clusters, passwords: .secure)
                #expect(objects.count >= 8, "\(example)")
                for object in objects {
                    let resource = try #require(Self.resource(of: object), "no resource for \(object["kind"] ?? .null)")
                    do {
                        _ = try await client.applyRaw(resource, object: object, fieldManager: "ordinal", dryRun: true)
                    } catch {
                        Issue.record("\(example): \(resource) \(object["metadata"]?["name"]?.stringValue ?? ""): \(error)")
                    }
                }
            }
        }
    }

    /// A cluster with `spec.backup` (every field) is admitted and stored as written; the StatefulSet
    /// with the `pgbackrest` sidecar and the identity volume, the ConfigMap with both pgBackRest
    /// files, and the Jobs the operator makes are admitted as they are.
    @Test func theObjectsOfAClusterWithBackupsAreAdmitted() async throws {
        try await withNamespace { client, namespace in
            var cluster = PostgresCluster(
                metadata: ObjectMeta(name: "ledger", namespace: namespace),
                spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi")))
            var repository = S3Repository(endpoint: "s3.eu-west-1.amazonaws.com", region: "eu-west-1", bucket: "ledger", credentialsSecret: "ledger-s3")
            repository.caSecret = "ledger-s3-ca"
            repository.path = "/ledger/main"
            repository.uriStyle = "path"
            repository.verifyTLS = true
            cluster.spec.backup = BackupSpec(
                repository: BackupRepository(s3: repository), retention: BackupRetention(full: 3),
                schedule: BackupSchedule(full: "0 1 * * 0", differential: "30 */4 * * 1-6"), fromReplica: true)
            let stored = try await client.applyRaw(Self.clusters, object: try JSONValue(encoding: cluster), fieldManager: "ordinal-tests", dryRun: true)
            #expect(try stored["spec"]?["backup"]?.decode(as: BackupSpec.self) == cluster.spec.backup, "kept as written, nothing pruned")
            let objects = try ClusterRenderer.objects(for: [cluster], passwords: .secure)
            let kinds = objects.compactMap { $0["kind"]?.stringValue }
            #expect(kinds.contains("StatefulSet") && kinds.contains("ConfigMap"))
            for object in objects {
                let resource = try #require(Self.resource(of: object), "no resource for \(object["kind"] ?? .null)")
                do {
                    let admitted = try await client.applyRaw(resource, object: object, fieldManager: "ordinal", dryRun: true)
                    if resource.kind == "StatefulSet" {
                        let containers = admitted["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
                        #expect(containers.compactMap { $0["name"]?.stringValue } == ["postgres", "pgbackrest"])
                    }
                } catch {
                    Issue.record("backup cluster: \(resource) \(object["metadata"]?["name"]?.stringValue ?? ""): \(error)")
                }
            }
            // The Jobs the operator makes for it: the stanza's and a requested backup.
            cluster.metadata.uid = "3d5b7a52-6a4e-4c0e-9f0e-2f1a8f6b2c11"
            let resolved = ResolvedCluster(cluster)
            let fingerprint = try #require(resolved.backup).repositoryFingerprint
            for creation in [
                BackupJobCreation(name: resolved.names.backupJob(kind: "init", id: ClusterNames.minuteID(0)), action: .stanzaCreate,
                                  trigger: .repository, repository: fingerprint),
                BackupJobCreation(name: resolved.names.backupJob(kind: "req", id: "a1b2c3"), action: .backup(.full),
                                  trigger: .request, repository: fingerprint),
            ] {
                let job = try JSONValue(encoding: BackupJobBuilder.build(resolved, creation))
                do {
                    let admitted = try await client.applyRaw(ResourceType(Job.self), object: job, fieldManager: "ordinal", dryRun: true)
                    // The API server adds its own selector and labels; the template keeps Ordinal's.
                    #expect(admitted["spec"]?["selector"] != nil)
                    #expect(admitted["spec"]?["template"]?["metadata"]?["labels"]?[BackupJobBuilder.jobLabel]?.stringValue == creation.name)
                    #expect(admitted["spec"]?["backoffLimit"] == .int(0))
                } catch {
                    Issue.record("backup Job \(creation.name): \(error)")
                }
            }
        }
    }

    @Test func admissionRefusesEveryBadObjectWithTheRulesMessage() async throws {
        try await withNamespace { client, namespace in
            let cases: [(String, (inout JSONValue) -> Void, String)] = [
                ("name too long", { $0.set(["metadata", "name"], .string(String(repeating: "a", count: 53))) },
                 "metadata.name must be at most 52 characters"),
                ("name not DNS-1035", { $0.set(["metadata", "name"], "9orders") }, "metadata.name must start with a lowercase letter"),
                ("managed parameter", { $0.set(["spec", "postgresql", "parameters"], ["port": "5433"]) },
                 "these parameters are managed by Ordinal"),
                ("parameter name", { $0.set(["spec", "postgresql", "parameters"], ["Work-Mem": "4MB"]) },
                 "parameter names are lowercase PostgreSQL setting names"),
                ("newline in a value", { $0.set(["spec", "postgresql", "parameters"], ["work_mem": "4MB\nport = 1"]) },
                 "parameter values cannot contain a newline"),
                ("reserved database", { $0.set(["spec", "bootstrap", "database"], "postgres") },
                 "bootstrap.database cannot be a built-in database"),
                ("reserved role", { $0.set(["spec", "bootstrap", "owner"], "streaming_replica") },
                 "bootstrap.owner cannot be a role Ordinal owns"),
                ("old major", { $0.set(["spec", "postgresVersion"], "12.9") }, "postgresVersion must be 13 or newer"),
                ("maxUnavailable 0", { $0.set(["spec", "podDisruptionBudget", "maxUnavailable"], 0) },
                 "spec.podDisruptionBudget.maxUnavailable"),
                ("too many instances", { $0.set(["spec", "instances"], 17) }, "spec.instances"),
                ("wrong type", { $0.set(["spec", "postgresVersion"], 16) }, "spec.postgresVersion"),
                ("unknown field", { $0.set(["spec", "replicas"], 3) }, "replicas"),
                ("CA Secret alone", { $0.set(["spec", "tls"], ["caSecretName": "my-ca"]) },
                 "tls.caSecretName needs tls.serverSecretName"),
                ("certificate with TLS off", { $0.set(["spec", "tls"], ["enabled": false, "serverSecretName": "mine"]) },
                 "tls.serverSecretName and tls.caSecretName need tls.enabled"),
                ("backup without a bucket", { $0.set(["spec", "backup"], ["repository": [:]]) }, "backup.repository needs s3"),
                ("backup to a volume", { $0.set(["spec", "backup"], ["repository": ["volume": ["size": "10Gi"]]]) }, "volume"),
                ("bad cron", { $0.set(["spec", "backup"], ["repository": Self.bucket, "schedule": ["full": "0 25 * * *"]]) },
                 "backup.schedule.full and .differential are five-field cron expressions"),
                ("four cron fields", { $0.set(["spec", "backup"], ["repository": Self.bucket, "schedule": ["differential": "0 1 * *"]]) },
                 "backup.schedule.full and .differential are five-field cron expressions"),
                ("archive_command with backup", {
                    $0.set(["spec", "backup"], ["repository": Self.bucket])
                    $0.set(["spec", "postgresql", "parameters"], ["archive_command": "cp %p /mnt/%f"])
                 }, "with backup set, Ordinal sets archive_mode"),
                ("bucket name", { $0.set(["spec", "backup"], ["repository": ["s3": ["endpoint": "s3.example.com", "region": "eu-west-1", "bucket": "Orders_Backups", "credentialsSecret": "orders-s3"]]]) },
                 "spec.backup.repository.s3.bucket"),
                ("retention 0", { $0.set(["spec", "backup"], ["repository": Self.bucket, "retention": ["full": 0]]) }, "spec.backup.retention.full"),
            ]
            for (what, change, expected) in cases {
                var object = Self.cluster(namespace: namespace)
                change(&object)
                let refusal = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests", dryRun: true) }
                #expect(refusal?.contains(expected) == true, "\(what): \(refusal ?? "admitted")")
            }
        }
    }

    @Test func admissionRefusesEveryForbiddenChangeOfAStoredCluster() async throws {
        try await withNamespace { client, namespace in
            var base = Self.cluster(namespace: namespace)
            base.set(["spec", "storage", "storageClassName"], "standard")
            base.set(["spec", "bootstrap", "database"], "shop")
            base.set(["spec", "secrets", "app"], "shop-app")
            _ = try await client.applyRaw(Self.clusters, object: base, fieldManager: "ordinal-tests")

            let changes: [(String, (inout JSONValue) -> Void, String)] = [
                ("major version", { $0.set(["spec", "postgresVersion"], "17.0") }, "postgresVersion cannot change major version in place"),
                ("shrink", { $0.set(["spec", "storage", "size"], "512Mi") }, "storage.size cannot shrink"),
                ("storage class", { $0.set(["spec", "storage", "storageClassName"], "fast") }, "storage.storageClassName cannot change"),
                ("bootstrap", { $0.set(["spec", "bootstrap", "database"], "shop2") }, "bootstrap cannot change after creation"),
                ("named Secret", { $0.set(["spec", "secrets", "app"], "other-app") }, "secrets.app cannot change"),
            ]
            for (what, change, expected) in changes {
                var object = base
                change(&object)
                let refusal = await Self.refusal { _ = try await client.applyRaw(Self.clusters, object: object, fieldManager: "ordinal-tests") }
                #expect(refusal?.contains(expected) == true, "\(what): \(refusal ?? "admitted")")
            }
            // Allowed changes still go through: a minor upgrade and a larger volume.
            var allowed = base
            allowed.set(["spec", "postgresVersion"], "16.5")
            allowed.set(["spec", "storage", "size"], "2Gi")
            let stored = try await client.applyRaw(Self.clusters, object: allowed, fieldManager: "ordinal-tests")
            #expect(stored["spec"]?["postgresVersion"]?.stringValue == "16.5")
        }
    }

    // MARK: - Support

    /// A valid `spec.backup.repository`.
    static let bucket: JSONValue = ["s3": ["endpoint": "s3.example.com", "region": "eu-west-1", "bucket": "orders-backups", "credentialsSecret": "orders-s3"]]

    static func cluster(namespace: String) -> JSONValue {
        [
            "apiVersion": .string(PostgresCluster.apiVersion), "kind": "PostgresCluster",
            "metadata": ["name": "orders", "namespace": .string(namespace)],
            "spec": ["instances": 1, "postgresVersion": "16.4", "storage": ["size": "1Gi"]],
        ]
    }

    /// The collection an object rendered by Ordinal belongs to.
    static func resource(of object: JSONValue) -> ResourceType? {
        switch object["kind"]?.stringValue {
        case "Secret": return ResourceType(Secret.self)
        case "ConfigMap": return ResourceType(ConfigMap.self)
        case "Service": return ResourceType(Service.self)
        case "StatefulSet": return ResourceType(StatefulSet.self)
        case "PodDisruptionBudget": return ResourceType(PodDisruptionBudget.self)
        case "NetworkPolicy": return ResourceType(NetworkPolicy.self)
        case "PostgresCluster": return clusters
        default: return nil
        }
    }

    /// The server's message when `body` is refused, nil when it succeeds.
    static func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as KubeAPIError {
            return error.status?.message ?? "\(error)"
        } catch {
            return "\(error)"
        }
    }

    /// Installs the CRD (server-side apply, as `kubectl apply --server-side -f crds/`), waits until
    /// it is served, and runs `body` in a fresh namespace.
    func withNamespace(_ body: (KubeClient, String) async throws -> Void) async throws {
        let path = try #require(admissionRealClusterKubeconfig)
        let client = KubeClient(config: try KubeConfig.fromKubeconfig(path: path))
        let crd = try YAMLDocuments.parse(try Repository.read("crds/postgresclusters.ordinal.dev.yaml"), source: "crds/")
        #expect(crd.count == 1)
        for object in crd {
            _ = try await client.applyRaw(Self.crds, object: object, fieldManager: "ordinal-tests", force: true)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let stored = try await client.getRaw(Self.crds, name: "postgresclusters.ordinal.dev")
            let established = stored["status"]?["conditions"]?.arrayValue?.contains {
                $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
            }
            if established == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let namespace = "ordinal-admission-test-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: namespace)))
        do {
            try await body(client, namespace)
        } catch {
            try? await client.delete(Namespace.self, name: namespace)
            throw error
        }
        try await client.delete(Namespace.self, name: namespace)
    }
}

extension JSONValue {
    /// Sets the member at `path`, making the objects on the way.
    mutating func set(_ path: [String], _ value: JSONValue) {
        guard let first = path.first else {
            self = value
            return
        }
        var members = objectValue ?? [:]
        var child = members[first] ?? .object([:])
        child.set(Array(path.dropFirst()), value)
        members[first] = child
        self = .object(members)
    }
}
