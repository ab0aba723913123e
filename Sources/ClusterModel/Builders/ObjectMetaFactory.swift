import KubeTypes

extension ResolvedCluster {
    /// The owner reference every owned object carries; `nil` before the API server assigned a uid
    /// (as in `ordinal render`), since a reference without a uid is refused. It does not set
    /// `blockOwnerDeletion`, which would need `update` on `postgresclusters/finalizers` where the
    /// OwnerReferencesPermissionEnforcement admission plugin runs (OpenShift), for no gain here.
    public var ownerReference: OwnerReference? {
        guard !uid.isEmpty else { return nil }
        return OwnerReference(
            apiVersion: PostgresCluster.apiVersion, kind: PostgresCluster.kind, name: name, uid: uid,
            controller: true)
    }

    /// Metadata for an object of this cluster: name, namespace, the common labels and,
    /// when `owned`, the controller owner reference (so deleting the cluster collects it).
    func metadata(name objectName: String, owned: Bool = true) -> ObjectMeta {
        ObjectMeta(
            name: objectName,
            namespace: namespace,
            labels: ClusterLabels.common(cluster: name),
            ownerReferences: owned ? ownerReference.map { [$0] } : nil
        )
    }
}
