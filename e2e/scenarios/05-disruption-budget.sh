#!/usr/bin/env bash
# Scenario 5: the PodDisruptionBudget (maxUnavailable 1) lets the eviction API evict one pod and
# refuses a second eviction while the first pod is away; once the evicted pod is back, one
# disruption is allowed again.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "the disruption budget allows one eviction at a time"
name=orders
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"

# Succeeds when the PDB's status is current and allows exactly N disruptions over 3 healthy pods.
pdb_allows() {
    local want="$1" json
    json="$(kns get pdb "${name}" -o json)" || return 1
    jq -r '"observedGeneration \(.status.observedGeneration // "-")/\(.metadata.generation), healthy \(.status.currentHealthy // "-")/\(.status.expectedPods // "-"), disruptionsAllowed \(.status.disruptionsAllowed // "-")"' <<<"${json}"
    jq -e --argjson want "${want}" '
      (.status.observedGeneration // -1) == .metadata.generation
      and .status.expectedPods == 3 and .status.currentHealthy == 3
      and .status.disruptionsAllowed == $want' <<<"${json}" >/dev/null
}

# Posts an Eviction for POD; prints what the API server said; the exit code is kubectl's.
evict() {
    local pod="$1" body="${E2E_ARTIFACTS}/eviction-$1.json"
    cat >"${body}" <<EOF
{"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "${pod}", "namespace": "${E2E_NAMESPACE}"}}
EOF
    kubectl create --raw "/api/v1/namespaces/${E2E_NAMESPACE}/pods/${pod}/eviction" -f "${body}" 2>&1
}

step "the PDB"
expect_eq "PDB ${name} maxUnavailable" "1" "$(kns get pdb "${name}" -o jsonpath='{.spec.maxUnavailable}')"
expect_eq "PDB ${name} selects the cluster's pods" "${name}" \
    "$(kns get pdb "${name}" -o jsonpath='{.spec.selector.matchLabels.ordinal\.dev/cluster}')"
wait_for "the PDB allows 1 disruption" "${E2E_TIMEOUT_SHORT}" pdb_allows 1

step "evict ${name}-2: allowed"
first_uid="$(pod_uid "${name}-2")"
if ! answer="$(evict "${name}-2")"; then
    fail "the eviction of ${name}-2 was refused: ${answer}"
fi
ok "eviction of ${name}-2 accepted"

step "evict ${name}-1 at the same time: refused"
if answer="$(evict "${name}-1")"; then
    fail "a second eviction (${name}-1) was allowed while ${name}-2 is away: ${answer}"
fi
note "the API server said: ${answer}"
[[ "${answer}" == *"disruption budget"* ]] || fail "the second eviction failed for another reason: ${answer}"
ok "second eviction refused by the disruption budget"
expect_eq "${name}-1 was not touched" "" "$(kns get pod "${name}-1" -o jsonpath='{.metadata.deletionTimestamp}')"

step "the evicted pod comes back and the budget allows one disruption again"
wait_for "${name}-2 is back (new pod) and Ready" "${E2E_TIMEOUT_POD}" pod_replaced_and_ready "${name}-2" "${first_uid}"
wait_cluster_ready "${name}"
wait_for "the PDB allows 1 disruption again" "${E2E_TIMEOUT_SHORT}" pdb_allows 1

scenario_pass
