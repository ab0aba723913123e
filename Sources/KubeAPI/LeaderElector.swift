import Foundation
import KubeTypes
import Synchronization

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go does it:
/// acquire when the lease is free or expired (judged by when this candidate
/// last saw it change, not by the holder's clock), renew every retry period,
/// give up after the renew deadline, release on cancellation and at the end of a term.
public final class LeaderElector: Sendable {
    private struct Observation {
        var spec: LeaseSpec?
        var time: ContinuousClock.Instant
    }

    public let config: LeaderElectionConfig
    let client: KubeClient
    private let observed = Mutex<Observation?>(nil)
    private let leading = Atomic<Bool>(false)

    public init(client: KubeClient, config: LeaderElectionConfig) {
        self.client = client
        self.config = config
    }

    /// Whether this candidate holds the lease right now.
    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// Campaigns until elected, runs `whileLeading` as a child task while
    /// renewing, and returns when leadership is lost (after cancelling
    /// `whileLeading`) or the calling task is cancelled (after releasing the lease).
    /// The lease stays held when `whileLeading` returns early.
    public func run(whileLeading: @escaping @Sendable () async -> Void) async -> LeadershipEnd {
        do {
            try await acquire()
        } catch {
            return .cancelled
        }
        return await hold(whileLeading, endsWithWork: false)
    }

    /// One term, once ``acquire()`` returned: runs `term` as a child task while renewing the lease.
    /// Returns ``LeadershipEnd/released`` when `term` returns (the lease then released, so a
    /// standby takes over at once), ``LeadershipEnd/lost`` when renewal fails or another holder
    /// took the lease (after cancelling `term`), ``LeadershipEnd/cancelled`` when the calling
    /// task is cancelled (after releasing the lease).
    public func lead(_ term: @escaping @Sendable () async -> Void) async -> LeadershipEnd {
        await hold(term, endsWithWork: true)
    }

    private func hold(_ work: @escaping @Sendable () async -> Void, endsWithWork: Bool) async -> LeadershipEnd {
        leading.store(true, ordering: .releasing)
        let end = await withTaskGroup(of: LeadershipEnd?.self) { group in
            group.addTask {
                await work()
                return endsWithWork ? .released : nil
            }
            group.addTask { await self.renewLoop() }
            var end: LeadershipEnd = .cancelled
            for await result in group {
                if let result {
                    end = result
                    break
                }
            }
            group.cancelAll()
            return end
        }
        leading.store(false, ordering: .releasing)
        // The calling task may be cancelled: release from a task of its own so the request is not refused.
        if end != .lost { await Task { await self.release() }.value }
        return end
    }

    private func renewLoop() async -> LeadershipEnd {
        var lastRenew = ContinuousClock.now
        while true {
            do { try await Task.sleep(for: config.retryPeriod) } catch { return .cancelled }
            if await tryAcquireOrRenew() {
                lastRenew = .now
            } else if Task.isCancelled {
                return .cancelled
            } else if ContinuousClock.now - lastRenew >= config.renewDeadline || holderIsSomeoneElse {
                return .lost
            }
        }
    }

    private var holderIsSomeoneElse: Bool {
        observed.withLock { observation in
            guard let holder = observation?.spec?.holderIdentity, !holder.isEmpty else { return false }
            return holder != config.identity
        }
    }

    /// One attempt: create the lease, take it over when free or expired, or renew
    /// it when held. Returns whether this candidate holds it afterwards.
    public func tryAcquireOrRenew() async -> Bool {
        let now = Date().timeIntervalSince1970
        let timestamp = KubeTime.format(now, micro: true)
        let durationSeconds = Int(config.leaseDuration.components.seconds)
        let current: Lease?
        do {
            current = try await client.getIfPresent(Lease.self, name: config.leaseName, namespace: config.namespace)
        } catch {
            return false
        }
        guard var lease = current else {
            let lease = Lease(
                metadata: ObjectMeta(name: config.leaseName, namespace: config.namespace),
                spec: LeaseSpec(
                    holderIdentity: config.identity, leaseDurationSeconds: durationSeconds, acquireTime: timestamp,
                    renewTime: timestamp, leaseTransitions: 0))
            do {
                let created = try await client.create(lease, namespace: config.namespace)
                observe(created.spec)
                return true
            } catch {
                return false
            }
        }
        let spec = lease.spec ?? LeaseSpec()
        let observation = observe(spec)
        let holder = spec.holderIdentity ?? ""
        let isMine = holder == config.identity
        if !holder.isEmpty, !isMine {
            let held = Duration.seconds(spec.leaseDurationSeconds ?? durationSeconds)
            if ContinuousClock.now - observation < held { return false }
        }
        var next = spec
        next.holderIdentity = config.identity
        next.leaseDurationSeconds = durationSeconds
        next.renewTime = timestamp
        if !isMine {
            next.acquireTime = timestamp
            next.leaseTransitions = (spec.leaseTransitions ?? 0) + (holder.isEmpty && spec.leaseTransitions == nil ? 0 : 1)
        }
        lease.spec = next
        do {
            let updated = try await client.update(lease)
            observe(updated.spec)
            return true
        } catch {
            return false
        }
    }

    /// Records the lease as seen now if it changed; returns when it last changed.
    @discardableResult
    private func observe(_ spec: LeaseSpec?) -> ContinuousClock.Instant {
        observed.withLock { observation in
            if let observation, observation.spec == spec { return observation.time }
            let now = ContinuousClock.now
            observation = Observation(spec: spec, time: now)
            return now
        }
    }

    /// Gives the lease up (if held), so another candidate takes over at once.
    public func release() async {
        guard var lease = try? await client.getIfPresent(Lease.self, name: config.leaseName, namespace: config.namespace),
            lease.spec?.holderIdentity == config.identity
        else { return }
        let timestamp = KubeTime.format(Date().timeIntervalSince1970, micro: true)
        lease.spec?.holderIdentity = nil
        lease.spec?.leaseDurationSeconds = 1
        lease.spec?.renewTime = timestamp
        _ = try? await client.update(lease)
    }

    func jittered(_ duration: Duration) -> Duration {
        duration * Double.random(in: 1.0...1.2)
    }
}
