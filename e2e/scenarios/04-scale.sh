#!/usr/bin/env bash
# Scenario 4: scale 3 -> 5 -> 2. Ordinals are added in order (each new pod only after the one
# below it is Ready) and removed in order (highest first, one at a time); the PVCs of removed
# pods are kept (pvcRetention.whenScaled defaults to Retain); their replication slots are
# dropped from the primary.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "scale 3 -> 5 -> 2"
name=orders
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
podwatch_start "${name}" "${E2E_ARTIFACTS}/pods.watch.json"

step "scale up to 5"
cluster_apply "${name}" 5 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
expect_eq "pods" "${name}-0 ${name}-1 ${name}-2 ${name}-3 ${name}-4" "$(cluster_pods "${name}" | paste -sd' ' -)"
wait_for "4 replicas stream from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1 ${name}-2 ${name}-3 ${name}-4"
wait_for "one slot per replica on ${name}-0" "${E2E_TIMEOUT_SHORT}" slots_are "${name}-0" "${name}_1 ${name}_2 ${name}_3 ${name}_4"
for i in 3 4; do
    expect_eq "PVC data-${name}-${i} phase" "Bound" "$(kns get pvc "data-${name}-${i}" -o jsonpath='{.status.phase}')"
done
pvc_uids="$(kns get pvc "data-${name}-2" "data-${name}-3" "data-${name}-4" -o jsonpath='{.items[*].metadata.uid}')"

step "scale down to 2"
cluster_apply "${name}" 2 "${E2E_PG_NEW}"
wait_for "pods ${name}-2, ${name}-3 and ${name}-4 are gone" "${E2E_TIMEOUT_POD}" \
    objects_absent "pod/${name}-2" "pod/${name}-3" "pod/${name}-4"
wait_cluster_ready "${name}"
expect_eq "pods" "${name}-0 ${name}-1" "$(cluster_pods "${name}" | paste -sd' ' -)"
expect_eq "StatefulSet replicas" "2" "$(kns get statefulset "${name}" -o jsonpath='{.spec.replicas}')"

step "ordinals were added and removed in order"
podwatch_stop
podwatch_timeline "${E2E_ARTIFACTS}/pods.watch.json" >"${E2E_ARTIFACTS}/pods.timeline"
tl_expect_ordered_creation "${E2E_ARTIFACTS}/pods.timeline" "${name}"
tl_expect_order "${E2E_ARTIFACTS}/pods.timeline" \
    "create ${name}-3#1" "ready ${name}-3#1" "create ${name}-4#1" "ready ${name}-4#1" \
    "deleting ${name}-4#1" "gone ${name}-4#1" "deleting ${name}-3#1" "gone ${name}-3#1" \
    "deleting ${name}-2#1" "gone ${name}-2#1"
expect_eq "pods kept through both scalings (${name}-0, ${name}-1) were never restarted" "1 1" \
    "$(tl_incarnations "${E2E_ARTIFACTS}/pods.timeline" "${name}-0") $(tl_incarnations "${E2E_ARTIFACTS}/pods.timeline" "${name}-1")"

step "the PVCs of removed pods are kept"
expect_eq "PVC uids of data-${name}-2..4 (unchanged)" "${pvc_uids}" \
    "$(kns get pvc "data-${name}-2" "data-${name}-3" "data-${name}-4" -o jsonpath='{.items[*].metadata.uid}')"
for i in 2 3 4; do
    expect_eq "PVC data-${name}-${i} is not being deleted" "" "$(kns get pvc "data-${name}-${i}" -o jsonpath='{.metadata.deletionTimestamp}')"
done

step "the replication slots of removed pods are dropped"
wait_for "only slot ${name}_1 is left on ${name}-0" "${E2E_TIMEOUT_SHORT}" slots_are "${name}-0" "${name}_1"
wait_for "${name}-1 streams from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1"

scenario_pass
