import KubeTypes
import Synchronization

/// Remembered pod template hashes: a pure function's results, kept so a reconcile need not
/// encode the whole template again. Small and bounded (a template is kilobytes; when full the
/// memo starts afresh), so it saves the work for a handful of clusters without holding a copy
/// of every cluster's template in a large fleet.
final class TemplateHashMemo: Sendable {
    static let shared = TemplateHashMemo(capacity: 64)

    private let capacity: Int
    private let entries = Mutex<[PodTemplateSpec: String]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The hash of `template`, computed by `compute` unless remembered.
    func hash(_ template: PodTemplateSpec, compute: (PodTemplateSpec) -> String) -> String {
        if let known = entries.withLock({ $0[template] }) { return known }
        let value = compute(template)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[template] = value
        }
        return value
    }
}
