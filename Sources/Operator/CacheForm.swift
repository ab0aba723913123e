import ClusterCertificates
import ClusterModel
import KubeTypes

/// What the caches keep of each object: only what the controller reads. The desired object is put
/// in the same form before it is compared with the cached one, so the comparison stays exact.
///
/// - managedFields and creationTimestamp go from every object (never read; managedFields is
///   often the largest part of an applied object), and label and annotation keys share one copy
///   per process (``StringPool``);
/// - a ConfigMap's data becomes a hash of it (the pod scripts would otherwise be cached once per cluster);
/// - a StatefulSet's pod template is dropped: template changes are seen through the
///   `ordinal.dev/template-hash` annotation, and the rest of the spec and the status stay;
/// - a `kubernetes.io/tls` Secret keeps its certificate (`tls.crt`: public) and, in place of
///   its key, whether the key matches the certificate;
/// - any other Secret keeps only `username` and `password` (presence, the replication user, the probes'
///   login) and a digest of the app Secret's derived keys, not the keys;
/// - a Pod keeps its metadata, phase, IP, condition types and statuses, and the failure message
///   of its bootstrap init container (``Pod/failureMessage(ofInitContainer:)``), and for a backup
///   Job's pod its container's termination message; its spec is never read;
/// - a Job keeps its metadata, creation time included, and status.
///
/// `CacheFormTests` checks that no form drops a field Ordinal's own desired objects set, other
/// than the StatefulSet's template (compared by hash) and the ConfigMap's data (by hash).
enum CacheForm {
    static let dataHashAnnotation = "ordinal.dev/observed-data-hash"

    static func stripped<T: KubernetesResource>(_ object: T) -> T {
        var copy = object
        copy.metadata.managedFields = nil
        copy.metadata.creationTimestamp = nil
        let pool = StringPool.shared
        copy.metadata.labels = pool.internKeys(copy.metadata.labels)
        copy.metadata.annotations = pool.internKeys(copy.metadata.annotations)
        copy.metadata.ownerReferences = copy.metadata.ownerReferences?.map { reference in
            var reference = reference
            reference.apiVersion = pool.intern(reference.apiVersion)
            return reference
        }
        return copy
    }

    static func configMap(_ object: ConfigMap) -> ConfigMap {
        var copy = stripped(object)
        var annotations = copy.metadata.annotations ?? [:]
        annotations[dataHashAnnotation] = dataHash(copy.data ?? [:])
        copy.metadata.annotations = annotations
        copy.data = nil
        return copy
    }

    static func statefulSet(_ object: StatefulSet) -> StatefulSet {
        var copy = stripped(object)
        copy.spec?.template = PodTemplateSpec(spec: PodSpec(containers: []))
        return copy
    }

    /// The keys of a Secret the controller reads.
    static let secretKeys: Set<String> = ["username", "password"]

    /// The key under which a cached Secret keeps ``SecretBuilder/derivedKeysDigest(_:)`` of its
    /// derived keys (in `stringData`, which a stored Secret never has), in place of the keys.
    static let derivedDigestKey = "ordinal.dev/derived-keys-digest"

    /// The certificate of a `kubernetes.io/tls` Secret (public); its key is replaced by
    /// ``keyMatchesKey``, whether it is the certificate's key. Its `ca.crt` is not kept: the
    /// cache holds only Ordinal's own Secrets, whose CA is read from `<name>-ca`'s `tls.crt`
    /// (a user's Secret is read whole from the API server).
    static let certificateKeys: Set<String> = ["tls.crt"]

    /// The key under which a cached TLS Secret says whether its `tls.key` matches `tls.crt`
    /// (`true`/`false`; absent without a key).
    static let keyMatchesKey = "ordinal.dev/key-matches"

    static func secret(_ object: Secret) -> Secret {
        var copy = stripped(object)
        if object.type == "kubernetes.io/tls" {
            copy.data = copy.data?.filter { certificateKeys.contains($0.key) }
            let data = ClusterReconciler.decodedData(object)
            if let key = data["tls.key"] {
                let matches = data["tls.crt"].map { CertificateIssuer.keyMatches(certificatePEM: $0, privateKeyPEM: key) } ?? false
                copy.stringData = [keyMatchesKey: matches ? "true" : "false"]
            }
            return copy
        }
        copy.data = copy.data?.filter { secretKeys.contains($0.key) }
        let derived = (object.data ?? [:]).filter { SecretBuilder.derivedAppKeys.contains($0.key) }
        copy.stringData = derived.isEmpty ? nil
            : [derivedDigestKey: SecretBuilder.derivedKeysDigest(ClusterReconciler.decodedData(Secret(metadata: ObjectMeta(), data: derived)))]
        return copy
    }

    static func pod(_ object: Pod) -> Pod {
        var copy = stripped(object)
        copy.spec = nil
        if let status = object.status {
            copy.status = PodStatus(
                phase: status.phase, podIP: status.podIP,
                conditions: status.conditions?.map { PodCondition(type: $0.type, status: $0.status) })
            if let message = object.failureMessage(ofInitContainer: PodLayout.initContainerName) {
                var bootstrap = ContainerStatus(name: PodLayout.initContainerName, ready: false)
                bootstrap.state = .object(["terminated": .object(["exitCode": .int(1), "message": .string(message)])])
                copy.status?.initContainerStatuses = [bootstrap]
            }
            // A container that cannot start (a missing Secret, a bad image): why, for status.
            if let stuck = object.stuckContainer { copy.status?.containerStatuses = [stuck] }
            // A backup Job's pod: its container's end and termination message (the Job's outcome).
            if object.metadata.labels?[BackupJobBuilder.jobLabel] != nil,
                let ended = object.termination(ofContainer: BackupJobBuilder.containerName)
            {
                var container = ContainerStatus(name: BackupJobBuilder.containerName, ready: false)
                var terminated: [String: JSONValue] = [:]
                if let message = ended.message { terminated["message"] = .string(message) }
                if let finishedAt = ended.finishedAt { terminated["finishedAt"] = .string(finishedAt) }
                container.state = .object(["terminated": .object(terminated)])
                copy.status?.containerStatuses = [container]
            }
        }
        return copy
    }

    /// A Job keeps its metadata (with its creation time: the order of backup Jobs) and status;
    /// its pod template is never read.
    static func job(_ object: Job) -> Job {
        var copy = stripped(object)
        copy.metadata.creationTimestamp = object.metadata.creationTimestamp
        copy.spec = nil
        return copy
    }

    /// A stable hash of string data (keys in order, each key and value length-prefixed).
    static func dataHash(_ data: [String: String]) -> String {
        var text = ""
        for (key, value) in data.sorted(by: { $0.key < $1.key }) {
            text += "\(key.utf8.count):\(key)\(value.utf8.count):\(value)"
        }
        return StatefulSetBuilder.contentHash(text)
    }
}
