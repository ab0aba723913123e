import KubeTypes

/// A five-field cron expression (`minute hour day-of-month month day-of-week`, UTC), as
/// Kubernetes CronJobs and Vixie cron read it: `*`, numbers, ranges `a-b`, lists `a,b`, steps
/// `*/n` and `a-b/n`; day of week 0–7 (0 and 7 are Sunday). When both day fields are
/// restricted, a day matches either (cron's rule). Pure: ``next(after:)`` is what the planner
/// asks for a schedule's next run.
public struct CronSchedule: Sendable, Hashable {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// Why an expression is not a schedule.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The pattern admission checks (shape only; ``init(_:)`` checks ranges).
    public static let pattern = #"^\s*(\S+\s+){4}\S+\s*$"#

    /// What the CRD's rule admits (RE2, no backslash): five fields, each a list of `*`, a number
    /// in its range or a range of them, with an optional step. ``init(_:)`` also refuses a
    /// range that runs backwards.
    public static let admissionPattern: String = {
        let numbers = ["[0-5]?[0-9]", "[01]?[0-9]|2[0-3]", "0?[1-9]|[12][0-9]|3[01]", "0?[1-9]|1[0-2]", "[0-7]"]
        let fields = numbers.map { number in
            let item = "([*]|(\(number))(-(\(number)))?)(/[1-9][0-9]?)?"
            return "\(item)(,\(item))*"
        }
        return "^ *" + fields.joined(separator: " +") + " *$"
    }()

    /// Parses `expression`.
    public init(_ expression: String) throws(ParseError) {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "a schedule has five fields (minute hour day-of-month month day-of-week), not \(fields.count): \"\(expression)\"")
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59)
        hours = try Self.field(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31)
        months = try Self.field(fields[3], name: "month", range: 1...12)
        let weekdays = try Self.field(fields[4], name: "day of week", range: 0...7)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    static func field(_ text: String, name: String, range: ClosedRange<Int>) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first else { throw ParseError(description: "bad \(name) \"\(text)\"") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else { throw ParseError(description: "bad step in \(name) \"\(text)\"") }
                step = parsed
            }
            var low = range.lowerBound
            var high = range.upperBound
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard (1...2).contains(bounds.count), let first = Int(bounds[0]) else { throw ParseError(description: "bad \(name) \"\(text)\"") }
                low = first
                if bounds.count == 2 {
                    guard let last = Int(bounds[1]) else { throw ParseError(description: "bad \(name) \"\(text)\"") }
                    high = last
                } else {
                    high = pieces.count == 2 ? range.upperBound : first
                }
            }
            guard range.contains(low), range.contains(high), low <= high else {
                throw ParseError(description: "\(name) \"\(text)\" is outside \(range.lowerBound)-\(range.upperBound)")
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    /// The first minute strictly after `seconds` (since the epoch, UTC) that matches, or nil
    /// when none does within five years (`0 0 31 2 *`).
    public func next(after seconds: Double) -> Double? {
        var minute = (Int64(seconds.rounded(.down)) / 60) + 1
        let limit = minute + 5 * 366 * 24 * 60
        while minute < limit {
            let day = minute / 1440
            let date = CivilDate(daysSinceEpoch: day)
            guard months.contains(date.month), matchesDay(date) else {
                minute = (day + 1) * 1440
                continue
            }
            let minuteOfDay = Int(minute % 1440)
            guard hours.contains(minuteOfDay / 60) else {
                minute = day * 1440 + Int64((minuteOfDay / 60 + 1) * 60)
                continue
            }
            if minutes.contains(minuteOfDay % 60) { return Double(minute * 60) }
            minute += 1
        }
        return nil
    }

    func matchesDay(_ date: CivilDate) -> Bool {
        let byMonth = daysOfMonth.contains(date.day)
        let byWeek = daysOfWeek.contains(date.weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return byMonth || byWeek }
        return byMonth && byWeek
    }
}

/// A day of the proleptic Gregorian calendar (UTC).
struct CivilDate: Hashable {
    var year: Int64
    var month: Int
    var day: Int
    /// 0 is Sunday.
    var weekday: Int

    init(year: Int64, month: Int, day: Int, weekday: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.weekday = weekday
    }

    init(daysSinceEpoch days: Int64) {
        let civil = KubeTime.civil(fromDays: days)
        year = civil.year
        month = Int(civil.month)
        day = Int(civil.day)
        weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
    }
}
