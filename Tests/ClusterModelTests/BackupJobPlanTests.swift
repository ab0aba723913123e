@testable import ClusterModel
import KubeTypes
import Testing
import Foundation

/// Backup Jobs as the planner decides them: the stanza first, one Job at a time, requests and
/// schedules, outcomes read once into status, failures and missed runs in `BackupHealthy`, and
/// pruning only of what the stored status holds. Each test plays rounds: the status a round
/// writes is the next round's, and the Jobs it makes appear (running) for the next.
struct BackupJobPlanTests {
    static let archiving = ArchiverFacts(mode: "on", archivedCount: 4, lastArchivedWAL: "000000010000000000000004", lastArchivedAt: 1000)
    /// 2026-12-07T23:00:30Z.
    static let start: Double = 1_796_684_430

    /// A cluster with backups, its stored status, and its Jobs.
    struct World {
        var spec = BackupSpec(repository: BackupRepository(s3: S3Repository(
            endpoint: "s3.example.com", region: "eu-west-1", bucket: "backups", credentialsSecret: "s3-creds")))
        var status = PostgresClusterStatus()
        var jobs: [BackupJobObservation] = []
        var annotations: [String: String]?
        var primary: String? = "orders-0"
        var archiver: ArchiverFacts? = BackupJobPlanTests.archiving
        /// Jobs made, in order.
        var made: [BackupJobCreation] = []
        var deleted: [String] = []
        var events: [ClusterEvent] = []
        var health: (Bool, Reason, String)?
        /// Jobs made appear in the next round (false: the cache has not seen them yet).
        var jobsAppear = true

        @discardableResult
        mutating func round(at now: Double) -> BackupPlan {
            var cluster = PostgresCluster(
                metadata: ObjectMeta(name: "orders", namespace: "shop", annotations: annotations),
                spec: PostgresClusterSpec(instances: 3, postgresVersion: "16.4", storage: StorageSpec(size: "10Gi")))
            cluster.spec.backup = spec
            var facts = DatabaseFacts(isInRecovery: false, serverVersionNumber: 160004)
            facts.archiver = archiver
            let plan = BackupPlan(
                resolved: ResolvedCluster(cluster), previous: status, primary: primary,
                report: InstanceReport(podName: "orders-0", database: facts), jobs: jobs,
                request: BackupRequest(annotations: annotations), now: now)
            status.backup = plan.status
            health = plan.health
            events += plan.jobs?.events ?? []
            if let creation = plan.jobs?.creation {
                made.append(creation)
                if jobsAppear {
                    jobs.append(BackupJobObservation(
                        name: creation.name, action: creation.action, createdAt: now, state: .running, repository: creation.repository))
                }
            }
            let toDelete = plan.jobs?.toDelete ?? []
            deleted += toDelete
            jobs.removeAll { toDelete.contains($0.name) }
            return plan
        }

        /// The Job `name` ends at `now` with `message` as its termination message.
        mutating func finish(_ name: String, succeeded: Bool = true, at now: Double, message: String? = nil) {
            guard let index = jobs.firstIndex(where: { $0.name == name }) else {
                Issue.record("no Job \(name)")
                return
            }
            jobs[index].state = succeeded ? .succeeded : .failed
            jobs[index].finishedAt = now
            jobs[index].terminationMessage = message ?? (jobs[index].action == .stanzaCreate ? #"{"action":"stanza-create"}"# : nil)
            if !succeeded { jobs[index].failure = "BackoffLimitExceeded: Job has reached the specified backoff limit" }
        }

        /// A world whose stanza exists (its Job ran and was recorded).
        static func ready(_ change: (inout World) -> Void = { _ in }) -> World {
            var world = World()
            change(&world)
            world.round(at: start)
            world.finish(world.made[0].name, at: start + 20)
            world.round(at: start + 21)
            return world
        }
    }

    static func message(label: String, type: String, size: Int64 = 52_428_800, stored: Int64 = 5_242_880) -> String {
        #"{"action":"backup","label":"\#(label)","type":"\#(type)","start":1796684500,"stop":1796684560,"size":\#(size),"repositorySize":\#(stored)}"#
    }

    @Test func theStanzaComesFirstAndOnlyWithAPrimaryThatArchives() throws {
        var world = World()
        world.archiver = ArchiverFacts(mode: "off")
        world.round(at: Self.start)
        #expect(world.made.isEmpty, "the template with the sidecar has not reached the primary")
        #expect(world.health?.1 == .stanzaNotCreated && world.health?.2.contains("archiving is not on at the primary") == true, "\(String(describing: world.health))")
        world.primary = nil
        world.round(at: Self.start + 1)
        #expect(world.made.isEmpty && world.health?.2.contains("no primary is confirmed") == true)

        world.primary = "orders-0"
        world.archiver = Self.archiving
        world.round(at: Self.start + 2)
        let stanza = try #require(world.made.first)
        #expect(stanza.action == .stanzaCreate && stanza.trigger == .repository && stanza.name == "orders-init-\(ClusterNames.minuteID(Self.start))")
        #expect(world.status.backup?.running?.job == stanza.name)
        #expect(world.health?.0 == false && world.health?.1 == .stanzaNotCreated)
        world.round(at: Self.start + 5)
        #expect(world.made.count == 1, "one Job at a time")

        world.finish(stanza.name, at: Self.start + 20)
        world.round(at: Self.start + 21)
        #expect(world.status.backup?.stanza?.job == stanza.name && world.status.backup?.running == nil)
        #expect(world.health?.0 == true && world.health?.1 == .archiving, "\(String(describing: world.health))")
        #expect(world.health?.2.contains("no backup taken yet") == true)
        #expect(world.events.map(\.reason) == [.stanzaCreated])
        world.round(at: Self.start + 30)
        #expect(world.events.count == 1, "an outcome is read once")
        #expect(world.made.count == 1, "no backup without a schedule or a request")
    }

    @Test func aFailedStanzaIsTriedAgainAfterTheRetryDelayAndANewRepositoryGetsItsOwn() throws {
        var world = World()
        world.round(at: Self.start)
        world.finish(world.made[0].name, succeeded: false, at: Self.start + 10,
                     message: "pgbackrest stanza-create exited 56:\nERROR: [056]: unable to find primary cluster - cannot proceed")
        world.round(at: Self.start + 11)
        #expect(world.made.count == 1)
        #expect(world.health?.1 == .stanzaCreationFailed && world.health?.2.contains("unable to find primary cluster") == true)
        #expect(world.events.last?.reason == .stanzaCreationFailed)
        world.round(at: Self.start + 10 + ClusterDefaults.stanzaRetrySeconds - 1)
        #expect(world.made.count == 1, "no retry before the delay")
        world.round(at: Self.start + 10 + ClusterDefaults.stanzaRetrySeconds + 1)
        #expect(world.made.count == 2 && world.made[1].action == .stanzaCreate && world.made[1].name != world.made[0].name)
        #expect(world.health?.2.contains("the last attempt") == true)
        world.finish(world.made[1].name, at: Self.start + 400)
        world.round(at: Self.start + 401)
        #expect(world.health?.0 == true)

        // Another bucket: its stanza is made before anything else.
        world.spec.repository.s3?.bucket = "elsewhere"
        world.round(at: Self.start + 500)
        #expect(world.made.count == 3 && world.made[2].action == .stanzaCreate)
        #expect(world.made[2].repository != world.made[1].repository)
        #expect(world.health?.1 == .stanzaNotCreated)
    }

    @Test func aRequestRunsOnceWithItsTypeAndABadTypeIsRefused() throws {
        var world = World.ready()
        world.annotations = [ClusterLabels.backupRequestAnnotation: "20261207T230100Z", ClusterLabels.backupTypeAnnotation: "diff"]
        world.round(at: Self.start + 60)
        let request = try #require(world.made.last)
        #expect(request.action == .backup(.diff) && request.trigger == .request && request.name.hasPrefix("orders-req-"))
        #expect(request.name.count <= 63 - (ClusterNames.maximumClusterNameLength - "orders".count))
        #expect(world.status.backup?.lastRequest == "20261207T230100Z")
        world.finish(request.name, at: Self.start + 120, message: Self.message(label: "20261207-230140F", type: "diff"))
        world.round(at: Self.start + 121)
        world.round(at: Self.start + 122)
        #expect(world.made.count == 2, "the same request is not run twice")
        let last = try #require(world.status.backup?.lastBackup)
        #expect(last.type == "full", "pgBackRest took a full backup (no full before it): the label says so")
        #expect(last.label == "20261207-230140F" && last.size == 52_428_800 && last.repositorySize == 5_242_880)
        #expect(last.stopTime == KubeTime.format(1_796_684_560))
        #expect(world.events.last?.reason == .backupSucceeded && world.events.last?.message.contains("50.0 MiB") == true)
        #expect(world.health?.2.contains("the last backup: a full backup 20261207-230140F") == true)

        world.annotations = [ClusterLabels.backupRequestAnnotation: "again", ClusterLabels.backupTypeAnnotation: "weekly"]
        world.round(at: Self.start + 200)
        #expect(world.made.count == 2)
        #expect(world.events.last?.reason == .backupRequestRefused)
        #expect(world.status.backup?.lastRequest == "again", "refused once, not every round")
    }

    @Test func aRequestWaitsForTheStanzaAndForTheRunningJob() throws {
        var world = World()
        world.annotations = [ClusterLabels.backupRequestAnnotation: "first"]
        world.round(at: Self.start)
        #expect(world.made.map(\.action) == [.stanzaCreate])
        world.round(at: Self.start + 5)
        #expect(world.made.count == 1, "waits for the stanza Job")
        world.finish(world.made[0].name, at: Self.start + 10)
        world.round(at: Self.start + 11)
        #expect(world.made.map(\.action) == [.stanzaCreate, .backup(.full)])
    }

    @Test func schedulesStartAtTheirMinuteAndAFullBackupCoversADifferentialDueWithIt() throws {
        var world = World.ready { $0.spec.schedule = BackupSchedule(full: "0 1 * * *", differential: "0 * * * *") }
        #expect(world.made.count == 1, "a schedule first seen is armed, not run for the past")
        let schedules = try #require(world.status.backup?.schedules)
        #expect(schedules.map(\.nextScheduleTime) == ["2026-12-08T01:00:00Z", "2026-12-08T00:00:00Z"])

        // Midnight: a differential.
        let midnight = try #require(KubeTime.parse("2026-12-08T00:00:05Z"))
        world.round(at: midnight)
        let diff = try #require(world.made.last)
        #expect(diff.action == .backup(.diff) && diff.trigger == .schedule && diff.name == "orders-diff-\(ClusterNames.minuteID(midnight - 5))")
        world.finish(diff.name, at: midnight + 60, message: Self.message(label: "20261207-230140F_20261208-000005D", type: "diff"))
        world.round(at: midnight + 61)
        #expect(world.status.backup?.lastBackup?.type == "diff")

        // 01:00: both are due; the full one runs and covers the differential.
        world.round(at: midnight + 3600)
        #expect(world.made.last?.action == .backup(.full))
        let after = try #require(world.status.backup?.schedules)
        #expect(after.map(\.lastScheduleTime) == ["2026-12-08T01:00:00Z", "2026-12-08T01:00:00Z"])
        #expect(after.map(\.nextScheduleTime) == ["2026-12-09T01:00:00Z", "2026-12-08T02:00:00Z"])
    }

    @Test func aScheduledBackupThatCannotStartInTimeIsMissedAndSaysWhyUntilABackupSucceeds() throws {
        var world = World.ready { $0.spec.schedule = BackupSchedule(differential: "*/30 * * * *") }
        world.annotations = [ClusterLabels.backupRequestAnnotation: "long"]
        world.round(at: Self.start + 30)
        let long = try #require(world.made.last)
        #expect(long.trigger == .request)
        let due = try #require(KubeTime.parse("2026-12-07T23:30:00Z"))
        world.round(at: due + 60)
        #expect(world.made.count == 2, "waits while the requested backup runs")
        #expect(world.health?.0 == true, "waiting is not missing")
        world.round(at: due + ClusterDefaults.backupStartingDeadlineSeconds + 1)
        #expect(world.made.count == 2)
        let missed = try #require(world.status.backup?.missed)
        #expect(missed.scheduledTime == "2026-12-07T23:30:00Z" && missed.reason.contains("Job \(long.name) (full) is still running"))
        #expect(world.health?.0 == false && world.health?.1 == .backupMissed, "\(String(describing: world.health))")
        #expect(world.events.last?.reason == .backupMissed)

        // The backup that held it up ends well: it covers what the missed one would have.
        world.finish(long.name, at: due + 1000, message: Self.message(label: "20261207-230140F", type: "full"))
        world.round(at: due + 1001)
        #expect(world.health?.0 == true, "\(String(describing: world.health))")
        #expect(world.status.backup?.missed?.resolvedBy == long.name)

        // Missed again, with no primary; a failed backup after it does not resolve it.
        world.primary = nil
        world.round(at: due + 1800 + ClusterDefaults.backupStartingDeadlineSeconds + 1)
        #expect(world.health?.1 == .archiveUnknown && world.health?.2.contains("did not run: no primary is confirmed") == true,
                "\(String(describing: world.health))")
        world.primary = "orders-0"
        let next = due + 3600
        world.round(at: next + 1)
        let diff = try #require(world.made.last)
        #expect(diff.action == .backup(.diff) && diff.name == "orders-diff-\(ClusterNames.minuteID(next))")
        world.finish(diff.name, succeeded: false, at: next + 100, message: "pgbackrest backup exited 1:")
        world.round(at: next + 101)
        #expect(world.health?.1 == .backupFailed && world.health?.2.contains("did not run") == true, "both are said: \(String(describing: world.health))")
    }

    @Test func aFailedBackupTurnsBackupHealthyFalseWithPgBackRestsWordsUntilOneSucceeds() throws {
        var world = World.ready()
        world.annotations = [ClusterLabels.backupRequestAnnotation: "one"]
        world.round(at: Self.start + 30)
        let failing = try #require(world.made.last)
        world.finish(failing.name, succeeded: false, at: Self.start + 40,
                     message: "pgbackrest backup exited 82:\nERROR: [082]: WAL segment 000000010000000000000005 was not archived before the 60000ms timeout")
        world.round(at: Self.start + 41)
        #expect(world.health?.0 == false && world.health?.1 == .backupFailed)
        #expect(world.health?.2.contains("was not archived before the 60000ms timeout") == true)
        #expect(world.status.backup?.lastFailure?.job == failing.name && world.status.backup?.lastFailure?.action == "full")

        // A Job that failed without a message (its deadline): the Job controller's words.
        world.annotations = [ClusterLabels.backupRequestAnnotation: "two"]
        world.round(at: Self.start + 50)
        let second = try #require(world.made.last)
        world.finish(second.name, succeeded: false, at: Self.start + 60, message: "")
        world.round(at: Self.start + 61)
        #expect(world.status.backup?.lastFailure?.message.contains("BackoffLimitExceeded") == true)

        world.annotations = [ClusterLabels.backupRequestAnnotation: "three"]
        world.round(at: Self.start + 100)
        var ok = Self.message(label: "20261207-230500F", type: "full")
        ok = ok.replacingOccurrences(of: "\"stop\":1796684560", with: "\"stop\":\(Int64(Self.start + 150))")
        world.finish(try #require(world.made.last).name, at: Self.start + 150, message: ok)
        world.round(at: Self.start + 151)
        #expect(world.health?.0 == true, "\(String(describing: world.health))")
    }

    @Test func aJobNotYetCachedIsWaitedForAndOneDeletedWhileRunningIsAFailure() throws {
        var world = World.ready()
        world.jobsAppear = false
        world.annotations = [ClusterLabels.backupRequestAnnotation: "one"]
        world.round(at: Self.start + 30)
        let made = try #require(world.made.last)
        world.round(at: Self.start + 31)
        #expect(world.made.count == 2, "the Job status names is waited for while the cache catches up")
        world.round(at: Self.start + 30 + ClusterDefaults.backupJobCacheGraceSeconds + 1)
        #expect(world.status.backup?.running == nil)
        #expect(world.status.backup?.lastFailure?.job == made.name && world.status.backup?.lastFailure?.message.contains("deleted before it finished") == true)
        #expect(world.health?.1 == .backupFailed)
    }

    @Test func onlyFinishedJobsTheStoredStatusHoldsArePrunedKeepingTheNewest() throws {
        var world = World.ready()
        var time = Self.start + 100
        for (index, succeeds) in [true, false, true, true, false, true, true].enumerated() {
            world.annotations = [ClusterLabels.backupRequestAnnotation: "r\(index)"]
            world.round(at: time)
            let job = try #require(world.made.last)
            world.finish(job.name, succeeded: succeeds, at: time + 10, message: succeeds ? Self.message(label: "L\(index)F", type: "full") : "failed")
            world.round(at: time + 11)
            time += 100
        }
        world.round(at: time)
        let succeeded = world.jobs.filter { $0.state == .succeeded && $0.action != .stanzaCreate }
        #expect(succeeded.count == ClusterDefaults.succeededBackupJobsKept, "\(world.jobs.map(\.name))")
        #expect(world.jobs.filter { $0.state == .failed }.count == ClusterDefaults.failedBackupJobsKept)
        #expect(world.status.backup?.lastBackup?.label == "L6F")
        #expect(!world.deleted.contains(try #require(world.made.last).name), "the newest Job stays")
        world.round(at: time + 1)
        #expect(Set(world.status.backup?.recordedJobs ?? []) == Set(world.jobs.map(\.name)), "records follow the Jobs that exist")

        // A finished Job the stored status does not hold yet is never pruned.
        let plan = BackupJobPlan(
            backup: try #require(ResolvedCluster(PostgresCluster(
                metadata: ObjectMeta(name: "orders", namespace: "shop"),
                spec: { var spec = PostgresClusterSpec(instances: 1, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi")); spec.backup = world.spec; return spec }())).backup),
            names: ClusterNames(cluster: "orders", namespace: "shop"), previous: nil,
            jobs: (0..<6).map { BackupJobObservation(name: "orders-req-\($0)", action: .backup(.full), createdAt: Double($0), state: .succeeded) },
            request: nil, blocked: nil, now: time)
        #expect(plan.toDelete.isEmpty)
    }
}
