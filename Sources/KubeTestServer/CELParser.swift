/// A recursive-descent parser for CEL's grammar (ternary, `||`, `&&`, relations with `in`,
/// arithmetic, unary `!`/`-`, member selection, calls, indexing, list and map literals) with the
/// standard macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`).
struct CELParser {
    private let tokens: [(CELToken, Int)]
    private var position = 0

    static let comprehensionMacros: Set<String> = ["all", "exists", "exists_one", "map", "filter"]

    static func parse(_ text: String) throws(CELSyntaxError) -> CELExpression {
        var parser = CELParser(tokens: try CELLexer.tokens(text))
        let expression = try parser.conditional()
        guard parser.peek == .end else { throw parser.unexpected() }
        return expression
    }

    private init(tokens: [(CELToken, Int)]) { self.tokens = tokens }

    private var peek: CELToken { tokens[position].0 }

    private mutating func advance() -> CELToken {
        let token = tokens[position].0
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func accept(_ symbol: String) -> Bool {
        guard peek == .symbol(symbol) else { return false }
        _ = advance()
        return true
    }

    private mutating func expect(_ symbol: String) throws(CELSyntaxError) {
        guard accept(symbol) else { throw unexpected(expecting: symbol) }
    }

    private func unexpected(expecting: String? = nil) -> CELSyntaxError {
        let found: String
        switch peek {
        case .identifier(let name): found = "'\(name)'"
        case .string: found = "a string"
        case .number: found = "a number"
        case .symbol(let symbol): found = "'\(symbol)'"
        case .end: found = "<EOF>"
        }
        let message = expecting.map { "Syntax error: mismatched input \(found) expecting '\($0)'" } ?? "Syntax error: unexpected \(found)"
        return CELSyntaxError(message: message, offset: tokens[position].1)
    }

    private mutating func conditional() throws(CELSyntaxError) -> CELExpression {
        let condition = try binary(level: 0)
        guard accept("?") else { return condition }
        let whenTrue = try binary(level: 0)
        try expect(":")
        let whenFalse = try conditional()
        return .call(function: "_?_:_", target: nil, arguments: [condition, whenTrue, whenFalse])
    }

    private static let levels: [[String]] = [["||"], ["&&"], ["==", "!=", "<", "<=", ">", ">=", "in"], ["+", "-"], ["*", "/", "%"]]

    private mutating func binary(level: Int) throws(CELSyntaxError) -> CELExpression {
        guard level < Self.levels.count else { return try unary() }
        var left = try binary(level: level + 1)
        while true {
            let symbol: String
            switch peek {
            case .symbol(let found) where Self.levels[level].contains(found): symbol = found
            case .identifier("in") where level == 2: symbol = "in"
            default: return left
            }
            _ = advance()
            let right = try binary(level: level + 1)
            left = .call(function: "_\(symbol)_", target: nil, arguments: [left, right])
        }
    }

    private mutating func unary() throws(CELSyntaxError) -> CELExpression {
        if accept("!") { return .call(function: "!_", target: nil, arguments: [try unary()]) }
        if accept("-") { return .call(function: "-_", target: nil, arguments: [try unary()]) }
        return try member()
    }

    private mutating func member() throws(CELSyntaxError) -> CELExpression {
        var expression = try primary()
        while true {
            if accept(".") {
                guard case .identifier(let name) = advance() else { throw unexpected() }
                if accept("(") {
                    let arguments = try list(closing: ")")
                    expression = try Self.memberCall(name, target: expression, arguments: arguments, at: tokens[position].1)
                } else {
                    expression = .select(expression, field: name, testOnly: false)
                }
            } else if accept("[") {
                let index = try conditional()
                try expect("]")
                expression = .call(function: "_[_]", target: nil, arguments: [expression, index])
            } else {
                return expression
            }
        }
    }

    private static func memberCall(_ name: String, target: CELExpression, arguments: [CELExpression], at offset: Int) throws(CELSyntaxError)
        -> CELExpression
    {
        guard comprehensionMacros.contains(name) else { return .call(function: name, target: target, arguments: arguments) }
        guard arguments.count >= 2, case .identifier(let variable) = arguments[0] else {
            throw CELSyntaxError(message: "ERROR: <input>: \(name)() variable name must be a simple identifier", offset: offset)
        }
        return .comprehension(macro: name, range: target, variable: variable, body: Array(arguments.dropFirst()))
    }

    private mutating func list(closing: String) throws(CELSyntaxError) -> [CELExpression] {
        var elements: [CELExpression] = []
        if accept(closing) { return elements }
        repeat {
            if peek == .symbol(closing) { break }  // a trailing comma
            elements.append(try conditional())
        } while accept(",")
        try expect(closing)
        return elements
    }

    private mutating func primary() throws(CELSyntaxError) -> CELExpression {
        let start = tokens[position].1
        switch advance() {
        case .number(let text):
            return .constant(CELLiteral(number: text))
        case .string(let value):
            return .constant(.string(value))
        case .identifier(let name):
            switch name {
            case "true": return .constant(.bool(true))
            case "false": return .constant(.bool(false))
            case "null": return .constant(.null)
            default: break
            }
            guard accept("(") else { return .identifier(name) }
            let arguments = try list(closing: ")")
            if name == "has" {
                guard arguments.count == 1, case .select(let operand, let field, _) = arguments[0] else {
                    throw CELSyntaxError(message: "ERROR: <input>: invalid argument to has() macro", offset: start)
                }
                return .select(operand, field: field, testOnly: true)
            }
            return .call(function: name, target: nil, arguments: arguments)
        case .symbol("("):
            let inner = try conditional()
            try expect(")")
            return inner
        case .symbol("["):
            return .list(try list(closing: "]"))
        case .symbol("{"):
            var entries: [CELExpression] = []
            if !accept("}") {
                repeat {
                    if peek == .symbol("}") { break }
                    entries.append(try conditional())
                    try expect(":")
                    entries.append(try conditional())
                } while accept(",")
                try expect("}")
            }
            return .map(entries)
        case .symbol("."):
            guard case .identifier(let name) = advance() else { throw unexpected() }
            return .identifier(name)
        default:
            position = max(0, position - 1)
            throw unexpected()
        }
    }
}
