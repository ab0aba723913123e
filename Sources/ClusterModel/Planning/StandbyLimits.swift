/// Settings a hot standby must run with at least the primary's values: PostgreSQL records the
/// primary's in the WAL, and a standby with a lower one stops replaying (and does not start).
///
/// Raising one walks as any change does (replicas first, the primary last). Lowering one
/// would stick at the first replica restarted with the new value while the primary still runs
/// the old, so the primary goes first: its new values are written with `ALTER SYSTEM`
/// (`postgresql.auto.conf`, which PostgreSQL reads after `postgresql.conf`) and it is restarted
/// alone, at the old revision, before any replica; the replicas then walk as usual, and at
/// the primary's own step the `ALTER SYSTEM` entries are reset, so it comes back reading
/// only its revision's `postgresql.conf`, which says the same values. See docs/upgrades.md.
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

    /// The settings the current spec's template gives a lower value than `primary` runs:
    /// name → the template's value. A value that is not a plain integer is never counted as
    /// lowering (PostgreSQL refuses it, and the walk stops at the first pod, as for any broken value).
    static func lowered(resolved: ResolvedCluster, primary: DatabaseFacts) -> [String: Int64] {
        var lowered: [String: Int64] = [:]
        for name in names {
            guard let running = primary.limits[name] else { continue }
            let target: Int64?
            if let text = templateValue(name, resolved: resolved) {
                target = Int64(text.trimmingSpaces)
            } else {
                target = running.defaultValue
            }
            if let target, target < running.value { lowered[name] = target }
        }
        return lowered
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

    /// Creates a setting.
    public init(value: Int64, defaultValue: Int64, autoConf: String? = nil) {
        self.value = value
        self.defaultValue = defaultValue
        self.autoConf = autoConf
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
