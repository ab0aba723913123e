#!/usr/bin/env bash
# Scenario 8: GitOps. The same manifests applied twice (server-side apply, as Flux and Argo CD
# with server-side apply do; and client-side apply, Argo CD's default) change nothing the
# second time; after the operator has reconciled, `kubectl diff` shows nothing (no drift, no
# fight over fields), the operator owns no field of the spec, and nothing it made keeps
# changing. Invalid objects are refused by the API server with the CRD's messages and leave
# the stored object as it was.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "GitOps: no drift, no fight, invalid objects refused"
repo="${E2E_ARTIFACTS}/gitops"
mkdir -p "${repo}/ssa" "${repo}/csa"
manager=gitops

# The "repository": one cluster reconciled with server-side apply, one with client-side apply.
cluster_manifest orders 2 "${E2E_PG_NEW}" - >"${repo}/ssa/orders.yaml" <<'EOF'
  podDisruptionBudget:
    maxUnavailable: 1
  pvcRetention:
    whenDeleted: Retain
    whenScaled: Retain
EOF
cluster_manifest inventory 1 "${E2E_PG_NEW}" >"${repo}/csa/inventory.yaml"

step "apply the manifests (server-side and client-side), then again"
kubectl apply --server-side --field-manager="${manager}" -f "${repo}/ssa/" | sed 's/^/     /'
kubectl apply -f "${repo}/csa/" | sed 's/^/     /'
generation_orders="$(pgc_field orders .metadata.generation)"
generation_inventory="$(pgc_field inventory .metadata.generation)"
kubectl apply --server-side --field-manager="${manager}" -f "${repo}/ssa/" | sed 's/^/     /'
kubectl apply -f "${repo}/csa/" | sed 's/^/     /'
expect_eq "orders generation after the second apply" "${generation_orders}" "$(pgc_field orders .metadata.generation)"
expect_eq "inventory generation after the second apply" "${generation_inventory}" "$(pgc_field inventory .metadata.generation)"

step "wait for the operator to reconcile both"
wait_cluster_ready orders
wait_cluster_ready inventory

# `kubectl diff` exits 0 with no output when live and manifest agree, 1 on a difference.
diff_is_empty() {
    local output rc=0
    output="$(kubectl diff "$@" 2>&1)" || rc=$?
    if ((rc != 0)) || [[ -n "${output}" ]]; then
        echo "kubectl diff $* exited ${rc}: ${output}"
        return 1
    fi
}

step "kubectl diff shows nothing after reconcile"
# Polled: a status update landing between diff's read of the live object and its dry run would
# show as a one-off difference; drift in the spec never goes away and fails the wait.
wait_for "kubectl diff --server-side -f ssa/ shows no difference" "${E2E_TIMEOUT_SHORT}" \
    diff_is_empty --server-side --field-manager="${manager}" -f "${repo}/ssa/"
wait_for "kubectl diff -f csa/ shows no difference" "${E2E_TIMEOUT_SHORT}" diff_is_empty -f "${repo}/csa/"

step "the operator owns no field of the spec"
# Managers of .spec: only the tool that applied it (kubectl's client-side apply is
# "kubectl-client-side-apply"); the operator writes the status subresource only.
spec_managers() {
    kns get pgc "$1" -o json --show-managed-fields |
        jq -r '[.metadata.managedFields[] | select(.fieldsV1["f:spec"] != null) | .manager] | unique | join(" ")'
}
expect_eq "managers of orders' spec" "${manager}" "$(spec_managers orders)"
expect_eq "managers of inventory's spec" "kubectl-client-side-apply" "$(spec_managers inventory)"

# What the operator made, one line per object: kind/name, generation, and a digest of its
# spec, data, labels and annotations (Secret values are only hashed, never printed). The
# clusters themselves are included (their spec). Stable lines mean nobody fights over fields.
owned_state() {
    local objects kind_name generation body
    objects="$(kns get pgc,statefulsets,services,poddisruptionbudgets,configmaps,secrets -o json)" || return 1
    jq -r '.items[] | select(.metadata.name | test("^(orders|inventory)([-.]|$)"))
        | [.kind + "/" + .metadata.name, (.metadata.generation // "-" | tostring),
           ({spec, data, labels: .metadata.labels,
             annotations: (.metadata.annotations // {} | del(.["kubectl.kubernetes.io/last-applied-configuration"]))} | tojson)]
        | @tsv' <<<"${objects}" | sort |
        while IFS=$'\t' read -r kind_name generation body; do
            printf '%s generation=%s digest=%s\n' "${kind_name}" "${generation}" "$(printf '%s' "${body}" | sha256sum | cut -c1-16)"
        done
}
baseline="$(owned_state)"
printf '%s\n' "${baseline}" >"${E2E_ARTIFACTS}/owned-state.txt"
note "watching $(grep -c . <<<"${baseline}") objects"
same_state() {
    local now
    now="$(owned_state)" || return 1
    [[ "${now}" == "${baseline}" ]] || { diff <(printf '%s\n' "${baseline}") <(printf '%s\n' "${now}") | grep '^[<>]'; return 1; }
}
step "a GitOps re-sync after reconcile changes nothing, and nothing keeps changing"
kubectl apply --server-side --field-manager="${manager}" -f "${repo}/ssa/" | sed 's/^/     /'
kubectl apply -f "${repo}/csa/" | sed 's/^/     /'
expect_eq "orders generation after the re-sync" "${generation_orders}" "$(pgc_field orders .metadata.generation)"
expect_eq "inventory generation after the re-sync" "${generation_inventory}" "$(pgc_field inventory .metadata.generation)"
hold_steady "specs, data and generations of the clusters and everything the operator made" 35 same_state

step "invalid objects are refused with the CRD's messages"
# Applies stdin with the GitOps field manager and expects a refusal containing MESSAGE.
expect_refused() {
    local what="$1" message="$2" output
    if output="$(kubectl apply --server-side --field-manager="${manager}" -f - 2>&1)"; then
        fail "${what}: accepted, expected a refusal saying '${message}'"
    fi
    [[ "${output}" == *"${message}"* ]] || fail "${what}: refused, but not with '${message}': ${output}"
    ok "${what}: refused: ${message}"
}
cluster_manifest bad-params 1 "${E2E_PG_NEW}" - <<'EOF' | expect_refused "a parameter Ordinal manages" "these parameters are managed by Ordinal and cannot be set"
  postgresql:
    parameters:
      listen_addresses: "*"
EOF
cluster_manifest "a$(printf '%052d' 0 | tr 0 b)" 1 "${E2E_PG_NEW}" |
    expect_refused "a 53-character name" "metadata.name must be at most 52 characters"
cluster_manifest bad-version 1 "12.9" |
    expect_refused "postgresVersion 12.9" "postgresVersion must be 13 or newer"
cluster_manifest orders 2 "17.0" - <<'EOF' | expect_refused "a major version change of orders" "postgresVersion cannot change major version in place"
  podDisruptionBudget:
    maxUnavailable: 1
  pvcRetention:
    whenDeleted: Retain
    whenScaled: Retain
EOF
sed "s/size: ${E2E_STORAGE_SIZE}/size: 512Mi/" "${repo}/ssa/orders.yaml" |
    expect_refused "shrinking orders' storage" "storage.size cannot shrink"
sed 's/^  instances: 2$/  instances: 2\n  replicas: 2/' "${repo}/ssa/orders.yaml" |
    expect_refused "an unknown field spec.replicas" "replicas"
expect_eq "no refused cluster was stored" "" "$(kns get pgc bad-params bad-version --ignore-not-found -o name)"
expect_eq "orders generation after the refusals" "${generation_orders}" "$(pgc_field orders .metadata.generation)"
expect_eq "orders postgresVersion after the refusals" "${E2E_PG_NEW}" "$(pgc_field orders .spec.postgresVersion)"
wait_for "kubectl diff --server-side -f ssa/ still shows no difference" "${E2E_TIMEOUT_SHORT}" \
    diff_is_empty --server-side --field-manager="${manager}" -f "${repo}/ssa/"

scenario_pass
