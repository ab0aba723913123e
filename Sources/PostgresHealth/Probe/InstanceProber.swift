/// The SQL a probe runs, and how its rows become ``InstanceFacts``.
///
/// One statement reads the role, version, timeline, LSNs, WAL receiver and pending-restart
/// settings; on a primary two more read `pg_stat_replication` and the physical slots.
/// Each needs the superuser (or `pg_monitor`) to see every column.
enum InstanceProber {
    static let factsQuery = """
        SELECT pg_is_in_recovery() AS in_recovery,
               current_setting('server_version_num') AS version_num,
               current_setting('server_version') AS version,
               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS current_lsn,
               CASE WHEN pg_is_in_recovery() THEN NULL
                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS current_timeline,
               pg_last_wal_receive_lsn() AS receive_lsn,
               pg_last_wal_replay_lsn() AS replay_lsn,
               (SELECT timeline_id FROM pg_control_checkpoint()) AS checkpoint_timeline,
               r.status AS receiver_status, r.sender_host, r.sender_port, r.slot_name AS receiver_slot,
               r.received_tli,
               (SELECT string_agg(name, ',' ORDER BY name) FROM pg_settings WHERE pending_restart) AS pending_restart
          FROM (SELECT 1) AS one
          LEFT JOIN pg_stat_wal_receiver AS r ON true
        """

    static let standbysQuery = """
        SELECT application_name, host(client_addr) AS client_addr, state, sent_lsn, replay_lsn,
               EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag_seconds, sync_state
          FROM pg_stat_replication
         ORDER BY application_name
        """

    static let slotsQuery = """
        SELECT slot_name, active, restart_lsn, wal_status
          FROM pg_replication_slots
         WHERE slot_type = 'physical'
         ORDER BY slot_name
        """

    /// Probes one instance over `connection`; throws when a query fails.
    static func probe(
        _ address: InstanceAddress, on connection: PostgresConnection, deadline: ContinuousClock.Instant
    ) async throws(PostgresError) -> InstanceFacts {
        let row = try await connection.query(factsQuery, timeout: remaining(deadline))
            .singleRow(for: "probe", host: address.host, port: address.port)
        var facts = InstanceFacts(address: address)
        do throws(PostgresError) {
            let inRecovery = try row.require(Bool.self, "in_recovery")
            facts.isInRecovery = inRecovery
            facts.serverVersionNumber = try row.require(Int.self, "version_num")
            facts.serverVersion = try row.require(String.self, "version")
            facts.currentLSN = try row.decode(LSN.self, "current_lsn")
            facts.receiveLSN = try row.decode(LSN.self, "receive_lsn")
            facts.replayLSN = try row.decode(LSN.self, "replay_lsn")
            let currentTimeline = try row.decode(Int.self, "current_timeline")
            let receivedTimeline = try row.decode(Int.self, "received_tli")
            let checkpointTimeline = try row.decode(Int.self, "checkpoint_timeline")
            facts.timeline = currentTimeline ?? receivedTimeline ?? checkpointTimeline
            if let status = try row.decode(String.self, "receiver_status") {
                facts.walReceiver = WalReceiverInfo(
                    status: status, senderHost: try row.decode(String.self, "sender_host"),
                    senderPort: try row.decode(Int.self, "sender_port"),
                    slotName: try row.decode(String.self, "receiver_slot"))
            }
            facts.pendingRestartSettings = (try row.decode(String.self, "pending_restart"))
                .map { $0.split(separator: ",").map(String.init) } ?? []
            if !inRecovery {
                facts.lagBytes = 0
                facts.standbys = try await standbys(on: connection, deadline: deadline)
                facts.replicationSlots = try await slots(on: connection, deadline: deadline)
            }
        } catch {
            throw PostgresError(
                code: error.code, host: address.host, port: address.port, operation: "probe",
                sqlState: error.sqlState, serverMessage: error.serverMessage)
        }
        return facts
    }

    static func standbys(on connection: PostgresConnection, deadline: ContinuousClock.Instant) async throws(PostgresError) -> [StandbyConnection] {
        var result: [StandbyConnection] = []
        for row in try await connection.query(standbysQuery, timeout: remaining(deadline)).rows {
            result.append(StandbyConnection(
                applicationName: try row.decode(String.self, "application_name") ?? "",
                clientAddress: try row.decode(String.self, "client_addr"),
                state: try row.decode(String.self, "state") ?? "",
                sentLSN: try row.decode(LSN.self, "sent_lsn"),
                replayLSN: try row.decode(LSN.self, "replay_lsn"),
                replayLagSeconds: try row.decode(Double.self, "replay_lag_seconds"),
                syncState: try row.decode(String.self, "sync_state")))
        }
        return result
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
