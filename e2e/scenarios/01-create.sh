#!/usr/bin/env bash
# Scenario 1: create a 3-instance cluster. It becomes Ready (kubectl wait), its pods came up in
# order (pod N+1 was created only once pods 0..N were Ready), each pod has its own bound PVC,
# and every pod resolves by its stable DNS name from a debug pod and answers on it.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "create a 3-instance cluster"
name=orders

step "record pod events, then apply the cluster"
podwatch_start "${name}" "${E2E_ARTIFACTS}/pods.watch.json"
cluster_apply "${name}" 3 "${E2E_PG_NEW}"

step "wait for Ready, as a user would"
kns wait --for=condition=Ready "pgc/${name}" --timeout="${E2E_TIMEOUT_READY}s"
wait_cluster_ready "${name}" "${E2E_TIMEOUT_SHORT}"
kns get pgc "${name}"
expect_eq "status.primary" "${name}-0" "$(pgc_field "${name}" .status.primary)"
expect_eq "status.currentVersion" "${E2E_PG_NEW}" "$(pgc_field "${name}" .status.currentVersion)"
expect_eq "pods" "${name}-0 ${name}-1 ${name}-2" "$(cluster_pods "${name}" | paste -sd' ' -)"

step "the pods came up in order"
podwatch_stop
podwatch_timeline "${E2E_ARTIFACTS}/pods.watch.json" >"${E2E_ARTIFACTS}/pods.timeline"
tl_expect_ordered_creation "${E2E_ARTIFACTS}/pods.timeline" "${name}"
tl_expect_order "${E2E_ARTIFACTS}/pods.timeline" \
    "ready ${name}-0#1" "create ${name}-1#1" "ready ${name}-1#1" "create ${name}-2#1" "ready ${name}-2#1"

step "each pod has its own bound PVC"
volumes=""
for i in 0 1 2; do
    pod="${name}-${i}"
    expect_eq "${pod} data volume claim" "data-${pod}" "$(pod_claim "${pod}")"
    expect_eq "PVC data-${pod} phase" "Bound" "$(kns get pvc "data-${pod}" -o jsonpath='{.status.phase}')"
    volumes+="$(kns get pvc "data-${pod}" -o jsonpath='{.spec.volumeName}')"$'\n'
done
expect_eq "distinct persistent volumes" 3 "$(sort -u <<<"${volumes}" | grep -c .)"

step "roles: pod 0 is the primary, the others are replicas"
pod_role_is "${name}-0" primary || fail "$(pod_role_is "${name}-0" primary)"
for i in 1 2; do
    pod_role_is "${name}-${i}" replica || fail "$(pod_role_is "${name}-${i}" replica)"
done
ok "role labels: ${name}-0 primary, ${name}-1 and ${name}-2 replica"

step "every pod resolves by its stable DNS name from a debug pod"
client_create "${name}" debug
for i in 0 1 2; do
    pod="${name}-${i}"
    fqdn="${pod}.${name}-headless.${E2E_NAMESPACE}.svc.cluster.local"
    resolved="$(timeout "${E2E_EXEC_TIMEOUT}" kubectl -n "${E2E_NAMESPACE}" exec debug -- getent hosts "${fqdn}" | awk '{print $1}')"
    expect_eq "${fqdn} resolves to ${pod}'s IP" "$(pod_ip "${pod}")" "${resolved}"
    timeout "${E2E_EXEC_TIMEOUT}" kubectl -n "${E2E_NAMESPACE}" exec debug -- pg_isready -h "${fqdn}" -p 5432 -t 10 >/dev/null ||
        fail "pg_isready -h ${fqdn} failed"
    ok "${fqdn} accepts connections"
done

scenario_pass
