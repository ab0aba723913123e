/// The changes the operator makes to replication: slots on the primary, `primary_conninfo`
/// on replicas, and a `CHECKPOINT` before an instance is restarted.
///
/// Every action is idempotent and reads before it writes, so calling it on every
/// reconcile is cheap and changes nothing when all is in place.
public struct ReplicationActions: Sendable {
    /// The pool connections come from.
    public let pool: ConnectionPool

    /// Creates the actions over a pool.
    public init(pool: ConnectionPool) {
        self.pool = pool
    }

    /// Ensures one physical replication slot per replica pod on the primary, and drops the
    /// slots of pods that no longer exist.
    ///
    /// - Parameters:
    ///   - primary: connection settings of the primary (a superuser, or a role with REPLICATION).
    ///   - replicaPods: the pods that should stream from the primary; each gets the slot
    ///     ``ReplicationSlotInfo/slotName(forPod:)`` with WAL reserved at once.
    ///   - gonePods: pods that are gone for good (scaled away). Only their slots are dropped,
    ///     and only when inactive. A replica that is merely down keeps its slot: pass it in
    ///     neither list, or in `replicaPods`. Slots Ordinal did not name are never touched.
    /// - Throws: ``PostgresError/Code/notPrimary`` when the instance is in recovery.
    @discardableResult
    public func ensureReplicationSlots(
        on primary: ConnectionSettings, replicaPods: [String], gonePods: Set<String> = [],
        timeout: Duration = .seconds(10)
    ) async throws(PostgresError) -> SlotChanges {
        let deadline = ContinuousClock.now + timeout
        return try await pool.withConnection(primary, deadline: deadline) { connection throws(PostgresError) in
            let inRecovery = try await connection.query("SELECT pg_is_in_recovery() AS r", timeout: InstanceProber.remaining(deadline))
                .singleRow(for: "ensure slots", host: primary.host, port: primary.port).require(Bool.self, "r")
            if inRecovery {
                throw PostgresError(
                    code: .notPrimary, host: primary.host, port: primary.port, operation: "ensure slots",
                    serverMessage: "the instance is in recovery; slots are managed on the primary only")
            }
            let existing = try await InstanceProber.slots(on: connection, deadline: deadline)
            let active = Dictionary(existing.map { ($0.name, $0.isActive) }, uniquingKeysWith: { $0 || $1 })
            var changes = SlotChanges()
            let wanted = Set(replicaPods.map(ReplicationSlotInfo.slotName(forPod:)))
            for slot in replicaPods.map(ReplicationSlotInfo.slotName(forPod:)) where active[slot] == nil {
                do throws(PostgresError) {
                    _ = try await connection.query(
                        "SELECT pg_create_physical_replication_slot($1, true)", [slot],
                        timeout: InstanceProber.remaining(deadline))
                    changes.created.append(slot)
                } catch where error.sqlState == "42710" {
                    // Created meanwhile (by the replica's bootstrap script): fine.
                }
            }
            for slot in gonePods.map(ReplicationSlotInfo.slotName(forPod:)).sorted()
            where !wanted.contains(slot) && active[slot] != nil {
                if active[slot] == true {
                    changes.keptActive.append(slot)
                    continue
                }
                do throws(PostgresError) {
                    _ = try await connection.query(
                        "SELECT pg_drop_replication_slot($1)", [slot], timeout: InstanceProber.remaining(deadline))
                    changes.dropped.append(slot)
                } catch where error.sqlState == "55006" {
                    changes.keptActive.append(slot)  // became active meanwhile
                } catch where error.sqlState == "42704" {
                    // Dropped meanwhile: fine.
                }
            }
            return changes
        }
    }

    /// Ensures a replica streams with `desired`: when its `primary_conninfo` or
    /// `primary_slot_name` differ, sets both with `ALTER SYSTEM` and reloads the configuration
    /// (PostgreSQL 13 and later restart the WAL receiver on reload; no server restart).
    ///
    /// - Returns: true when the settings were changed.
    @discardableResult
    public func ensurePrimaryConnInfo(
        on replica: ConnectionSettings, _ desired: PrimaryConnInfo, timeout: Duration = .seconds(10)
    ) async throws(PostgresError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        return try await pool.withConnection(replica, deadline: deadline) { connection throws(PostgresError) in
            func isCurrent() async throws(PostgresError) -> Bool {
                let row = try await connection.query(
                    "SELECT current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot",
                    timeout: InstanceProber.remaining(deadline)
                ).singleRow(for: "ensure primary_conninfo", host: replica.host, port: replica.port)
                let conninfo = try row.decode(String.self, "conninfo") ?? ""
                let slot = try row.decode(String.self, "slot") ?? ""
                return desired.isSatisfied(by: conninfo) && slot == desired.slotName
            }
            if try await isCurrent() { return false }
            let conninfo = try connection.escapeLiteral(desired.connectionString)
            let slot = try connection.escapeLiteral(desired.slotName)
            for statement in [
                "ALTER SYSTEM SET primary_conninfo = \(conninfo)",
                "ALTER SYSTEM SET primary_slot_name = \(slot)",
                "SELECT pg_reload_conf()",
            ] {
                _ = try await connection.query(statement, timeout: InstanceProber.remaining(deadline))
            }
            // The reload is a signal; wait until this backend sees the new values.
            while ContinuousClock.now < deadline {
                if try await isCurrent() { return true }
                try? await Task.sleep(for: .milliseconds(50))
            }
            throw PostgresError(
                code: .queryTimeout, host: replica.host, port: replica.port, operation: "ensure primary_conninfo",
                serverMessage: "the reloaded settings did not take effect within \(timeout)")
        }
    }

    /// `pg_reload_conf()` on the instance: it reads its configuration files again.
    public func reloadConfiguration(on instance: ConnectionSettings, timeout: Duration = .seconds(10)) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        _ = try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            try await connection.query("SELECT pg_reload_conf()", timeout: timeout)
        }
    }

    /// Runs `CHECKPOINT`, so a following restart or shutdown has little WAL to replay.
    /// On a standby this is a restartpoint.
    public func checkpoint(on instance: ConnectionSettings, timeout: Duration = .seconds(300)) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        _ = try await pool.withConnection(instance, deadline: deadline) { connection throws(PostgresError) in
            try await connection.query("CHECKPOINT", timeout: timeout)
        }
    }

    /// Drops the slot of `pod` when it is not in use (an invalidated slot can never be streamed
    /// from again) and makes it again, reserving WAL from now, for the replica's rebuild.
    public func recreateSlot(on primary: ConnectionSettings, forPod pod: String, timeout: Duration = .seconds(10)) async throws(PostgresError) {
        let deadline = ContinuousClock.now + timeout
        let slot = ReplicationSlotInfo.slotName(forPod: pod)
        try await pool.withConnection(primary, deadline: deadline) { connection throws(PostgresError) in
            let rows = try await connection.query(
                "SELECT active FROM pg_replication_slots WHERE slot_name = $1 AND NOT pg_is_in_recovery()", [slot],
                timeout: InstanceProber.remaining(deadline)).rows
            if let row = rows.first {
                if try row.require(Bool.self, "active") {
                    throw PostgresError(
                        code: .invalidArgument, host: primary.host, port: primary.port, operation: "recreate slot",
                        serverMessage: "slot \(slot) is in use by a WAL sender; it is left alone")
                }
                _ = try await connection.query("SELECT pg_drop_replication_slot($1)", [slot], timeout: InstanceProber.remaining(deadline))
            }
            do throws(PostgresError) {
                _ = try await connection.query(
                    "SELECT pg_create_physical_replication_slot($1, true)", [slot], timeout: InstanceProber.remaining(deadline))
            } catch where error.sqlState == "42710" {
                // Made meanwhile: fine.
            }
        }
    }
}
