import KubeTypes

/// A refusal the fake API server answers with: an HTTP code and a `Status` body
/// shaped like the real server's.
struct APIError: Error, Sendable {
    var status: Status
    var headers: [(String, String)] = []

    var code: Int { status.code ?? 500 }

    init(code: Int, reason: String, message: String, details: StatusDetails? = nil) {
        status = Status(message: message, reason: reason, details: details, code: code)
    }

    static func notFound(_ path: APIPath, name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(path.resource) \"\(name)\" not found",
            details: StatusDetails(name: name, group: path.group.isEmpty ? nil : path.group, kind: path.plural))
    }

    static func alreadyExists(_ path: APIPath, name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(path.resource) \"\(name)\" already exists",
            details: StatusDetails(name: name, group: path.group.isEmpty ? nil : path.group, kind: path.plural))
    }

    static func conflict(_ path: APIPath, name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(path.resource) \"\(name)\": the object has been modified; "
                + "please apply your changes to the latest version and try again",
            details: StatusDetails(name: name, group: path.group.isEmpty ? nil : path.group, kind: path.plural))
    }

    static func preconditionFailed(_ path: APIPath, name: String, message: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(path.resource) \"\(name)\": \(message)",
            details: StatusDetails(name: name, group: path.group.isEmpty ? nil : path.group, kind: path.plural))
    }

    static func invalid(_ path: APIPath, kind: String, name: String, causes: [StatusCause]) -> APIError {
        let list = causes.map { "\($0.field ?? ""): \($0.message ?? "")" }.joined(separator: ", ")
        return APIError(
            code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(list)",
            details: StatusDetails(
                name: name, group: path.group.isEmpty ? nil : path.group, kind: kind, causes: causes))
    }

    static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func unsupportedMediaType(_ type: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got \(type))")
    }

    static func methodNotAllowed(_ method: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource (\(method))")
    }
}
