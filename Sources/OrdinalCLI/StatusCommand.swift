import ArgumentParser
import ClusterModel
import KubeAPI
import KubeTypes
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `ordinal status CLUSTER`: the primary, each instance, and the last failover and switchover
/// with their evidence, as text or (`-o json`) the status object itself.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a cluster's primary, instances, and last failover and switchover.")

    @Argument(help: "The PostgresCluster.")
    var cluster: String

    @Option(name: [.short, .customLong("output")], help: "text (default) or json.")
    var output = "text"

    @OptionGroup var access: ClusterAccess

    func run() async throws {
        guard output == "text" || output == "json" else { throw ValidationFailure(lines: ["-o must be text or json, got \(output)"]) }
        let (client, namespace) = try access.connect()
        let status = try await access.cluster(cluster, client: client, namespace: namespace).status ?? PostgresClusterStatus()
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print(Self.text(status, cluster: "\(namespace)/\(cluster)"))
    }

    /// The human-readable report.
    static func text(_ status: PostgresClusterStatus, cluster: String) -> String {
        var lines = ["\(cluster): \(status.phase?.rawValue ?? "Unknown"), primary \(status.primary ?? "none") (held: \(status.currentPrimary ?? "none"))"]
        for condition in status.conditions ?? [] {
            lines.append("  \(condition.type)=\(condition.status) \(condition.reason): \(condition.message)")
        }
        for instance in status.instanceStatus ?? [] {
            var line = "  \(instance.name): \(instance.role), \(instance.ready ? "ready" : "not ready")"
            if let position = instance.walPosition { line += ", WAL \(position)" }
            if let lag = instance.lagBytes { line += ", lag \(lag) B" }
            if let message = instance.message { line += " (\(message))" }
            lines.append(line)
        }
        func describe(_ title: String, _ change: PrimaryChange?) {
            guard let change else { return }
            lines.append("\(title): \(change.from) → \(change.to), started \(change.startedAt)"
                + (change.completedAt.map { ", ended \($0)" } ?? "") + ": \(change.outcome ?? change.phase?.rawValue ?? "under way")")
            lines.append("  why: \(change.reason)")
            for candidate in change.candidates ?? [] {
                lines.append("  candidate \(candidate.pod): received \(candidate.receivedPosition ?? "?"), replayed \(candidate.replayedPosition ?? "?")")
            }
            if let old = change.oldPrimaryPosition { lines.append("  old primary last seen at \(old)") }
            if let lost = change.bytesMayBeLost { lines.append("  may have lost at least \(lost) bytes of WAL") }
        }
        describe("under way", status.primaryChange)
        describe("last failover", status.lastFailover)
        describe("last switchover", status.lastSwitchover)
        if let backup = status.backup { lines += backupLines(backup) }
        return lines.joined(separator: "\n")
    }

    /// What `status.backup` says: archiving, the last backup and failure, what runs and what is next.
    static func backupLines(_ backup: BackupStatus) -> [String] {
        var lines = ["backups:"]
        if let archive = backup.archive {
            lines.append("  archive: last \(archive.lastArchivedWAL ?? "none") at \(archive.lastArchivedTime ?? "-") from \(archive.primary ?? "?")"
                + (archive.lagBytes.map { ", \($0) bytes written since" } ?? "")
                + (archive.lastFailedWAL.map { ", last failed \($0) at \(archive.lastFailedTime ?? "-")" } ?? ""))
        }
        lines.append("  stanza: " + (backup.stanza.map { "created \($0.createdTime ?? "-") by \($0.job ?? "?")" } ?? "not created yet"))
        if let last = backup.lastBackup {
            lines.append("  last backup: \(BackupJobPlan.describe(last)) from \(last.startTime ?? "?") to \(last.stopTime ?? "?") (Job \(last.job))")
        }
        if let failure = backup.lastFailure {
            lines.append("  last failure: \(failure.action) by Job \(failure.job) at \(failure.time ?? "-")"
                + (failure.resolvedBy.map { " (a backup succeeded since: \($0))" } ?? "") + ": \(failure.message)")
        }
        if let missed = backup.unresolvedMiss {
            lines.append("  missed: the \(missed.type) backup of \(missed.scheduledTime): \(missed.reason)")
        }
        if let running = backup.running { lines.append("  running: Job \(running.job) (\(running.action)) since \(running.createdTime ?? "-")") }
        for schedule in backup.schedules ?? [] {
            lines.append("  schedule \(schedule.type) \"\(schedule.schedule)\": next \(schedule.nextScheduleTime ?? "none")")
        }
        return lines
    }
}
