// PostgresHealth module
