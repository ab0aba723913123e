#!/usr/bin/env bash
# Scenario 7: kill the operator in the middle of a minor upgrade (once at least one pod runs the
# new version and at least one still runs the old one). A new operator pod takes over and the
# walk completes: every pod restarted exactly once, highest ordinal first and the primary last,
# and no committed write is lost.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "kill the operator in the middle of an upgrade"
name=orders
cluster_apply "${name}" 3 "${E2E_PG_OLD}"
wait_cluster_ready "${name}"
client_create "${name}"
writer_start "${name}"

mapfile -t operator_before < <(operator_pods)
((${#operator_before[@]} > 0)) || fail "no operator pod in ${E2E_OPERATOR_NAMESPACE} with labels ${E2E_OPERATOR_SELECTOR}"
old_uids="$(printf '%s\n' "${operator_before[@]}" | awk '{print $2}' | paste -sd' ' -)"
note "operator pods: $(printf '%s\n' "${operator_before[@]}" | awk '{print $1}' | paste -sd' ' -)"

# Succeeds when some pods of the cluster run the new image and some still run the old one.
upgrade_midway() {
    local images
    images="$(kns get pods -l "ordinal.dev/cluster=${name}" -o json |
        jq -r '[.items[] | "\(.metadata.name)=\(.spec.containers[] | select(.name == "postgres") | .image)"] | sort | join(" ")')" || return 1
    echo "${images}"
    [[ "${images}" == *"=postgres:${E2E_PG_NEW}"* && "${images}" == *"=postgres:${E2E_PG_OLD}"* ]]
}

step "start the upgrade to ${E2E_PG_NEW}"
podwatch_start "${name}" "${E2E_ARTIFACTS}/pods.watch.json"
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
E2E_POLL=1 wait_for "the walk is under way (pods on both versions)" "${E2E_TIMEOUT_UPGRADE}" upgrade_midway

step "kill the operator"
note "pods at the kill: $(upgrade_midway || true)"
kubectl -n "${E2E_OPERATOR_NAMESPACE}" delete pods -l "${E2E_OPERATOR_SELECTOR}" --grace-period=0 --force --wait=false 2>&1 |
    sed 's/^/     /'
wait_for "a new operator pod is Ready" "${E2E_TIMEOUT_POD}" operator_replaced_and_ready "${old_uids}"
note "operator pods now: $(operator_pods | awk '{print $1}' | paste -sd' ' -)"

step "the walk completes"
wait_for "every pod runs postgres:${E2E_PG_NEW}, status.currentVersion is ${E2E_PG_NEW}, Ready" "${E2E_TIMEOUT_UPGRADE}" \
    cluster_upgraded "${name}" "${E2E_PG_NEW}"
for i in 0 1 2; do
    expect_eq "${name}-${i} server version" "${E2E_PG_NEW}" "$(server_version "${name}-${i}")"
done
wait_for "${name}-1 and ${name}-2 stream from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1 ${name}-2"

step "each pod restarted exactly once, highest ordinal first, the primary last"
podwatch_stop
timeline="${E2E_ARTIFACTS}/pods.timeline"
podwatch_timeline "${E2E_ARTIFACTS}/pods.watch.json" >"${timeline}"
tl_expect_walk "${timeline}" "${name}"

step "zero committed writes lost"
writer_stop_and_verify

scenario_pass
