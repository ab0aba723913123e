/// One row of a ``QueryResult``: values by column name, read as typed values.
public struct PostgresRow: Sendable, Hashable {
    /// Column names, shared with the result.
    public let columns: [String]
    /// Text values; nil is SQL NULL.
    public let values: [String?]

    /// Creates a row.
    public init(columns: [String], values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The value of `column` read as `T`, or nil when it is SQL NULL.
    ///
    /// Throws ``PostgresError/Code/unexpectedResult`` when the column is absent or its text
    /// is not a valid `T`.
    public func decode<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws(PostgresError) -> T? {
        guard let index = columns.firstIndex(of: column) else {
            throw Self.error("no column \(column) in the result")
        }
        guard let text = values[index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw Self.error("column \(column): '\(text.prefix(64))' is not a \(T.self)")
        }
        return value
    }

    /// The value of `column` read as `T`; SQL NULL is an error.
    public func require<T: PostgresDecodable>(_ type: T.Type, _ column: String) throws(PostgresError) -> T {
        guard let value = try decode(type, column) else {
            throw Self.error("column \(column) is NULL")
        }
        return value
    }

    private static func error(_ message: String) -> PostgresError {
        PostgresError(code: .unexpectedResult, host: "", port: 0, operation: "decode", serverMessage: message)
    }
}

/// A Swift type that can be read from PostgreSQL's text output format.
public protocol PostgresDecodable: Sendable {
    /// Reads the value, or nil when the text is not a valid value of this type.
    init?(postgresText: String)
}

extension String: PostgresDecodable {
    /// Any text is a string.
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresDecodable {
    /// Reads `int2`, `int4`, `int8` and `numeric` values without a fraction.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresDecodable {
    /// Reads `int2`, `int4`, `int8` and `numeric` values without a fraction.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresDecodable {
    /// Reads `float4`, `float8` and `numeric` values.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Bool: PostgresDecodable {
    /// Reads `bool` (`t`/`f`, and the spelled-out forms `SHOW` uses: `on`/`off`, `true`/`false`).
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true", "on", "yes", "1": self = true
        case "f", "false", "off", "no", "0": self = false
        default: return nil
        }
    }
}
