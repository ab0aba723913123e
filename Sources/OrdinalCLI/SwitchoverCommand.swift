import ArgumentParser
import ClusterModel
import KubeAPI
import KubeTypes

/// `ordinal switchover CLUSTER --to POD`: asks for a planned, lossless switchover by setting the
/// cluster's `ordinal.dev/primary` annotation (what a GitOps repository may hold as well), and
/// with `--wait` follows it until the operator reports it done.
struct SwitchoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchover",
        abstract: "Move the primary to another pod by a planned switchover (no acknowledged write is lost).",
        discussion: """
            Sets the PostgresCluster's ordinal.dev/primary annotation to POD; the operator then \
            fences the primary, waits until POD has replayed all it wrote, and promotes POD. \
            The annotation stays: the primary returns to POD after a failover, until it is \
            changed or removed (then pod 0 is home). Installed as kubectl-ordinal it runs as \
            `kubectl ordinal switchover`.
            """)

    @Argument(help: "The PostgresCluster.")
    var cluster: String

    @Option(name: .customLong("to"), help: "The pod to make primary (<cluster>-<ordinal>).")
    var target: String

    @Flag(help: "Wait until the operator reports the switchover done (or called off).")
    var wait = false

    @Option(help: "How long --wait waits, in seconds.")
    var timeout = 120

    @OptionGroup var access: ClusterAccess

    func run() async throws {
        let (client, namespace) = try access.connect()
        let current = try await access.cluster(cluster, client: client, namespace: namespace)
        let names = ClusterNames(cluster: cluster, namespace: namespace)
        guard names.isInstance(target, of: current.spec.instances) else {
            throw ValidationFailure(lines: [
                "--to \(target) is not one of \(cluster)'s instances (\(names.pod(0)) ... \(names.pod(current.spec.instances - 1)))",
            ])
        }
        if current.status?.currentPrimary == target, current.metadata.annotations?[ClusterLabels.primaryAnnotation] == target {
            print("\(target) is already the primary of \(namespace)/\(cluster)")
            return
        }
        do {
            _ = try await client.patchMerge(
                PostgresCluster.self, name: cluster, namespace: namespace,
                patch: .object(["metadata": .object(["annotations": .object([ClusterLabels.primaryAnnotation: .string(target)])])]),
                fieldManager: "ordinal-cli")
        } catch {
            throw ValidationFailure(lines: ["cannot annotate PostgresCluster \(namespace)/\(cluster): \(error)"])
        }
        print("asked for a switchover of \(namespace)/\(cluster) to \(target) (\(ClusterLabels.primaryAnnotation))")
        guard wait else { return }
        let started = current.status?.lastSwitchover?.startedAt
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            let status = try await access.cluster(cluster, client: client, namespace: namespace).status
            if status?.currentPrimary == target, status?.primaryChange == nil, status?.primary == target {
                print("\(target) is the primary")
                return
            }
            if let last = status?.lastSwitchover, last.startedAt != started, last.to == target, let outcome = last.outcome,
                outcome != "Completed"
            {
                throw ValidationFailure(lines: ["the switchover to \(target) was \(outcome)"])
            }
        }
        throw ValidationFailure(lines: ["\(target) is not the primary after \(timeout) s; see `ordinal status \(cluster)`"])
    }
}
