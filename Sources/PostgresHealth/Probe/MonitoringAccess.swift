import ClusterModel

/// What the monitoring role (``ClusterDefaults/monitorUserName``) may do, and the SQL that sets
/// it up on a primary.
///
/// The role is a member of `pg_monitor` (every statistics view and setting, `pg_ls_waldir`),
/// may read `pg_file_settings` (what the configuration files say), and may call two functions of
/// the `ordinal` schema that answer fixed questions about files only a superuser may stat or
/// read: whether the reload file exists and whether it or the server certificate changed since
/// the last configuration load, and the digest of the passfile the server's `primary_conninfo`
/// names. The functions are `SECURITY DEFINER`, owned by the superuser that makes them, take no
/// argument and return no file content, so the role learns only those answers. Of the
/// operator's actions it may run the two that change no data: `pg_reload_conf()` and (with
/// `pg_checkpoint`, PostgreSQL 15 and later) `CHECKPOINT`. It can write nothing: no table, no
/// setting, no file.
///
/// A probe as the superuser (before the role exists) runs the same expressions inline, so both
/// read the same facts from one definition.
public enum MonitoringAccess {
    /// The schema that holds the functions.
    public static let schema = "ordinal"
    /// Set as the schema's comment once the setup ran; a different comment (an older operator's
    /// setup, or none) runs the setup again.
    public static let version = "ordinal monitoring 1"

    /// The reload file's path: beside `config_file`.
    static let reloadFilePath =
        "regexp_replace(current_setting('config_file'), '[^/]*$', '') || '\(PostgresConfigFiles.reloadFileName)'"

    /// `has_reload_file` and `reload_pending` (see ``InstanceProber/configurationQuery(asSuperuser:)``). A
    /// file's time has whole seconds: one changed in the second of the last reload counts as
    /// changed, so it is reloaded once more rather than missed.
    static let fileStateSelect = """
        SELECT (pg_stat_file(r.path, true)).size IS NOT NULL AS has_reload_file,
               COALESCE((pg_stat_file(r.path, true)).modification >= date_trunc('second', pg_conf_load_time()), false)
                 OR (current_setting('ssl') = 'on' AND COALESCE((pg_stat_file(current_setting('ssl_cert_file'), true)).modification
                                                              >= date_trunc('second', pg_conf_load_time()), false)) AS reload_pending
          FROM (SELECT \(reloadFilePath) AS path) AS r
        """

    /// The passfile `primary_conninfo` names: its keyword's value, plain or quoted (libpq's
    /// quoting: `'...'` with `\` escapes).
    static let passfilePath = """
        (SELECT CASE WHEN v LIKE '''%' THEN regexp_replace(substr(v, 2, length(v) - 2), '\\\\(.)', '\\1', 'g') ELSE v END
           FROM (SELECT substring(current_setting('primary_conninfo') FROM '(?:^|\\s)passfile\\s*=\\s*(''(?:[^''\\\\]|\\\\.)*''|[^\\s'']\\S*)') AS v) AS q)
        """

    /// `digest`: the SHA-256 of the passfile `primary_conninfo` names (`absent` when the file
    /// does not exist, NULL when `primary_conninfo` names none). Only the digest leaves the server.
    static let passfileDigestSelect = """
        SELECT CASE WHEN p.path IS NULL THEN NULL
                    WHEN (pg_stat_file(p.path, true)).size IS NULL THEN 'absent'
                    ELSE encode(sha256(pg_read_binary_file(p.path)), 'hex')
               END AS digest
          FROM (SELECT \(passfilePath) AS path) AS p
        """

    /// The `FROM` item that gives `has_reload_file` and `reload_pending`: the function for the
    /// monitoring role, the expressions themselves for the superuser.
    static func fileState(asSuperuser: Bool) -> String {
        asSuperuser ? "(\(fileStateSelect)) AS files" : "\(schema).configuration_files() AS files"
    }

    /// The query for the passfile's digest.
    static func passfileDigest(asSuperuser: Bool) -> String {
        asSuperuser ? passfileDigestSelect : "SELECT \(schema).passfile_digest() AS digest"
    }

    /// Two columns for a query whose `$4` is the role's name: `monitor_exists`, and
    /// `monitor_ready` (it logs in, is no superuser, is a member of `pg_monitor`, and the schema
    /// says this ``version`` of the setup).
    static let readinessColumns = """
        EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $4) AS monitor_exists,
        CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $4 AND rolcanlogin AND NOT rolsuper)
             THEN pg_catalog.pg_has_role($4, 'pg_monitor', 'MEMBER')
                  AND COALESCE((SELECT pg_catalog.obj_description(oid, 'pg_namespace') FROM pg_catalog.pg_namespace
                                 WHERE nspname = '\(schema)'), '') = '\(version)'
             ELSE false END AS monitor_ready
        """

    /// The setup, run on the primary as the superuser when `monitor_ready` (``readinessColumns``) is false; every
    /// statement may run again. `role` is quoted; `verifier` is a quoted SCRAM verifier, used only
    /// when the role does not exist yet (an existing role's password is ``PasswordPlan``'s).
    static func setup(role: String, verifier: String, roleExists: Bool) -> [String] {
        var statements: [String] = []
        if roleExists {
            statements.append("ALTER ROLE \(role) WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
        } else {
            statements.append("CREATE ROLE \(role) WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD \(verifier)")
        }
        statements += [
            "GRANT pg_monitor TO \(role)",
            "GRANT SELECT ON pg_catalog.pg_file_settings TO \(role)",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_reload_conf() TO \(role)",
            // pg_checkpoint exists from PostgreSQL 15 on; before, CHECKPOINT needs the superuser.
            "DO $ordinal$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pg_checkpoint') THEN GRANT pg_checkpoint TO \(role); END IF; END $ordinal$",
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() TO \(role)",
            "CREATE SCHEMA IF NOT EXISTS \(schema)",
            "REVOKE ALL ON SCHEMA \(schema) FROM PUBLIC",
            "GRANT USAGE ON SCHEMA \(schema) TO \(role)",
            """
            CREATE OR REPLACE FUNCTION \(schema).configuration_files(OUT has_reload_file boolean, OUT reload_pending boolean)
              LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
              AS $ordinal$ \(fileStateSelect) $ordinal$
            """,
            """
            CREATE OR REPLACE FUNCTION \(schema).passfile_digest() RETURNS text
              LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
              AS $ordinal$ \(passfileDigestSelect) $ordinal$
            """,
            "REVOKE ALL ON FUNCTION \(schema).configuration_files() FROM PUBLIC",
            "REVOKE ALL ON FUNCTION \(schema).passfile_digest() FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION \(schema).configuration_files() TO \(role)",
            "GRANT EXECUTE ON FUNCTION \(schema).passfile_digest() TO \(role)",
            "COMMENT ON SCHEMA \(schema) IS '\(version)'",
        ]
        return statements
    }
}
