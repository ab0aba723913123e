/// A volume a pod can mount; exactly one source is set.
public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var secret: SecretVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?
    public var projected: ProjectedVolumeSource?

    public init(name: String) { self.name = name }
}

/// One directory filled from several sources (here: ConfigMaps), kept up to date like a
/// ConfigMap volume.
public struct ProjectedVolumeSource: Codable, Sendable, Hashable {
    public var sources: [VolumeProjection]
    public var defaultMode: Int?

    public init(sources: [VolumeProjection], defaultMode: Int? = nil) {
        self.sources = sources
        self.defaultMode = defaultMode
    }
}

/// One source of a projected volume.
public struct VolumeProjection: Codable, Sendable, Hashable {
    public var configMap: ConfigMapProjection?
    public var secret: SecretProjection?

    public init(configMap: ConfigMapProjection? = nil, secret: SecretProjection? = nil) {
        self.configMap = configMap
        self.secret = secret
    }
}

/// The keys of a Secret in a projected volume (all of them without `items`).
public struct SecretProjection: Codable, Sendable, Hashable {
    public var name: String
    public var items: [KeyToPath]?

    public init(name: String, items: [KeyToPath]? = nil) {
        self.name = name
        self.items = items
    }
}

/// The keys of a ConfigMap in a projected volume (all of them without `items`).
public struct ConfigMapProjection: Codable, Sendable, Hashable {
    public var name: String
    public var items: [KeyToPath]?
    /// Keys named in `items` may be missing (and so may the ConfigMap).
    public var optional: Bool?

    public init(name: String, items: [KeyToPath]? = nil, optional: Bool? = nil) {
        self.name = name
        self.items = items
        self.optional = optional
    }
}

/// A volume backed by an existing claim.
public struct PersistentVolumeClaimVolumeSource: Codable, Sendable, Hashable {
    public var claimName: String
    public var readOnly: Bool?

    public init(claimName: String) { self.claimName = claimName }
}

/// A volume filled from a ConfigMap.
public struct ConfigMapVolumeSource: Codable, Sendable, Hashable {
    public var name: String
    public var defaultMode: Int?
    public var items: [KeyToPath]?

    public init(name: String, defaultMode: Int? = nil, items: [KeyToPath]? = nil) {
        self.name = name
        self.defaultMode = defaultMode
        self.items = items
    }
}

/// A volume filled from a Secret.
public struct SecretVolumeSource: Codable, Sendable, Hashable {
    public var secretName: String
    public var defaultMode: Int?
    public var items: [KeyToPath]?

    public init(secretName: String, defaultMode: Int? = nil, items: [KeyToPath]? = nil) {
        self.secretName = secretName
        self.defaultMode = defaultMode
        self.items = items
    }
}

/// A key projected to a file path, with an optional mode.
public struct KeyToPath: Codable, Sendable, Hashable {
    public var key: String
    public var path: String
    public var mode: Int?

    public init(key: String, path: String, mode: Int? = nil) {
        self.key = key
        self.path = path
        self.mode = mode
    }
}

/// A scratch volume that lives as long as the pod.
public struct EmptyDirVolumeSource: Codable, Sendable, Hashable {
    public var medium: String?
    public var sizeLimit: String?

    public init(medium: String? = nil, sizeLimit: String? = nil) {
        self.medium = medium
        self.sizeLimit = sizeLimit
    }
}
