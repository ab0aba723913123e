import ClusterModel
import KubeTypes

/// What the caches keep of each object: only what the controller reads. The desired object is put
/// in the same form before it is compared with the cached one, so the comparison stays exact.
///
/// - managedFields go (never read; often the largest part of an applied object);
/// - a ConfigMap's data becomes a hash of it (the pod scripts would otherwise be cached once per cluster);
/// - a StatefulSet's pod template is dropped: template changes are seen through the
///   `ordinal.dev/template-hash` annotation, and the rest of the spec and the status stay.
enum CacheForm {
    static let dataHashAnnotation = "ordinal.dev/observed-data-hash"

    static func stripped<T: KubernetesResource>(_ object: T) -> T {
        var copy = object
        copy.metadata.managedFields = nil
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

    /// A stable hash of string data (keys in order, each key and value length-prefixed).
    static func dataHash(_ data: [String: String]) -> String {
        var text = ""
        for (key, value) in data.sorted(by: { $0.key < $1.key }) {
            text += "\(key.utf8.count):\(key)\(value.utf8.count):\(value)"
        }
        return StatefulSetBuilder.contentHash(text)
    }
}
