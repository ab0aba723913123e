import ClusterModel
import Foundation
import KubeTypes
import Testing

/// The restart-bound configuration belongs to the pod template's revision, and a revision's
/// ConfigMap goes only once no pod reads it and none can be made from it again.
@Suite("Configuration per revision")
struct ConfigRevisionTests {
    static func cluster(_ parameters: [String: String] = [:]) -> PostgresCluster {
        var spec = PostgresClusterSpec(instances: 2, postgresVersion: "16.4", storage: StorageSpec(size: "1Gi"))
        spec.postgresql = parameters.isEmpty ? nil : PostgreSQLSpec(parameters: parameters)
        return PostgresCluster(metadata: ObjectMeta(name: "orders", namespace: "shop", uid: "uid-1", generation: 1), spec: spec)
    }

    @Test func podsReadPostgresqlConfFromTheirRevisionAndTheRestFromTheSharedConfigMap() throws {
        let base = ResolvedCluster(Self.cluster())
        let state = DesiredState(base, passwords: .deterministic(seed: 1))
        let revision = try #require(state.revisionConfigMap.metadata.name)
        #expect(ConfigMapBuilder.isRevision(revision, of: base))
        // The revision's adds TLS; the shared one (for pods of templates older than revisions) has none.
        let revisionConf = try #require(state.revisionConfigMap.data?["postgresql.conf"])
        #expect(revisionConf.contains("ssl = 'on'") && revisionConf.contains("ssl_key_file = '/etc/ordinal/tls/tls.key'"))
        #expect(state.configMap.data?["postgresql.conf"]?.contains("ssl") == false)
        #expect(state.revisionConfigMap.data?["pg_hba.conf"]?.contains("hostssl all") == true)
        #expect(state.revisionConfigMap.data?["pg_hba.conf"]?.contains("host    all") == false, "no clear-text network login")
        let template = try #require(state.statefulSet.spec?.template)
        #expect(revision.hasSuffix(try #require(template.metadata?.annotations?[ClusterLabels.configHashAnnotation])))
        let volume = try #require(template.spec?.volumes?.first { $0.name == "config" }?.projected)
        #expect(volume.sources.map { $0.configMap?.name } == [revision, "orders-config"])
        #expect(volume.sources[0].configMap?.items?.map(\.key) == ["postgresql.conf", "pg_hba.conf"])
        #expect(volume.sources[1].configMap?.items?.contains { $0.key == "postgresql.conf" || $0.key == "pg_hba.conf" } == false, "no path twice")
        #expect(volume.sources[1].configMap?.items?.contains { $0.key == "reload.conf" } == true)

        // A reload-only change keeps the revision; a restart-bound one makes a new one.
        #expect(ConfigMapBuilder.revisionName(ResolvedCluster(Self.cluster(["work_mem": "8MB"]))) == revision)
        #expect(ConfigMapBuilder.revisionName(ResolvedCluster(Self.cluster(["shared_buffers": "1GB"]))) != revision)
        #expect(!ConfigMapBuilder.isRevision("orders-config", of: base))
        #expect(!ConfigMapBuilder.isRevision("orders-config-extra", of: base))
    }

    /// An observation of a cluster whose StatefulSet is at `template`, with revisions
    /// `current`/`update`, its pods reading `hashes`, and the ConfigMaps `configMaps`.
    static func observation(_ cluster: PostgresCluster, template: String?, current: String, update: String,
                            hashes: [String?], configMaps: [String]) -> ClusterObservation {
        var set = StatefulSet(metadata: ObjectMeta(name: "orders", namespace: "shop", generation: 3))
        set.metadata.annotations = template.map { [ClusterLabels.templateHashAnnotation: $0] }
        var status = StatefulSetStatus()
        status.observedGeneration = 3
        status.currentRevision = current
        status.updateRevision = update
        set.status = status
        var observation = ClusterObservation(cluster: cluster, now: 1_000_000, statefulSet: set)
        observation.pods = hashes.enumerated().map { PodObservation(name: "orders-\($0.offset)", isReady: true, configHash: $0.element) }
        observation.configMaps = configMaps
        return observation
    }

    @Test func anOldRevisionGoesOnlyWhenTheWalkIsOverAndNoPodReadsIt() throws {
        let old = ResolvedCluster(Self.cluster())
        let cluster = Self.cluster(["shared_buffers": "1GB"])
        let desired = DesiredState(ResolvedCluster(cluster), passwords: .deterministic(seed: 1))
        let template = desired.statefulSet.metadata.annotations?[ClusterLabels.templateHashAnnotation]
        let hash = ConfigMapBuilder.revisionHash(ResolvedCluster(cluster))
        let oldName = ConfigMapBuilder.revisionName(old)
        let newName = try #require(desired.revisionConfigMap.metadata.name)
        let maps = ["orders-config", oldName, newName, "orders-config-notarevision"]

        // Mid-walk (current ≠ update): a pod below the partition may be made from the old revision.
        var observation = Self.observation(cluster, template: template, current: "a", update: "b", hashes: [hash, "old"], configMaps: maps)
        #expect(ClusterPlanner.plan(observation).configMapsToDelete.isEmpty)
        // The walk is over but a pod still reads the old configuration (not yet made again).
        observation = Self.observation(cluster, template: template, current: "b", update: "b", hashes: [hash, "old"], configMaps: maps)
        #expect(ClusterPlanner.plan(observation).configMapsToDelete.isEmpty)
        // The StatefulSet does not have the desired template yet.
        observation = Self.observation(cluster, template: "other", current: "b", update: "b", hashes: [hash, hash], configMaps: maps)
        #expect(ClusterPlanner.plan(observation).configMapsToDelete.isEmpty)
        // Done: every pod reads the new revision, and none can be made from the old one.
        observation = Self.observation(cluster, template: template, current: "b", update: "b", hashes: [hash, hash], configMaps: maps)
        #expect(ClusterPlanner.plan(observation).configMapsToDelete == [oldName])
    }
}

extension ConfigRevisionTests {
    @Test func aVolumeResizeChangesTheDerivedSlotCapWithAReloadNotANewRevision() {
        var small = Self.cluster()
        small.spec.storage.size = "10Gi"
        var large = small
        large.spec.storage.size = "100Gi"
        let before = ResolvedCluster(small)
        let after = ResolvedCluster(large)
        #expect(before.parameters["max_slot_wal_keep_size"] != after.parameters["max_slot_wal_keep_size"])
        #expect(ConfigMapBuilder.revisionName(before) == ConfigMapBuilder.revisionName(after))
        let reload = ConfigMapBuilder.build(after).data?["reload.conf"] ?? ""
        #expect(reload.contains("max_slot_wal_keep_size = '\(after.parameters["max_slot_wal_keep_size"] ?? "")'"))
    }
}
