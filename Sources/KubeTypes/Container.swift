/// A container in a pod template (`core/v1 Container`).
public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var imagePullPolicy: String?
    public var command: [String]?
    public var args: [String]?
    public var env: [EnvVar]?
    public var ports: [ContainerPort]?
    public var resources: ResourceRequirements?
    public var volumeMounts: [VolumeMount]?
    public var readinessProbe: Probe?
    public var livenessProbe: Probe?
    public var startupProbe: Probe?
    public var securityContext: SecurityContext?

    public init(name: String, image: String? = nil) {
        self.name = name
        self.image = image
    }
}

/// A port a ``Container`` listens on.
public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: String?

    public init(name: String? = nil, containerPort: Int, protocol: String? = nil) {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

/// An environment variable, set directly or from another source.
public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public init(name: String, fieldPath: String) {
        self.name = name
        self.valueFrom = EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: fieldPath))
    }

    /// The value of `key` in Secret `secretName` (never written into the pod spec itself).
    public init(name: String, secretName: String, key: String) {
        self.name = name
        self.valueFrom = EnvVarSource(secretKeyRef: KeySelector(name: secretName, key: key))
    }
}

/// Where an ``EnvVar`` takes its value from.
public struct EnvVarSource: Codable, Sendable, Hashable {
    public var fieldRef: ObjectFieldSelector?
    public var secretKeyRef: KeySelector?
    public var configMapKeyRef: KeySelector?

    public init(fieldRef: ObjectFieldSelector? = nil, secretKeyRef: KeySelector? = nil, configMapKeyRef: KeySelector? = nil) {
        self.fieldRef = fieldRef
        self.secretKeyRef = secretKeyRef
        self.configMapKeyRef = configMapKeyRef
    }
}

/// A field of the pod itself, through the downward API.
public struct ObjectFieldSelector: Codable, Sendable, Hashable {
    public var fieldPath: String

    public init(fieldPath: String) { self.fieldPath = fieldPath }
}

/// A key of a Secret or ConfigMap.
public struct KeySelector: Codable, Sendable, Hashable {
    public var name: String
    public var key: String
    public var optional: Bool?

    public init(name: String, key: String, optional: Bool? = nil) {
        self.name = name
        self.key = key
        self.optional = optional
    }
}

/// Compute resources of a container; quantities stay strings (`500m`, `1Gi`).
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var limits: [String: String]?
    public var requests: [String: String]?

    public init(limits: [String: String]? = nil, requests: [String: String]? = nil) {
        self.limits = limits
        self.requests = requests
    }
}

/// Where a volume is mounted in a container.
public struct VolumeMount: Codable, Sendable, Hashable {
    public var name: String
    public var mountPath: String
    public var subPath: String?
    public var readOnly: Bool?

    public init(name: String, mountPath: String, subPath: String? = nil, readOnly: Bool? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.subPath = subPath
        self.readOnly = readOnly
    }
}

/// A health check the kubelet runs.
public struct Probe: Codable, Sendable, Hashable {
    public var exec: ExecAction?
    public var initialDelaySeconds: Int?
    public var periodSeconds: Int?
    public var timeoutSeconds: Int?
    public var failureThreshold: Int?
    public var successThreshold: Int?

    public init(exec: ExecAction? = nil) { self.exec = exec }
}

/// A command run inside the container.
public struct ExecAction: Codable, Sendable, Hashable {
    public var command: [String]

    public init(command: [String]) { self.command = command }
}

/// Container-level security settings.
public struct SecurityContext: Codable, Sendable, Hashable {
    public var runAsNonRoot: Bool?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var allowPrivilegeEscalation: Bool?
    public var privileged: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var capabilities: Capabilities?
    public var seccompProfile: SeccompProfile?

    public init() {}
}

/// Linux capabilities to add or drop.
public struct Capabilities: Codable, Sendable, Hashable {
    public var add: [String]?
    public var drop: [String]?

    public init(add: [String]? = nil, drop: [String]? = nil) {
        self.add = add
        self.drop = drop
    }
}

/// A seccomp profile, `RuntimeDefault` for a restricted pod.
public struct SeccompProfile: Codable, Sendable, Hashable {
    public var type: String

    public init(type: String) { self.type = type }
}
