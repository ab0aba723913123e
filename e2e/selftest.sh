#!/usr/bin/env bash
# Offline checks of the e2e helpers that decide pass or fail without a cluster: the pod-event
# timeline and its ordering checks, the write-downtime and lost-write arithmetic, and the
# manifests the scenarios apply (rendered by `ordinal render` when ORDINAL_BIN names the binary,
# schema-checked by kubernetes-validate when it is on PATH). Needs bash, jq and awk.
#   e2e/selftest.sh            # prints one line per check and "N passed, N failed"
set -Eeuo pipefail

export E2E_SCENARIO=selftest E2E_NAMESPACE=e2e-selftest
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
passed=0
failed=0
check() {
    local what="$1"
    shift
    if ("$@") >"${work}/out" 2>&1; then
        passed=$((passed + 1))
        echo "pass: ${what}"
    else
        failed=$((failed + 1))
        echo "FAIL: ${what}"
        sed 's/^/    /' "${work}/out"
    fi
}
refuses() { ! ("$@"); }  # the helpers exit on failure: keep that inside a subshell

# A watch event for pod NAME (uid UID): TYPE READY IMAGE [deleting]
event() {
    jq -cn --arg type "$1" --arg name "$2" --arg uid "$3" --arg ready "$4" --arg image "$5" --arg deleting "${6:-}" '
      {type: $type, object: {metadata: ({name: $name, uid: $uid}
          + (if $deleting == "" then {} else {deletionTimestamp: "2026-01-01T00:00:00Z"} end)),
        spec: {initContainers: [{name: "bootstrap", image: $image}], containers: [{name: "postgres", image: $image}]},
        status: (if $ready == "-" then {} else {conditions: [{type: "PodScheduled", status: "True"}, {type: "Ready", status: $ready}]} end)}}'
}

# Creation 0, 1, 2 in order, then a rolling upgrade 2, 1, 0, then a truncated last line (the
# watch is killed mid-write).
{
    for i in 0 1 2; do
        event ADDED "orders-${i}" "u${i}" - postgres:16.3
        event MODIFIED "orders-${i}" "u${i}" False postgres:16.3
        event MODIFIED "orders-${i}" "u${i}" True postgres:16.3
    done
    for i in 2 1 0; do
        event MODIFIED "orders-${i}" "u${i}" False postgres:16.3 deleting
        event DELETED "orders-${i}" "u${i}" False postgres:16.3 deleting
        event ADDED "orders-${i}" "v${i}" - postgres:16.4
        event MODIFIED "orders-${i}" "v${i}" True postgres:16.4
    done
    printf '{"type":"MODIFIED","object":{"metadata":{"na'
} >"${work}/good.json"
podwatch_timeline "${work}/good.json" >"${work}/good.tl"

# Pod 2 created while pod 1 was not Ready.
{
    event ADDED orders-0 u0 True postgres:16.4
    event ADDED orders-1 u1 - postgres:16.4
    event ADDED orders-2 u2 - postgres:16.4
} >"${work}/bad.json"
podwatch_timeline "${work}/bad.json" >"${work}/bad.tl"

# Pods that existed before the watch (INITIAL), then a scale-up and an ordered scale-down.
{
    for i in 0 1 2; do jq -cn --argjson e "$(event ADDED "orders-${i}" "u${i}" True postgres:16.4)" '$e | .type = "INITIAL"'; done
    event ADDED orders-3 u3 - postgres:16.4
    event MODIFIED orders-3 u3 True postgres:16.4
    event MODIFIED orders-3 u3 True postgres:16.4 deleting
    event DELETED orders-3 u3 True postgres:16.4 deleting
    event MODIFIED orders-2 u2 True postgres:16.4 deleting
    event DELETED orders-2 u2 True postgres:16.4 deleting
} >"${work}/scale.json"
podwatch_timeline "${work}/scale.json" >"${work}/scale.tl"

check "the timeline names incarnations and survives a truncated last line" \
    grep -qx 'create orders-2#2 postgres:16.4' "${work}/good.tl"
check "ordered creation holds for an ordered start and rollout" tl_expect_ordered_creation "${work}/good.tl" orders
check "ordered creation catches a pod created before the one below was Ready" \
    refuses tl_expect_ordered_creation "${work}/bad.tl" orders
check "upgrade order: highest ordinal first, the primary last, one at a time" \
    tl_expect_order "${work}/good.tl" "deleting orders-2#1" "ready orders-2#2" "deleting orders-1#1" \
    "ready orders-1#2" "deleting orders-0#1" "ready orders-0#2"
check "an order that did not happen is refused" \
    refuses tl_expect_order "${work}/good.tl" "deleting orders-0#1" "deleting orders-2#1"
check "an event that did not happen is refused" refuses tl_expect_order "${work}/good.tl" "create orders-3#1"
check "incarnations and images are counted" \
    test "$(tl_incarnations "${work}/good.tl" orders-1) $(tl_image "${work}/good.tl" orders-1#2)" = "2 postgres:16.4"
check "pods present before the watch count as Ready for ordered creation" \
    tl_expect_ordered_creation "${work}/scale.tl" orders
check "scale-down order" tl_expect_order "${work}/scale.tl" "create orders-3#1" "ready orders-3#1" \
    "deleting orders-3#1" "gone orders-3#1" "deleting orders-2#1" "gone orders-2#1"

printf 'ack 1 100.0\nack 2 100.2\nfail 3 101.0 refused\nfail 4 102.0 refused\nack 5 103.5\nack 6 103.6\n' >"${work}/writer.log"
check "write downtime is the longest gap between acknowledged writes" test "$(write_downtime "${work}/writer.log")" = "3.3"
check "a writer log without acknowledgements has no downtime" test "$(write_downtime /dev/null)" = "0.0"

cluster_manifest orders 3 16.4 >"${work}/orders.yaml"
client_pod_manifest orders client '["sleep", "infinity"]' >"${work}/client.yaml"
client_pod_manifest orders writer "$(jq -cn --arg script "${WRITER_SCRIPT}" '["bash", "-c", $script]')" >"${work}/writer.yaml"
check "the writer script is valid bash" bash -n <(printf '%s\n' "${WRITER_SCRIPT}")
if command -v kubernetes-validate >/dev/null 2>&1; then
    check "client and writer pods pass kubernetes-validate --strict" \
        kubernetes-validate --strict -k 1.30.0 "${work}/client.yaml" "${work}/writer.yaml"
else
    echo "skip: kubernetes-validate is not on PATH (scripts/setup.sh installs it in .build-tools/venv)"
fi
if [[ -n "${ORDINAL_BIN:-}" ]]; then
    check "the scenarios' cluster manifest renders with ordinal render" "${ORDINAL_BIN}" render -f "${work}/orders.yaml"
    cluster_manifest bad 1 16.4 - >"${work}/bad.yaml" <<'EOF'
  postgresql:
    parameters:
      listen_addresses: "*"
EOF
    check "ordinal render refuses the forbidden parameter scenario 8 applies" refuses "${ORDINAL_BIN}" render -f "${work}/bad.yaml"
else
    echo "skip: ORDINAL_BIN is unset (set it to a built ordinal binary to render the manifests)"
fi

echo "${passed} passed, ${failed} failed"
((failed == 0))
