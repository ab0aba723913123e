/// A list response for any resource type (`PodList`, `ConfigMapList`, ...).
public struct ObjectList<Item: KubernetesResource>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta
    public var items: [Item]

    public init(metadata: ListMeta = ListMeta(), items: [Item]) {
        self.apiVersion = Item.apiVersion
        self.kind = Item.kind + "List"
        self.metadata = metadata
        self.items = items
    }

    private enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, items
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try container.decodeIfPresent(String.self, forKey: .kind)
        metadata = try container.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
        // The API server sends `"items": null` for an empty list of some types, and list items
        // without `apiVersion` and `kind`. Items decode directly when their type does not
        // require those two; otherwise they are filled in from the item type (a slower path).
        do {
            items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == "apiVersion" || key.stringValue == "kind" {
            let raw = try container.decodeIfPresent([JSONValue].self, forKey: .items) ?? []
            items = try raw.map { item in
                guard case .object(var members) = item else { return try item.decode(as: Item.self) }
                if members["apiVersion"] == nil { members["apiVersion"] = .string(Item.apiVersion) }
                if members["kind"] == nil { members["kind"] = .string(Item.kind) }
                return try JSONValue.object(members).decode(as: Item.self)
            }
        }
    }
}
