/// A core/v1 Pod, as the operator reads it.
public struct Pod: KubernetesResource, Hashable {
    public static let group = ""
    public static let version = "v1"
    public static let kind = "Pod"
    public static let plural = "pods"

    public var apiVersion: String = Pod.apiVersion
    public var kind: String = Pod.kind
    public var metadata: ObjectMeta
    public var spec: PodSpec?
    public var status: PodStatus?

    public init(metadata: ObjectMeta, spec: PodSpec? = nil, status: PodStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// True when the pod's `Ready` condition is `True`.
    public var isReady: Bool {
        status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }

    /// The StatefulSet revision this pod runs (`controller-revision-hash` label).
    public var controllerRevisionHash: String? {
        metadata.labels?["controller-revision-hash"]
    }

    /// The termination message of the init container `name`'s latest failed run (its current
    /// state, else its last state, when that ended with a non-zero exit code), if any.
    public func failureMessage(ofInitContainer name: String) -> String? {
        guard let container = status?.initContainerStatuses?.first(where: { $0.name == name }) else { return nil }
        for state in [container.state, container.lastState] {
            guard let terminated = state?.objectValue?["terminated"]?.objectValue else { continue }
            if case .int(let code)? = terminated["exitCode"], code == 0 { continue }
            if let message = terminated["message"]?.stringValue, !message.isEmpty { return message }
        }
        return nil
    }

    /// The kubelet's reasons for a container that cannot be started at all (its configuration,
    /// its image): not a crash, nothing a wait cures without a change.
    public static let startFailureReasons: Set<String> = [
        "CreateContainerConfigError", "CreateContainerError", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "RunContainerError",
    ]

    /// Why a container of the pod cannot start (`container pgbackrest: CreateContainerConfigError:
    /// secret "orders-s3" not found`), init containers first; `nil` when none is stuck so.
    public var startFailure: String? {
        guard let container = stuckContainer, let waiting = container.state?.objectValue?["waiting"]?.objectValue else { return nil }
        return "container \(container.name): \(waiting["reason"]?.stringValue ?? "")" + (waiting["message"]?.stringValue.map { ": \($0)" } ?? "")
    }

    /// The first container (init containers first) waiting for one of ``startFailureReasons``,
    /// with only its name and its waiting reason and message.
    public var stuckContainer: ContainerStatus? {
        for container in (status?.initContainerStatuses ?? []) + (status?.containerStatuses ?? []) {
            guard let waiting = container.state?.objectValue?["waiting"]?.objectValue, let reason = waiting["reason"]?.stringValue,
                Self.startFailureReasons.contains(reason)
            else { continue }
            var stuck = ContainerStatus(name: container.name, ready: false)
            var kept: [String: JSONValue] = ["reason": .string(reason)]
            if let message = waiting["message"] { kept["message"] = message }
            stuck.state = .object(["waiting": .object(kept)])
            return stuck
        }
        return nil
    }

    /// The termination message of container `name`, once it has ended (whatever its exit code),
    /// and when it ended.
    public func termination(ofContainer name: String) -> (message: String?, finishedAt: String?)? {
        guard let container = status?.containerStatuses?.first(where: { $0.name == name }),
            let terminated = container.state?.objectValue?["terminated"]?.objectValue
        else { return nil }
        return (terminated["message"]?.stringValue, terminated["finishedAt"]?.stringValue)
    }
}

/// The observed state of a ``Pod``.
public struct PodStatus: Codable, Sendable, Hashable {
    /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
    public var phase: String?
    public var podIP: String?
    public var hostIP: String?
    public var startTime: String?
    public var conditions: [PodCondition]?
    public var containerStatuses: [ContainerStatus]?
    public var initContainerStatuses: [ContainerStatus]?

    public init(phase: String? = nil, podIP: String? = nil, conditions: [PodCondition]? = nil) {
        self.phase = phase
        self.podIP = podIP
        self.conditions = conditions
    }
}

/// One condition of a ``Pod`` (`Ready`, `ContainersReady`, `PodScheduled`, ...).
public typealias PodCondition = ObjectCondition

/// A built-in object's status condition (pods, Jobs): type, status, and why.
public struct ObjectCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

/// The state of one container in a ``Pod``.
public struct ContainerStatus: Codable, Sendable, Hashable {
    public var name: String
    public var ready: Bool
    public var restartCount: Int
    public var image: String?
    public var imageID: String?
    public var started: Bool?
    /// `waiting`, `running` or `terminated`, passed through.
    public var state: JSONValue?
    public var lastState: JSONValue?

    public init(name: String, ready: Bool, restartCount: Int = 0, image: String? = nil) {
        self.name = name
        self.ready = ready
        self.restartCount = restartCount
        self.image = image
    }
}
