import ClusterModel
import KubeAPI
import KubeTypes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClusterReconciler {
    /// Creates the generated Secrets that are missing (their passwords are drawn here, once, and
    /// never again), checks the user-named ones, and reads the credentials the probes need.
    func ensureSecrets(_ round: inout Round) async throws {
        let resolved = round.resolved
        let namespace = resolved.namespace
        let names = SecretBuilder.secretNames(resolved)
        var values: [String: [String: String]] = [:]
        let required: [(role: String, name: String, isUsers: Bool, username: String?)] = [
            ("superuser", names.superuser, resolved.userSecrets.superuser != nil, ClusterDefaults.superuserName),
            ("replication", names.replication, resolved.userSecrets.replication != nil, ClusterDefaults.replicationUserName),
            ("app", names.app, resolved.userSecrets.app != nil, nil),
        ]
        var missingGenerated: Set<String> = []
        for entry in required {
            let cached = caches.secrets.get(namespace: namespace, name: entry.name)
            let secret: Secret?
            if let cached {
                secret = cached
            } else {
                secret = try await client.getIfPresent(Secret.self, name: entry.name, namespace: namespace)
            }
            guard let secret else {
                if entry.isUsers {
                    round.specErrors.append(FieldError(field: "spec.secrets.\(entry.role)", message: "Secret \(entry.name) does not exist in namespace \(namespace)"))
                    round.waitsForSecret = true
                } else {
                    missingGenerated.insert(entry.name)
                }
                continue
            }
            let data = Self.decodedData(secret)
            values[entry.name] = data
            if entry.isUsers {
                if data["username"] == nil || data["password"] == nil {
                    round.specErrors.append(FieldError(field: "spec.secrets.\(entry.role)", message: "Secret \(entry.name) must have the keys username and password"))
                } else if let expected = entry.username, data["username"] != expected {
                    round.specErrors.append(FieldError(field: "spec.secrets.\(entry.role)", message: "Secret \(entry.name) must have username \(expected)"))
                }
            }
        }
        if !missingGenerated.isEmpty {
            for secret in SecretBuilder.build(resolved, passwords: .secure) where missingGenerated.contains(secret.metadata.name ?? "") {
                if try await createUnlessExists(secret, namespace: namespace) {
                    round.writes += 1
                    values[secret.metadata.name ?? ""] = secret.stringData ?? [:]
                    round.logger.info("created Secret", metadata: ["secret": "\(secret.metadata.name ?? "")"])
                } else {
                    // Made meanwhile (another reconcile, or the user): never overwritten; read it next round.
                    round.waitsForSecret = true
                }
            }
        }
        round.superuserPassword = values[names.superuser]?["password"]
        round.replicationUser = values[names.replication]?["username"] ?? ClusterDefaults.replicationUserName
    }

    /// Creates `object`; false when it already exists (it is then left as it is).
    func createUnlessExists<T: KubernetesResource>(_ object: T, namespace: String) async throws(KubeAPIError) -> Bool {
        do {
            _ = try await client.create(object, namespace: namespace)
            return true
        } catch {
            if error.code == .alreadyExists { return false }
            throw error
        }
    }

    /// Deletes an object; false when it was already gone.
    func deleteIfPresent<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String) async throws(KubeAPIError) -> Bool {
        do {
            try await client.delete(type, name: name, namespace: namespace)
            return true
        } catch {
            if error.code == .notFound { return false }
            throw error
        }
    }

    static func decodedData(_ secret: Secret) -> [String: String] {
        var result = secret.stringData ?? [:]
        for (key, encoded) in secret.data ?? [:] {
            if let bytes = Data(base64Encoded: encoded) {
                result[key] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return result
    }

    /// Applies the ConfigMap, the Services and the disruption budget when they differ from the cache.
    func applyOwnedObjects(_ round: inout Round) async throws {
        let resolved = round.resolved
        let namespace = resolved.namespace
        let names = resolved.names
        try await applyIfChanged(
            ConfigMapBuilder.build(resolved), live: caches.configMaps.get(namespace: namespace, name: names.configMap),
            comparedAs: CacheForm.configMap, &round)
        for service in [ServiceBuilder.headless(resolved), ServiceBuilder.readWrite(resolved), ServiceBuilder.readOnly(resolved)] {
            try await applyIfChanged(service, live: caches.services.get(namespace: namespace, name: service.metadata.name ?? ""), &round)
        }
        let liveBudget = caches.budgets.get(namespace: namespace, name: names.podDisruptionBudget)
        if let budget = PodDisruptionBudgetBuilder.build(resolved) {
            try await applyIfChanged(budget, live: liveBudget, &round)
        } else if liveBudget != nil {
            if try await deleteIfPresent(PodDisruptionBudget.self, name: names.podDisruptionBudget, namespace: namespace) {
                round.writes += 1
            }
        }
    }

    /// Server-side applies `desired` unless every field it sets already has that value in `live`
    /// (the cached form; `comparedAs` puts `desired` in the same form first).
    func applyIfChanged<T: KubernetesResource>(
        _ desired: T, live: T?, comparedAs form: (T) -> T = CacheForm.stripped, _ round: inout Round
    ) async throws {
        if let live, try Self.isSatisfied(form(desired), by: live) { return }
        _ = try await client.apply(desired, fieldManager: options.fieldManager, force: true)
        round.writes += 1
        round.logger.debug("applied", metadata: ["kind": "\(T.kind)", "name": "\(desired.metadata.name ?? "")"])
    }

    /// True when every field of `desired` has the same value in `live`.
    static func isSatisfied<T: KubernetesResource>(_ desired: T, by live: T) throws -> Bool {
        try JSONValue(encoding: desired).isSubset(of: JSONValue(encoding: live))
    }
}
