#!/usr/bin/env bash
# Scenario 3: delete pod 0 under a steady write load. It returns with the same PVC and its data,
# the -rw Service follows the primary label to it again, the replicas stream from it again, and
# no write committed before (or after) the delete is lost.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "delete the primary pod"
name=orders
primary="${name}-0"
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
client_create "${name}"

step "data and a steady write load before the delete"
psql_client uri "create table marker (id int primary key, note text not null)" >/dev/null
psql_client uri "insert into marker values (1, 'written before the delete')" >/dev/null
writer_start "${name}"
wait_for "${name}-rw points at ${primary}" "${E2E_TIMEOUT_SHORT}" service_endpoints_are "${name}-rw" "${primary}"

old_uid="$(pod_uid "${primary}")"
pvc_uid="$(kns get pvc "data-${primary}" -o jsonpath='{.metadata.uid}')"
acks_before="$(writer_ack_count)"
note "${primary} uid ${old_uid}, PVC data-${primary} uid ${pvc_uid}, ${acks_before} writes acknowledged so far"

step "delete ${primary}"
kns delete pod "${primary}" --wait=true --timeout="${E2E_TIMEOUT_POD}s"
wait_for "${primary} is back (new pod) and Ready" "${E2E_TIMEOUT_POD}" pod_replaced_and_ready "${primary}" "${old_uid}"

step "the same PVC and its data"
expect_eq "${primary} data volume claim" "data-${primary}" "$(pod_claim "${primary}")"
expect_eq "PVC data-${primary} uid (same volume)" "${pvc_uid}" "$(kns get pvc "data-${primary}" -o jsonpath='{.metadata.uid}')"

step "the -rw Service follows the primary label again"
wait_for "${primary} is labelled primary" "${E2E_TIMEOUT_SHORT}" pod_role_is "${primary}" primary
wait_for "${name}-rw points at the new ${primary}" "${E2E_TIMEOUT_SHORT}" service_endpoints_are "${name}-rw" "${primary}"
expect_eq "${name}-rw reaches ${primary} (server address)" "$(pod_ip "${primary}")" "$(psql_client uri "select host(inet_server_addr())")"
expect_eq "${name}-rw reaches a primary (pg_is_in_recovery)" "f" "$(psql_client uri "select pg_is_in_recovery()")"
expect_eq "the row written before the delete" "written before the delete" "$(psql_client uri "select note from marker where id = 1")"

step "writes resume and the replicas stream again"
wait_for "the writer commits again after the restart" "${E2E_TIMEOUT_SHORT}" writer_acks_at_least "$((acks_before + 50))"
wait_for "${name}-1 and ${name}-2 stream from the new ${primary}" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${primary}" "${name}-1 ${name}-2"
wait_cluster_ready "${name}" "${E2E_TIMEOUT_SHORT}"

step "no committed write is lost"
writer_stop_and_verify

scenario_pass
