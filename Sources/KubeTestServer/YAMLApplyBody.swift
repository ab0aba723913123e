import KubeTypes

/// What the real API server's decoder refuses in an `application/apply-patch+yaml` body.
///
/// The API server reads every apply body as YAML 1.1 (go-yaml v2 through sigs.k8s.io/yaml) before
/// it becomes JSON. JSON is YAML only where it avoids what that decoder lacks, so a JSON body
/// valid for `JSONDecoder` can still be refused:
/// - escapes: YAML 1.1 has no `\/`, and a `\u` escape may not name a UTF-16 surrogate (so a
///   character beyond the BMP must stand as itself, not as a JSON surrogate pair);
/// - characters: only `#x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] |
///   [#x10000-#x10FFFF]` may appear in the stream;
/// - keys: in a flow mapping a key must end (its `:` found) within 1024 characters of its start.
///
/// The check runs on the bytes before they are parsed as JSON, as the real server's does.
enum YAMLApplyBody {
    /// The decoder's complaint about `bytes`, worded as the API server answers it, or nil.
    static func refusal(_ bytes: [UInt8]) -> String? {
        problem(bytes).map { "error decoding YAML: error converting YAML to JSON: yaml: \($0)" }
    }

    static func problem(_ bytes: [UInt8]) -> String? {
        var index = 0
        var inString = false
        var stringStart = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard let (scalar, width) = scalar(in: bytes, at: index) else { return "invalid UTF-8 at byte \(index)" }
            if !isAllowedInStream(scalar) { return "control characters are not allowed" }
            if inString {
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < bytes.count else { return "found unexpected end of stream" }
                    let escape = bytes[index + 1]
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                        UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 2
                    case UInt8(ascii: "u"):
                        guard index + 6 <= bytes.count, let value = hex(bytes[(index + 2)..<(index + 6)]) else {
                            return "did not find expected hexdecimal number"
                        }
                        if (0xD800...0xDFFF).contains(value) { return "found invalid Unicode character escape code" }
                        index += 6
                    default:
                        // JSON's `\/`, and anything JSON itself would refuse.
                        return "found unknown escape character"
                    }
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if isKey(bytes, after: index + 1), index + 1 - stringStart > 1024 {
                        return "did not find expected ',' or '}'"
                    }
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                stringStart = index
            }
            index += width
        }
        return nil
    }

    /// Whether a `:` follows (after blanks): the string just closed was a mapping key.
    private static func isKey(_ bytes: [UInt8], after index: Int) -> Bool {
        var index = index
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D {
            index += 1
        }
        return index < bytes.count && bytes[index] == UInt8(ascii: ":")
    }

    /// The reader's set: what `JSONString` writes as itself, plus the whitespace and marks it
    /// escapes to be safe (tab, line feed, carriage return, NEL, U+FEFF), which the reader takes.
    private static func isAllowedInStream(_ value: UInt32) -> Bool {
        JSONString.isYAMLPrintable(value) || [0x09, 0x0A, 0x0D, 0x85, 0xFEFF].contains(value)
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(digit - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt32(digit - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }

    /// The Unicode scalar starting at `index` and its width in bytes, or nil for bad UTF-8.
    private static func scalar(in bytes: [UInt8], at index: Int) -> (UInt32, Int)? {
        let lead = bytes[index]
        let width: Int
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return (UInt32(lead), 1)
        case 0xC2...0xDF: width = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: width = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: width = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + width <= bytes.count else { return nil }
        for offset in 1..<width {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        return (value, width)
    }
}
