import ClusterModel

/// The SQL a probe runs, and how its rows become ``InstanceFacts``.
///
/// One statement reads the role, version, system identifier, LSNs, WAL receiver and archiver state; on a primary a second
/// reads the physical slots. Only what a decision uses is read (see `InstanceReport`): a fact
/// comes into the probe together with the planner decision that needs it.
/// The monitoring role (`pg_monitor` and ``MonitoringAccess``) sees every column.
enum InstanceProber {
    static let factsQuery = """
        SELECT pg_is_in_recovery() AS in_recovery,
               current_setting('server_version_num') AS version_num,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS current_lsn,
               pg_last_wal_receive_lsn() AS receive_lsn,
               pg_last_wal_replay_lsn() AS replay_lsn,
               r.status AS receiver_status,
               c.system_identifier::text AS system_identifier,
               CASE WHEN pg_is_in_recovery()
                    THEN (SELECT timeline_id FROM pg_control_checkpoint())
                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint
               END AS timeline,
               CASE WHEN pg_is_in_recovery() THEN NULL
                    ELSE (SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$')
               END AS oldest_wal,
               (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size') AS segment_size,
               current_setting('default_transaction_read_only')::bool AS read_only,
               EXISTS (SELECT FROM pg_settings WHERE pending_restart) AS pending_restart,
               CASE WHEN NOT pg_is_in_recovery() THEN NULL
                    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
               END AS replay_lag_seconds
               , current_setting('archive_mode') AS archive_mode, a.archived_count, a.last_archived_wal,
               extract(epoch FROM a.last_archived_time)::float8 AS last_archived_at, a.failed_count, a.last_failed_wal,
               extract(epoch FROM a.last_failed_time)::float8 AS last_failed_at
          FROM pg_control_system() AS c
          CROSS JOIN pg_stat_archiver AS a
          LEFT JOIN pg_stat_wal_receiver AS r ON true
        """

    static let slotsQuery = """
        SELECT slot_name, active, restart_lsn, wal_status
          FROM pg_replication_slots
         WHERE slot_type = 'physical'
         ORDER BY slot_name
        """

    /// The contexts of the spec's parameters (`$1`: their names, comma-separated), the
    /// ``StandbyLimits`` as the server runs them (value, default, what `ALTER SYSTEM` set, what
    /// the files give a restart: `pg_file_settings` entries of any `error`, since one waiting
    /// for a restart reads "setting could not be applied"), and the
    /// state of the reload file beside `config_file`: what it says, and whether it (or, with
    /// TLS on, the certificate file: a renewal) changed since the server last read its
    /// configuration (``MonitoringAccess/fileStateSelect``; `pg_file_settings` parses the files
    /// afresh, so what it shows is not necessarily live).
    static func configurationQuery(asSuperuser: Bool) -> String { """
        SELECT (SELECT string_agg(lower(name) || '=' || context, E'\n')
                  FROM pg_settings WHERE lower(name) = ANY (string_to_array(lower($1), ','))) AS contexts,
               files.has_reload_file,
               (SELECT string_agg(lower(f.name) || '=' || f.setting, E'\n' ORDER BY f.seqno)
                  FROM pg_file_settings AS f WHERE f.sourcefile = r.path AND f.error IS NULL) AS reload_file,
               files.reload_pending,
               (SELECT string_agg(s.name || '=' || s.setting || ',' || s.boot_val || ',' || COALESCE(a.setting, '')
                                   || ',' || COALESCE(l.setting, ''), E'\n')
                  FROM pg_settings AS s
                  LEFT JOIN LATERAL (SELECT f.setting FROM pg_file_settings AS f
                                      WHERE f.name = s.name AND f.sourcefile LIKE '%/postgresql.auto.conf'
                                      ORDER BY f.seqno DESC LIMIT 1) AS a ON true
                  LEFT JOIN LATERAL (SELECT f.setting FROM pg_file_settings AS f
                                      WHERE f.name = s.name
                                      ORDER BY f.seqno DESC LIMIT 1) AS l ON true
                 WHERE s.name IN (\(StandbyLimits.names.map { "'\($0)'" }.joined(separator: ", ")))) AS limits
          FROM (SELECT \(MonitoringAccess.reloadFilePath) AS path) AS r, \(MonitoringAccess.fileState(asSuperuser: asSuperuser))
        """
    }

    /// `name=value,default,auto.conf value,files' value` lines of ``StandbyLimits``.
    static func limits(_ text: String?) -> [String: LimitSetting] {
        var result: [String: LimitSetting] = [:]
        for (name, fields) in pairs(text) {
            let parts = fields.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 4, let value = Int64(parts[0]), let defaultValue = Int64(parts[1]) else { continue }
            result[name] = LimitSetting(
                value: value, defaultValue: defaultValue, autoConf: parts[2].isEmpty ? nil : String(parts[2]),
                fileValue: Int64(parts[3].filter { $0 != " " && $0 != "\t" }))
        }
        return result
    }

    /// `name=value` lines (values may hold `=`) as a dictionary.
    static func pairs(_ text: String?) -> [String: String] {
        var result: [String: String] = [:]
        for line in (text ?? "").split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }

    /// Probes one instance over `connection`; throws when a query fails. `asSuperuser`: the
    /// connection is the superuser's, which reads the files itself rather than through the
    /// monitoring role's functions (``MonitoringAccess``).
    static func probe(
        _ address: InstanceAddress, on connection: PostgresConnection, deadline: ContinuousClock.Instant, parameters: [String] = [],
        asSuperuser: Bool = true
    ) async throws(PostgresError) -> InstanceFacts {
        let row = try await connection.query(factsQuery, timeout: remaining(deadline))
            .singleRow(for: "probe", host: address.host, port: address.port)
        var facts = InstanceFacts(address: address)
        do throws(PostgresError) {
            let inRecovery = try row.require(Bool.self, "in_recovery")
            facts.isInRecovery = inRecovery
            facts.serverVersionNumber = try row.require(Int.self, "version_num")
            facts.currentLSN = try row.decode(LSN.self, "current_lsn")
            facts.receiveLSN = try row.decode(LSN.self, "receive_lsn")
            facts.replayLSN = try row.decode(LSN.self, "replay_lsn")
            facts.walReceiverStatus = try row.decode(String.self, "receiver_status")
            facts.systemIdentifier = try row.require(String.self, "system_identifier")
            facts.timeline = try row.decode(Int.self, "timeline")
            facts.isReadOnlyByDefault = try row.decode(Bool.self, "read_only") ?? false
            facts.pendingRestart = try row.decode(Bool.self, "pending_restart") ?? false
            facts.replayLagSeconds = try row.decode(Double.self, "replay_lag_seconds")
            if let oldest = try row.decode(String.self, "oldest_wal"), let size = try row.decode(Int.self, "segment_size") {
                facts.oldestWAL = LSN(walFileName: oldest, segmentSize: UInt64(size))
            }
            if !inRecovery {
                facts.lagBytes = 0
                facts.replicationSlots = try await slots(on: connection, deadline: deadline)
                facts.archiver = ArchiverFacts(
                    mode: try row.require(String.self, "archive_mode"),
                    archivedCount: Int64(try row.require(Int.self, "archived_count")),
                    lastArchivedWAL: try row.decode(String.self, "last_archived_wal"),
                    lastArchivedAt: try row.decode(Double.self, "last_archived_at"),
                    failedCount: Int64(try row.require(Int.self, "failed_count")),
                    lastFailedWAL: try row.decode(String.self, "last_failed_wal"),
                    lastFailedAt: try row.decode(Double.self, "last_failed_at"))
            }
            let configuration = try await connection.query(configurationQuery(asSuperuser: asSuperuser), [parameters.joined(separator: ",")], timeout: remaining(deadline))
                .singleRow(for: "probe configuration", host: address.host, port: address.port)
            facts.parameterContexts = pairs(try configuration.decode(String.self, "contexts"))
            if try configuration.decode(Bool.self, "has_reload_file") == true {
                facts.reloadFile = pairs(try configuration.decode(String.self, "reload_file"))
            }
            facts.reloadPending = try configuration.decode(Bool.self, "reload_pending") ?? false
            facts.limits = limits(try configuration.decode(String.self, "limits"))
            if inRecovery, address.passfile != nil {
                facts.passfileDigest = try await connection.query(MonitoringAccess.passfileDigest(asSuperuser: asSuperuser), timeout: remaining(deadline))
                    .singleRow(for: "probe passfile", host: address.host, port: address.port)
                    .decode(String.self, "digest")
            }
        } catch {
            throw PostgresError(
                code: error.code, host: address.host, port: address.port, operation: "probe",
                sqlState: error.sqlState, serverMessage: error.serverMessage)
        }
        return facts
    }

    static func slots(on connection: PostgresConnection, deadline: ContinuousClock.Instant) async throws(PostgresError) -> [ReplicationSlotInfo] {
        var result: [ReplicationSlotInfo] = []
        for row in try await connection.query(slotsQuery, timeout: remaining(deadline)).rows {
            result.append(ReplicationSlotInfo(
                name: try row.require(String.self, "slot_name"),
                isActive: try row.require(Bool.self, "active"),
                restartLSN: try row.decode(LSN.self, "restart_lsn"),
                walStatus: try row.decode(String.self, "wal_status")))
        }
        return result
    }

    /// Time left until `deadline`, at least a millisecond so a query is still attempted.
    static func remaining(_ deadline: ContinuousClock.Instant) -> Duration {
        max(.milliseconds(1), deadline - .now)
    }
}
