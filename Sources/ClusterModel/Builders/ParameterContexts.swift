/// Which parameters PostgreSQL applies only when the server starts, and so belong to the pod
/// template (a change walks the StatefulSet), and which a reload applies (a change goes to
/// every instance at once, without a restart).
///
/// PostgreSQL decides: the probe reads `pg_settings.context` of every parameter the spec sets,
/// and `postmaster` (or `internal`) means a restart. Before any server has answered (a new
/// cluster, `ordinal render`), the list below says, as PostgreSQL 15 to 17 report it; a name
/// neither knows (an extension's setting before the extension is loaded, a typo) counts as
/// needing a restart, the safe side: the walk that applies it stops at the first pod that
/// does not come back.
public enum ParameterContexts {
    /// `postmaster`-context parameters (`postgres --describe-config` of 15, plus 16 and 17's).
    static let restartBound: Set<String> = [
        "archive_mode", "autovacuum_freeze_max_age", "autovacuum_max_workers", "autovacuum_multixact_freeze_max_age",
        "bonjour", "bonjour_name", "cluster_name", "commit_timestamp_buffers", "data_directory", "data_sync_retry",
        "debug_io_direct", "dynamic_shared_memory_type", "event_source", "external_pid_file", "hba_file", "hot_standby",
        "huge_page_size", "huge_pages", "ident_file", "jit_provider", "listen_addresses", "logging_collector",
        "max_connections", "max_files_per_process", "max_locks_per_transaction", "max_logical_replication_workers",
        "max_notify_queue_pages", "max_pred_locks_per_transaction", "max_prepared_transactions", "max_replication_slots",
        "max_wal_senders", "max_worker_processes", "min_dynamic_shared_memory", "multixact_member_buffers",
        "multixact_offset_buffers", "notify_buffers", "old_snapshot_threshold", "port", "recovery_target",
        "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name",
        "recovery_target_time", "recovery_target_timeline", "recovery_target_xid", "reserved_connections",
        "serializable_buffers", "shared_buffers", "shared_memory_type", "shared_preload_libraries",
        "subtransaction_buffers", "superuser_reserved_connections", "track_activity_query_size",
        "track_commit_timestamp", "transaction_buffers", "unix_socket_directories", "unix_socket_group",
        "unix_socket_permissions", "wal_buffers", "wal_decode_buffer_size", "wal_level", "wal_log_hints",
    ]

    /// Reloadable core parameters as PostgreSQL 15 reports them (everything else it knows); a
    /// name in neither list is unknown here.
    static func isKnownCoreName(_ name: String) -> Bool { !name.contains(".") }

    /// True when `name` takes effect only at server start. `reported`: `pg_settings.context` by
    /// lowercase name, from a running server of the cluster (empty when none answered).
    public static func needsRestart(_ name: String, reported: [String: String]) -> Bool {
        let key = name.lowercased()
        if let context = reported[key] { return context == "postmaster" || context == "internal" }
        return restartBound.contains(key) || !isKnownCoreName(key)
    }

    /// `parameters` split into those a restart applies and those a reload applies.
    public static func split(_ parameters: [String: String], reported: [String: String])
        -> (restart: [String: String], reload: [String: String])
    {
        var restart: [String: String] = [:]
        var reload: [String: String] = [:]
        for (name, value) in parameters {
            if needsRestart(name, reported: reported) { restart[name] = value } else { reload[name] = value }
        }
        return (restart, reload)
    }
}
