import ClusterModel
import KubeAPI
import KubeTypes

extension ClusterReconciler {
    /// Creates the generated Secrets the plan names: with a password drawn here, once, or with
    /// the one PostgreSQL holds (remembered). An existing Secret is never overwritten.
    func createSecrets(_ creations: [SecretCreation], _ round: inout Round) async throws {
        guard !creations.isEmpty else { return }
        let fresh = SecretBuilder.build(round.resolved, passwords: .secure, authorityPEM: round.authorityPEM)
        for creation in creations {
            let secret: Secret?
            switch creation.password {
            case .new:
                secret = fresh.first { $0.metadata.name == creation.name }
            case .known:
                secret = passwords.password(role: creation.role, cluster: round.key, uid: round.uid)
                    .flatMap { SecretBuilder.build(round.resolved, role: creation.role, password: $0, authorityPEM: round.authorityPEM) }
            }
            guard let secret else { continue }
            if try await createGenerated(secret, namespace: round.resolved.namespace, round) {
                round.writes += 1
                round.logger.info("created Secret", metadata: [
                    "secret": "\(creation.name)", "password": "\(creation.password == .known ? "the one PostgreSQL holds" : "new")",
                ])
            }
        }
    }

    /// Creates a Secret Ordinal generates; false when one of that name exists. One without
    /// Ordinal's labels (made by the user) is left as it is and read from the API server from
    /// now on; one made meanwhile by another reconcile comes back through its watch event.
    func createGenerated(_ secret: Secret, namespace: String, _ round: Round) async throws -> Bool {
        if try await createUnlessExists(secret, namespace: namespace) { return true }
        let name = secret.metadata.name ?? ""
        if caches.secrets.get(namespace: namespace, name: name) == nil {
            uncachedSecrets.insert(namespace: namespace, name: name)
            round.logger.notice("a Secret with a generated name exists without Ordinal's labels; it is used as it is",
                                metadata: ["secret": "\(name)"])
        }
        return false
    }

    /// Writes the generated app Secret's derived keys again from its password (the user
    /// changed the password; `uri`, `jdbc-uri` and `pgpass` follow).
    func refreshAppSecret(_ name: String, _ round: inout Round) async throws {
        guard let app = round.credentials[.app] else { return }
        let data = SecretBuilder.appData(round.resolved, password: app.password, authorityPEM: round.authorityPEM)
        var patch: [String: JSONValue] = [:]
        for key in SecretBuilder.derivedAppKeys { patch[key] = data[key].map(JSONValue.string) }
        _ = try await client.patchMerge(
            Secret.self, name: name, namespace: round.resolved.namespace, patch: ["stringData": .object(patch)],
            fieldManager: options.fieldManager)
        round.writes += 1
        round.logger.info("the app Secret's derived keys follow its password", metadata: ["secret": "\(name)"])
    }

    /// Applies the ConfigMap, the Services, the budget and the network policy unless the cache
    /// already matches, and deletes a budget or network policy that is no longer wanted.
    func applyObjects(_ plan: ClusterPlan, _ round: inout Round) async throws {
        let namespace = round.resolved.namespace
        for object in plan.objects {
            switch object {
            case .configMap(let map):
                try await applyIfChanged(map, live: caches.configMaps.get(namespace: namespace, name: map.metadata.name ?? ""),
                                         comparedAs: CacheForm.configMap, &round)
            case .service(let service):
                try await applyIfChanged(service, live: caches.services.get(namespace: namespace, name: service.metadata.name ?? ""), &round)
            case .budget(let budget):
                try await applyIfChanged(budget, live: caches.budgets.get(namespace: namespace, name: budget.metadata.name ?? ""), &round)
            case .networkPolicy(let policy):
                try await applyIfChanged(
                    policy, live: caches.networkPolicies.get(namespace: namespace, name: policy.metadata.name ?? ""), &round)
            }
        }
        if let budget = plan.budgetToDelete, try await deleteIfPresent(PodDisruptionBudget.self, name: budget, namespace: namespace) {
            round.writes += 1
        }
        if let policy = plan.networkPolicyToDelete, try await deleteIfPresent(NetworkPolicy.self, name: policy, namespace: namespace) {
            round.writes += 1
        }
        for name in plan.configMapsToDelete where try await deleteIfPresent(ConfigMap.self, name: name, namespace: namespace) {
            round.writes += 1
            round.logger.info("deleted the configuration of a revision no pod uses", metadata: ["configMap": "\(name)"])
        }
    }

    /// Patches the role labels in the plan's order (every primary label removed before one is added).
    func applyLabels(_ changes: [RoleLabelPlan.Change], _ round: inout Round) async throws {
        for change in changes {
            let value: JSONValue = change.role.map(JSONValue.string) ?? .null
            _ = try await client.patchMerge(
                Pod.self, name: change.pod, namespace: round.resolved.namespace,
                patch: ["metadata": ["labels": [ClusterLabels.role: value]]], fieldManager: options.fieldManager)
            round.writes += 1
            round.logger.info("role label", metadata: ["pod": "\(change.pod)", "role": "\(change.role ?? "none")"])
        }
    }

    /// Deletes the replica pods the plan names, so the StatefulSet makes them again and their
    /// bootstrap rebuilds them. Only pods: their claims and data stay.
    func restartPods(_ pods: [String], _ round: inout Round) async throws {
        for pod in pods {
            if try await deleteIfPresent(Pod.self, name: pod, namespace: round.resolved.namespace) {
                round.writes += 1
                round.logger.notice("deleted a pod so its bootstrap rebuilds or demotes it", metadata: ["pod": "\(pod)"])
            }
        }
    }

    /// Grows the claims the plan names; returns the ones the API server refused, with what it said.
    func growVolumes(_ growth: [VolumeGrowth], _ round: inout Round) async -> [VolumeGrowthFailure] {
        var failures: [VolumeGrowthFailure] = []
        for step in growth {
            do {
                _ = try await client.patchMerge(
                    PersistentVolumeClaim.self, name: step.claim, namespace: round.resolved.namespace,
                    patch: ["spec": ["resources": ["requests": ["storage": .string(step.size)]]]], fieldManager: options.fieldManager)
                round.writes += 1
            } catch {
                round.logger.warning("volume claim not grown", metadata: ["claim": "\(step.claim)", "error": "\(error)"])
                failures.append(VolumeGrowthFailure(claim: step.claim, message: "\(error)"))
            }
        }
        return failures
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
    func deleteIfPresent<T: KubernetesResource>(
        _ type: T.Type, name: String, namespace: String, options: DeleteOptions? = nil
    ) async throws(KubeAPIError) -> Bool {
        do {
            try await client.delete(type, name: name, namespace: namespace, options: options)
            return true
        } catch {
            if error.code == .notFound { return false }
            throw error
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
