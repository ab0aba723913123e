@testable import ClusterModel
import Testing

/// Cron expressions as Kubernetes CronJobs read them, and their next run.
struct CronScheduleTests {
    static let monday = 1_796_665_770.0  // 2026-12-07T17:49:30Z, a Monday

    @Test(arguments: [
        ("0 3 * * 0", monday, 1_797_130_800.0),          // the next Sunday, 03:00
        ("*/15 * * * *", 1_796_638_020.0, 1_796_638_500.0),  // 10:07 → 10:15
        ("0 0 1,15 * 1", monday, 1_797_206_400.0),       // either day field: Monday the 14th before the 15th
        ("0 0 29 2 *", monday, 1_835_395_200.0),         // the next 29 February, 2028
        ("0 0 1 1 *", 1_798_761_599.0, 1_798_761_600.0), // New Year, one second later
        ("* * * * *", 1_798_761_600.0, 1_798_761_660.0), // strictly after
    ])
    func nextRun(expression: String, after: Double, expected: Double) throws {
        #expect(try CronSchedule(expression).next(after: after) == expected)
    }

    @Test func aDateThatNeverComesHasNoNextRun() throws {
        #expect(try CronSchedule("0 0 31 2 *").next(after: Self.monday) == nil)
    }

    @Test(arguments: ["60 * * * *", "* * *", "*/0 * * * *", "5-3 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "a * * * *", "1,,2 * * * *"])
    func badExpressionsAreRefusedWithTheField(expression: String) {
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule(expression) }
    }

    @Test func civilDatesAndWeekdays() {
        #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1, weekday: 4))
        #expect(CivilDate(daysSinceEpoch: 21_243) == CivilDate(year: 2028, month: 2, day: 29, weekday: 2))
        #expect(CivilDate(daysSinceEpoch: 20_794) == CivilDate(year: 2026, month: 12, day: 7, weekday: 1))
        #expect(CivilDate(daysSinceEpoch: -1) == CivilDate(year: 1969, month: 12, day: 31, weekday: 3))
    }

    @Test func sevenIsSundayToo() throws {
        #expect(try CronSchedule("0 3 * * 7").next(after: Self.monday) == CronSchedule("0 3 * * 0").next(after: Self.monday))
    }

    /// Against a minute-by-minute search: the next run matches, and no minute before it does.
    @Test func nextRunIsTheFirstMatchingMinute() throws {
        let expressions = ["*/7 2-5 * * 1-5", "30 */6 * * *", "0 12 1-7 * 2", "15,45 9-17/2 * * *", "0 0 * * 6,0", "5 4 10-20/5 2,4,6 *"]
        var generator = SystemRandomNumberGenerator()
        for expression in expressions {
            let schedule = try CronSchedule(expression)
            for _ in 0..<20 {
                let after = Self.monday + Double(Int.random(in: 0..<(200 * 86_400), using: &generator))
                let next = try #require(schedule.next(after: after), "\(expression)")
                var minute = (Int64(after) / 60 + 1) * 60
                var expected: Int64?
                while minute <= Int64(next) {
                    if schedule.matches(Double(minute)) { expected = minute; break }
                    minute += 60
                }
                #expect(expected.map(Double.init) == next, "\(expression) after \(after)")
            }
        }
    }
}

extension CronSchedule {
    /// True when the minute starting at `seconds` matches, worked out field by field.
    func matches(_ seconds: Double) -> Bool {
        let minute = Int64(seconds) / 60
        let date = CivilDate(daysSinceEpoch: minute / 1440)
        let minuteOfDay = Int(minute % 1440)
        return minutes.contains(minuteOfDay % 60) && hours.contains(minuteOfDay / 60) && months.contains(date.month) && matchesDay(date)
    }
}
