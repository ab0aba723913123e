import Testing

/// The suites that run pgBackRest against real PostgreSQL, one at a time: each starts a cluster
/// with a sidecar per instance and compresses backups, and side by side they crowded a two-core
/// machine enough to make unrelated timing bounds miss.
@Suite("pgBackRest suites", .serialized)
enum BackupSuites {}
