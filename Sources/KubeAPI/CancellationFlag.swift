import Synchronization

/// A flag a task sets to stop a blocked transfer; the transfer's progress
/// callback reads it (libcurl calls it at least once a second).
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() {
        flag.store(true, ordering: .releasing)
    }
}
