/// A parsed CEL expression: the shape the cost estimate needs (macros kept as comprehensions).
indirect enum CELExpression: Equatable {
    case constant(size: UInt64)  // a string literal's length, or 1 for a scalar
    case identifier(String)
    case select(CELExpression, field: String, testOnly: Bool)
    case call(function: String, target: CELExpression?, arguments: [CELExpression])
    case list([CELExpression])
    case map([CELExpression])
    /// `range.all(variable, body)` and the other macros: `all`, `exists`, `exists_one`, `map`, `filter`.
    case comprehension(macro: String, range: CELExpression, variable: String, body: [CELExpression])
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
    case number
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
            while index < scalars.count, scalars[index].isHexDigit || scalars[index] == "." || scalars[index] == "x" || scalars[index] == "u"
                || scalars[index] == "U" || ((scalars[index] == "-" || scalars[index] == "+") && (scalars[index - 1] == "e" || scalars[index - 1] == "E"))
            {
                index += 1
            }
            return .number
        }
        if character == "\"" || character == "'" { return .string(try quoted(raw: false)) }
        for symbol in ["&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",", "(", ")", "[", "]", "{", "}"]
        where matches(symbol) {
            index += symbol.count
            return .symbol(symbol)
        }
        throw CELSyntaxError(message: "Syntax error: token recognition error at: '\(character)'", offset: index)
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
                value.append(scalars[index + 1])
                index += 2
                continue
            }
            value.append(character)
            index += 1
        }
        throw CELSyntaxError(message: "Syntax error: token recognition error at: '\(String(scalars[start..<min(start + 8, scalars.count)]))'", offset: start)
    }
}
