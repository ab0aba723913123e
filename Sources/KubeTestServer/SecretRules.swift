import KubeTypes

/// What the real API server's Secret validation refuses, by type: a `kubernetes.io/tls` Secret
/// without `tls.crt` or `tls.key`, a `kubernetes.io/basic-auth` one with neither `username` nor
/// `password`, and a change of type.
enum SecretRules {
    static func causes(object: JSONValue, old: JSONValue?) -> [StatusCause] {
        var keys = Set<String>()
        for field in ["data", "stringData"] {
            if case .object(let members)? = object[field] { keys.formUnion(members.keys) }
        }
        let type = object["type"]?.stringValue ?? "Opaque"
        var causes: [StatusCause] = []
        switch type {
        case "kubernetes.io/tls":
            for key in ["tls.crt", "tls.key"] where !keys.contains(key) {
                causes.append(StatusCause(reason: "FieldValueRequired", message: "Required value", field: "data[\(key)]"))
            }
        case "kubernetes.io/basic-auth":
            if !keys.contains("username") && !keys.contains("password") {
                for key in ["username", "password"] {
                    causes.append(StatusCause(reason: "FieldValueRequired", message: "Required value", field: "data[\(key)]"))
                }
            }
        default:
            break
        }
        if let old, (old["type"]?.stringValue ?? "Opaque") != type {
            causes.append(StatusCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(type)\": field is immutable", field: "type"))
        }
        return causes
    }
}
