// PostgresTestSupport module
