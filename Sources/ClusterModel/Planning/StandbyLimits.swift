/// Settings a hot standby must run with at least the primary's values: PostgreSQL records the
/// primary's in the WAL, and a standby with a lower one stops replaying (and does not start).
///
/// Raising one walks as any change does (replicas first, the primary last). Lowering one
/// would stick at the first replica restarted with the new value while the primary still runs
/// the old, so the primary goes first: its new values are written with `ALTER SYSTEM`
/// (`postgresql.auto.conf`, which PostgreSQL reads after `postgresql.conf`) and it is restarted
/// alone, at the old revision, before any replica; the replicas then walk as usual. At the
/// primary's own step its `ALTER SYSTEM` entries of these settings are set to the new
/// revision's values (not reset: if the step waits, say on a failed CHECKPOINT, and the
/// primary restarts meanwhile at the old revision, it must still start with the values its
/// replicas already run); once the walk is over, entries that say what `postgresql.conf` says
/// are reset, which changes nothing the server runs. See docs/upgrades.md.
public enum StandbyLimits {
    /// The settings, as `pg_settings` names them.
    public static let names = [
        "max_connections", "max_locks_per_transaction", "max_prepared_transactions", "max_wal_senders", "max_worker_processes",
    ]

    /// The value the pod template's `postgresql.conf` gives `name`: the spec's, else Ordinal's
    /// own; `nil` when neither sets it (the server's default applies).
    static func templateValue(_ name: String, resolved: ResolvedCluster) -> String? {
        if let (_, value) = resolved.parameters.first(where: { $0.key.lowercased() == name }) { return value }
        return PostgresConfigFiles.baseParameters.first { $0.0 == name }?.1
    }

    /// The value `name` runs with under the current spec's template, given how the server
    /// reports it: the template's, else the server's built-in default; `nil` when the template's
    /// is not a plain integer (PostgreSQL refuses it, and the walk stops at the first pod, as for
    /// any broken value).
    static func target(_ name: String, resolved: ResolvedCluster, running: LimitSetting) -> Int64? {
        guard let text = templateValue(name, resolved: resolved) else { return running.defaultValue }
        return Int64(text.trimmingSpaces)
    }

    /// The settings the current spec's template gives a lower value than `primary` runs, or
    /// runs after a restart (its files may give a higher value than it runs, say after an
    /// `ALTER SYSTEM` entry was reset): name → the template's value. A value that is not a
    /// plain integer is never counted as lowering.
    static func lowered(resolved: ResolvedCluster, primary: DatabaseFacts) -> [String: Int64] {
        var lowered: [String: Int64] = [:]
        for name in names {
            guard let running = primary.limits[name], let target = target(name, resolved: resolved, running: running) else { continue }
            if target < running.highest { lowered[name] = target }
        }
        return lowered
    }

    /// What the primary's `postgresql.auto.conf` entries of these settings become at its own
    /// step: each entry is set to the template's value (so a restart at either revision gives
    /// the value the replicas now run), or reset when that value is unknown.
    static func pinned(resolved: ResolvedCluster, primary: DatabaseFacts?) -> (set: [String: Int64], reset: [String]) {
        var set: [String: Int64] = [:]
        var reset: [String] = []
        for name in names {
            guard let running = primary?.limits[name], let entry = running.autoConf else { continue }
            if let target = target(name, resolved: resolved, running: running) {
                if Int64(entry.trimmingSpaces) != target { set[name] = target }
            } else {
                reset.append(name)
            }
        }
        return (set, reset)
    }

    /// The primary's `postgresql.auto.conf` entries of these settings that say what the
    /// template says: resetting them changes nothing the server runs.
    static func redundant(resolved: ResolvedCluster, primary: DatabaseFacts) -> [String] {
        names.filter { name in
            guard let running = primary.limits[name], let entry = running.autoConf else { return false }
            return Int64(entry.trimmingSpaces) == target(name, resolved: resolved, running: running)
        }
    }

    /// `name=value` lines, in name order (for status and messages).
    static func describe(_ values: [String: Int64]) -> [String] {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}

/// One of ``StandbyLimits/names`` as a running server reports it.
public struct LimitSetting: Sendable, Hashable {
    /// The value in effect (`pg_settings.setting`).
    public var value: Int64
    /// The server's built-in default (`pg_settings.boot_val`).
    public var defaultValue: Int64
    /// What `postgresql.auto.conf` (`ALTER SYSTEM`) says, if it sets it.
    public var autoConf: String?
    /// What the configuration files give it now (`pg_file_settings`, the last entry of any
    /// file): the value a restart runs with, which differs from ``value`` while a restart is
    /// pending. `nil` when no file sets it (the default applies) or it is not a plain integer.
    public var fileValue: Int64?

    /// Creates a setting.
    public init(value: Int64, defaultValue: Int64, autoConf: String? = nil, fileValue: Int64? = nil) {
        self.value = value
        self.defaultValue = defaultValue
        self.autoConf = autoConf
        self.fileValue = fileValue
    }

    /// The higher of the value in effect and the value a restart gives: what a primary may run
    /// from now on (a standby must run at least this).
    public var highest: Int64 { max(value, fileValue ?? defaultValue) }

    /// The lower of the value in effect and the value a restart gives: what a standby may run
    /// from now on.
    public var lowest: Int64 { min(value, fileValue ?? defaultValue) }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
