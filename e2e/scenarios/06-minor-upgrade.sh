#!/usr/bin/env bash
# Scenario 6: minor upgrade (postgresVersion E2E_PG_OLD -> E2E_PG_NEW) under a steady write
# load. Pods move one at a time, highest ordinal first and the primary (pod 0) last, each only
# after the one before it is back and Ready; zero committed writes are lost; the write
# downtime is printed.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "minor upgrade ${E2E_PG_OLD} -> ${E2E_PG_NEW} under write load"
name=orders
cluster_apply "${name}" 3 "${E2E_PG_OLD}"
wait_cluster_ready "${name}"
expect_eq "status.currentVersion before" "${E2E_PG_OLD}" "$(pgc_field "${name}" .status.currentVersion)"
expect_eq "status.primary before" "${name}-0" "$(pgc_field "${name}" .status.primary)"
for i in 0 1 2; do
    expect_eq "${name}-${i} server version before" "${E2E_PG_OLD}" "$(server_version "${name}-${i}")"
done
client_create "${name}"
writer_start "${name}"

step "upgrade to ${E2E_PG_NEW}"
podwatch_start "${name}" "${E2E_ARTIFACTS}/pods.watch.json"
started=${SECONDS}
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
wait_for "every pod runs postgres:${E2E_PG_NEW}, status.currentVersion is ${E2E_PG_NEW}, Ready" "${E2E_TIMEOUT_UPGRADE}" cluster_upgraded "${name}" "${E2E_PG_NEW}"
wait_cluster_ready "${name}" "${E2E_TIMEOUT_SHORT}"
note "the upgrade took $((SECONDS - started))s"

step "every instance runs ${E2E_PG_NEW}"
for i in 0 1 2; do
    expect_eq "${name}-${i} image" "postgres:${E2E_PG_NEW}" "$(pod_image "${name}-${i}")"
    expect_eq "${name}-${i} server version" "${E2E_PG_NEW}" "$(server_version "${name}-${i}")"
done
expect_eq "status.primary after" "${name}-0" "$(pgc_field "${name}" .status.primary)"
wait_for "${name}-1 and ${name}-2 stream from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1 ${name}-2"

step "pods moved highest ordinal first, the primary last, one at a time"
podwatch_stop
timeline="${E2E_ARTIFACTS}/pods.timeline"
podwatch_timeline "${E2E_ARTIFACTS}/pods.watch.json" >"${timeline}"
tl_expect_walk "${timeline}" "${name}"
for i in 0 1 2; do
    expect_eq "${name}-${i} came back with" "postgres:${E2E_PG_NEW}" "$(tl_image "${timeline}" "${name}-${i}#2")"
done

step "zero committed writes lost"
writer_stop_and_verify

scenario_pass
