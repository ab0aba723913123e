import Foundation
import KubeTypes

extension StoreState {
    /// What the real API server does to a Secret's write-only `stringData`: each key is
    /// base64-encoded into `data` (winning over a `data` key of the same name) and
    /// `stringData` is never stored or returned.
    static func convertStringData(_ object: inout JSONValue, resource: ResourceKey) {
        guard resource.group.isEmpty, resource.plural == "secrets",
              case .object(let strings)? = object["stringData"] else { return }
        var data: [String: JSONValue] = [:]
        if case .object(let existing)? = object["data"] { data = existing }
        for (key, value) in strings {
            if let text = value.stringValue { data[key] = .string(Data(text.utf8).base64EncodedString()) }
        }
        object.setValue(.object(data), at: ["data"])
        object.removeValue(at: ["stringData"])
    }
}
