/// The rows a query returned, as text values (libpq's text format) read into typed values
/// through ``PostgresRow``.
public struct QueryResult: Sendable, Hashable {
    /// Column names, in order.
    public var columns: [String]
    /// Each row's values; nil is SQL NULL.
    public var rows: [PostgresRow]
    /// The command tag (`SELECT 3`, `CHECKPOINT`, `ALTER SYSTEM`).
    public var commandTag: String

    /// Creates a result.
    public init(columns: [String], rows: [PostgresRow], commandTag: String) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
    }

    /// The only row, or an error naming the query when there is not exactly one.
    public func singleRow(for operation: String, host: String, port: Int) throws(PostgresError) -> PostgresRow {
        guard rows.count == 1, let row = rows.first else {
            throw PostgresError(
                code: .unexpectedResult, host: host, port: port, operation: operation,
                serverMessage: "expected one row, got \(rows.count)")
        }
        return row
    }
}
