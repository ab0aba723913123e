/// A parsed CEL expression (macros kept as comprehensions), for the cost estimate and for evaluation.
indirect enum CELExpression: Equatable {
    case constant(CELLiteral)
    case identifier(String)
    case select(CELExpression, field: String, testOnly: Bool)
    case call(function: String, target: CELExpression?, arguments: [CELExpression])
    case list([CELExpression])
    case map([CELExpression])
    /// `range.all(variable, body)` and the other macros: `all`, `exists`, `exists_one`, `map`, `filter`.
    case comprehension(macro: String, range: CELExpression, variable: String, body: [CELExpression])
}

/// A literal in a CEL expression.
enum CELLiteral: Equatable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null

    /// Its size for the cost estimate: a string's length in bytes, 1 for a scalar.
    var size: UInt64 {
        if case .string(let value) = self { return UInt64(value.utf8.count) }
        return 1
    }

    /// A number token's value: decimal or hexadecimal integers, `u` for unsigned, else a double.
    init(number text: String) {
        let lowered = text.lowercased()
        if lowered.hasSuffix("u") {
            let digits = String(lowered.dropLast())
            self = .uint(digits.hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) ?? 0 : UInt64(digits) ?? 0)
        } else if lowered.hasPrefix("0x") {
            self = .int(Int64(lowered.dropFirst(2), radix: 16) ?? 0)
        } else if let value = Int64(lowered) {
            self = .int(value)
        } else {
            self = .double(Double(lowered) ?? 0)
        }
    }
}

/// A syntax error in a rule, with the position the parser stopped at.
struct CELSyntaxError: Error, Equatable {
    var message: String
    var offset: Int
}

/// CEL's tokens, as far as the parser needs them.
enum CELToken: Equatable {
    case identifier(String)
    case string(String)
    case number(String)
    case symbol(String)
    case end
}

/// Splits a CEL expression into tokens (strings with escapes, raw and triple-quoted strings,
/// bytes, numbers, identifiers, operators).
struct CELLexer {
    private let scalars: [Character]
    private var index = 0

    init(_ text: String) { scalars = Array(text) }

    static func tokens(_ text: String) throws(CELSyntaxError) -> [(CELToken, Int)] {
        var lexer = CELLexer(text)
        var out: [(CELToken, Int)] = []
        while true {
            let start = lexer.skipSpace()
            let token = try lexer.next()
            out.append((token, start))
            if token == .end { return out }
        }
    }

    private mutating func skipSpace() -> Int {
        while index < scalars.count {
            if scalars[index].isWhitespace {
                index += 1
            } else if scalars[index] == "/", index + 1 < scalars.count, scalars[index + 1] == "/" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else {
                break
            }
        }
        return index
    }

    private mutating func next() throws(CELSyntaxError) -> CELToken {
        guard index < scalars.count else { return .end }
        let character = scalars[index]
        if character.isLetter || character == "_" {
            let start = index
            while index < scalars.count, scalars[index].isLetter || scalars[index].isNumber || scalars[index] == "_" { index += 1 }
            let word = String(scalars[start..<index])
            let lowered = word.lowercased()
            if ["r", "b", "rb", "br"].contains(lowered), index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" {
                return .string(try quoted(raw: lowered.contains("r")))
            }
            return .identifier(word)
        }
        if character.isNumber || (character == "." && index + 1 < scalars.count && scalars[index + 1].isNumber) {
            let start = index
            while index < scalars.count, scalars[index].isHexDigit || scalars[index] == "." || scalars[index] == "x" || scalars[index] == "u"
                || scalars[index] == "U" || ((scalars[index] == "-" || scalars[index] == "+") && (scalars[index - 1] == "e" || scalars[index - 1] == "E"))
            {
                index += 1
            }
            return .number(String(scalars[start..<index]))
        }
        if character == "\"" || character == "'" { return .string(try quoted(raw: false)) }
        for symbol in ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"]
        where matches(symbol) {
            index += symbol.count
            return .symbol(symbol)
        }
        throw CELSyntaxError(message: "Syntax error: token recognition error at: '\(character)'", offset: index)
    }

    /// The character an escape sequence stands for (`\n` is a newline, `\'` a quote).
    private static func escaped(_ character: Character) -> Character {
        switch character {
        case "n": "\n"
        case "r": "\r"
        case "t": "\t"
        case "a": "\u{07}"
        case "b": "\u{08}"
        case "f": "\u{0C}"
        case "v": "\u{0B}"
        default: character
        }
    }

    private func matches(_ symbol: String) -> Bool {
        let characters = Array(symbol)
        guard index + characters.count <= scalars.count else { return false }
        return Array(scalars[index..<(index + characters.count)]) == characters
    }

    private mutating func quoted(raw: Bool) throws(CELSyntaxError) -> String {
        let start = index
        let quote = scalars[index]
        let triple = matches(String(repeating: quote, count: 3))
        index += triple ? 3 : 1
        var value = ""
        while index < scalars.count {
            let character = scalars[index]
            if triple ? matches(String(repeating: quote, count: 3)) : character == quote {
                index += triple ? 3 : 1
                return value
            }
            if !triple, character == "\n" { break }
            if character == "\\", !raw, index + 1 < scalars.count {
                value.append(Self.escaped(scalars[index + 1]))
                index += 2
                continue
            }
            value.append(character)
            index += 1
        }
        throw CELSyntaxError(message: "Syntax error: token recognition error at: '\(String(scalars[start..<min(start + 8, scalars.count)]))'", offset: start)
    }
}
