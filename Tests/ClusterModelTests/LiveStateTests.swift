import ClusterModel
import KubeTypes
import Testing

/// What is running is the old object of the transition rules: a spec admission let through is
/// refused with the transition rule's own sentence.
@Suite("Live-state checks")
struct LiveStateTests {
    func make(version: String = "16.4", size: String = "10Gi", running: String? = nil) throws -> PostgresCluster {
        var value = try cluster(fromYAML: manifest(version: "\"\(version)\"", size: size))
        if let running { value.status = Self.status(running: running) }
        return value
    }

    static func status(running version: String) -> PostgresClusterStatus {
        var status = PostgresClusterStatus()
        status.currentVersion = version
        return status
    }

    @Test func aMajorVersionOtherThanTheRunningOneIsRefused() throws {
        let errors = SpecValidator.liveStateErrors(in: try make(version: "16.4", running: "15.8"), liveVolumeSize: nil)
        #expect(errors == [FieldError(field: "spec.postgresVersion", message: SpecRules.majorVersion.message)])
    }

    @Test func aVolumeSmallerThanTheLiveOneIsRefused() throws {
        let errors = SpecValidator.liveStateErrors(in: try make(size: "5Gi"), liveVolumeSize: "10Gi")
        #expect(errors == [FieldError(field: "spec.storage.size", message: SpecRules.storageShrink.message)])
    }

    @Test func bothAtOnceAreBothReported() throws {
        let errors = SpecValidator.liveStateErrors(in: try make(version: "17", size: "1000Mi", running: "16.4"), liveVolumeSize: "1Gi")
        #expect(errors.map(\.field) == ["spec.postgresVersion", "spec.storage.size"])
    }

    @Test func whatTheRulesAllowIsNotRefused() throws {
        // A minor change either way, a larger volume, nothing running yet.
        #expect(SpecValidator.liveStateErrors(in: try make(version: "16.4", running: "16.3"), liveVolumeSize: "10Gi").isEmpty)
        #expect(SpecValidator.liveStateErrors(in: try make(version: "16.3", running: "16.4"), liveVolumeSize: nil).isEmpty)
        #expect(SpecValidator.liveStateErrors(in: try make(size: "20Gi"), liveVolumeSize: "10Gi").isEmpty)
        #expect(SpecValidator.liveStateErrors(in: try make(size: "1Ti"), liveVolumeSize: "1000Gi").isEmpty)
        #expect(SpecValidator.liveStateErrors(in: try make(), liveVolumeSize: nil).isEmpty)
    }

    @Test func theLiveCheckSaysWhatTheUpdateCheckSays() throws {
        // The same change refused on an update and against what runs: one sentence.
        let stored = try make(version: "15.8", size: "10Gi")
        let changed = try make(version: "16.4", size: "5Gi")
        let onUpdate = SpecValidator.transitionErrors(from: stored, to: changed)
        var running = changed
        running.status = Self.status(running: "15.8")
        #expect(SpecValidator.liveStateErrors(in: running, liveVolumeSize: "10Gi") == onUpdate)
        #expect(onUpdate.count == 2)
    }
}
