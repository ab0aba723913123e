import KubeTypes

/// Writes JSON values as block-style YAML, the way `kubectl get -o yaml` reads:
/// `apiVersion`, `kind`, `metadata` first, then keys in order; multi-line strings as literal blocks.
public enum YAMLWriter {
    /// One document, ending in a newline.
    public static func document(_ value: JSONValue) -> String {
        var lines: [String] = []
        switch value {
        case .object(let members) where !members.isEmpty:
            writeObject(members, indent: 0, into: &lines)
        case .array(let elements) where !elements.isEmpty:
            writeArray(elements, indent: 0, into: &lines)
        default:
            lines.append(scalar(value))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Several documents separated by `---`.
    public static func stream(_ values: [JSONValue]) -> String {
        values.map { "---\n" + document($0) }.joined()
    }

    static let leadingKeys = ["apiVersion", "kind", "metadata", "name", "namespace"]

    static func orderedKeys(_ members: [String: JSONValue]) -> [String] {
        let leading = leadingKeys.filter { members[$0] != nil }
        return leading + members.keys.filter { !leadingKeys.contains($0) }.sorted()
    }

    static func writeObject(_ members: [String: JSONValue], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for key in orderedKeys(members) {
            guard let value = members[key] else { continue }
            let label = pad + plainOrQuoted(key) + ":"
            switch value {
            case .object(let nested) where !nested.isEmpty:
                lines.append(label)
                writeObject(nested, indent: indent + 2, into: &lines)
            case .array(let elements) where !elements.isEmpty:
                lines.append(label)
                writeArray(elements, indent: indent, into: &lines)
            case .string(let text) where text.contains("\n"):
                lines.append(label + " " + blockHeader(text))
                appendBlock(text, indent: indent + 2, into: &lines)
            default:
                lines.append(label + " " + scalar(value))
            }
        }
    }

    static func writeArray(_ elements: [JSONValue], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for element in elements {
            switch element {
            case .object(let members) where !members.isEmpty:
                var nested: [String] = []
                writeObject(members, indent: indent + 2, into: &nested)
                if let first = nested.first {
                    nested[0] = pad + "- " + first.dropFirst(indent + 2)
                }
                lines += nested
            case .array(let inner) where !inner.isEmpty:
                lines.append(pad + "-")
                writeArray(inner, indent: indent + 2, into: &lines)
            case .string(let text) where text.contains("\n"):
                lines.append(pad + "- " + blockHeader(text))
                appendBlock(text, indent: indent + 2, into: &lines)
            default:
                lines.append(pad + "- " + scalar(element))
            }
        }
    }

    /// `|` keeps one final newline, `|-` none, `|+` all; an indentation digit when the text starts with a space.
    static func blockHeader(_ text: String) -> String {
        let chomping: String
        if !text.hasSuffix("\n") {
            chomping = "-"
        } else if text.hasSuffix("\n\n") {
            chomping = "+"
        } else {
            chomping = ""
        }
        let indicator = text.first == " " ? "2" : ""
        return "|" + indicator + chomping
    }

    static func appendBlock(_ text: String, indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        var body = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { body.removeLast() }
        for line in body {
            lines.append(line.isEmpty ? "" : pad + line)
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): plainOrQuoted(text)
        case .array: "[]"
        case .object: "{}"
        }
    }

    static let reservedWords: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    /// Plain when YAML reads it back as the same string; double-quoted otherwise.
    static func plainOrQuoted(_ text: String) -> String {
        isPlainSafe(text) ? text : JSONString.quoted(text)
    }

    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        if reservedWords.contains(text.lowercased()) { return false }
        let isLetter: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
        let isDigit: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        // Starting with a letter or '/' rules out numbers, indicators and most surprises.
        guard isLetter(first) || first == "/" || first == "_" else { return false }
        guard last != " " && last != ":" else { return false }
        let allowed: Set<Unicode.Scalar> = ["_", ".", "/", "-", "@", "=", "+", " ", ":", "(", ")", ",", "'", "%"]
        guard text.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || allowed.contains($0) }) else { return false }
        return !text.contains(": ") && !text.contains(" #") && !text.contains("  ")
    }
}
