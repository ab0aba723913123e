extension JSONValue {
    /// Compact JSON text that is also YAML the API server's decoder accepts: the body of a
    /// server-side apply (`application/apply-patch+yaml`). Keys are sorted, so equal values give
    /// equal bytes. Strings are quoted by ``JSONString/quoted(_:)``.
    public var yamlSafeJSONBytes: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .int(let value): out += String(value).utf8
        case .double(let value):
            // JSON has no infinity or NaN; a value parsed from JSON is always finite.
            out += (value.isFinite ? String(value) : "null").utf8
        case .string(let value): out += JSONString.quoted(value).utf8
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += JSONString.quoted(key).utf8
                out.append(UInt8(ascii: ":"))
                members[key]?.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
