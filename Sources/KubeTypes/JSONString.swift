/// JSON string literals, shared by everything that writes JSON or YAML text by hand.
public enum JSONString {
    /// `text` as a double-quoted JSON string that is also a double-quoted scalar the API server's
    /// YAML 1.1 decoder accepts (it reads every `application/apply-patch+yaml` body as YAML).
    ///
    /// That decoder knows fewer escapes than JSON (no `\/`, no surrogate pairs) and refuses raw
    /// characters outside YAML's printable set (C0 and C1 controls, DEL, U+FEFF, U+FFFE, U+FFFF).
    /// So: `"` and `\` are escaped, `\n`, `\r`, `\t` use their short forms, every other character
    /// outside the printable set is written `\uXXXX` (always a BMP value), and everything else,
    /// `/` and characters beyond the BMP included, is written as itself.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if isYAMLPrintable(scalar.value) {
                    out.unicodeScalars.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
        }
        return out + "\""
    }

    /// Whether YAML 1.1 lets this character stand as itself in a stream (tab and line breaks aside,
    /// which `quoted` escapes anyway): `[#x20-#x7E] | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`,
    /// less U+FEFF (a byte-order mark inside a scalar is refused by the API server's decoder).
    /// NEL (#x85) is printable in the spec but a line break to the scanner, so it is escaped too.
    public static func isYAMLPrintable(_ value: UInt32) -> Bool {
        switch value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0x10000...0x10FFFF: return true
        case 0xE000...0xFFFD: return value != 0xFEFF
        default: return false
        }
    }
}
