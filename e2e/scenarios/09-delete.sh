#!/usr/bin/env bash
# Scenario 9: delete the cluster. Everything it owns (StatefulSet, pods, Services, ConfigMap,
# PDB) is garbage-collected; the PVCs stay (pvcRetention.whenDeleted defaults to Retain), and so
# do the generated Secrets the data only opens with. Applying the same cluster again brings the
# data back.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "delete the cluster: owned objects go, PVCs stay"
name=orders
cluster_apply "${name}" 2 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
client_create "${name}"
psql_client uri "create table survivors (id int primary key, note text not null)" >/dev/null
psql_client uri "insert into survivors values (1, 'written before the delete')" >/dev/null

owned=(
    "statefulset/${name}"
    "service/${name}-headless" "service/${name}-rw" "service/${name}-ro"
    "configmap/${name}-config"
    "poddisruptionbudget/${name}"
)
kept_pvcs=("pvc/data-${name}-0" "pvc/data-${name}-1")
kept_secrets=("secret/${name}-superuser" "secret/${name}-replication" "secret/${name}-app" "secret/${name}-monitor")

step "owned objects carry a controller reference to the cluster"
cluster_uid="$(pgc_field "${name}" .metadata.uid)"
for object in "${owned[@]}"; do
    expect_eq "${object} controller owner" "PostgresCluster/${name}/${cluster_uid}" \
        "$(kns get "${object}" -o jsonpath='{.metadata.ownerReferences[?(@.controller==true)].kind}/{.metadata.ownerReferences[?(@.controller==true)].name}/{.metadata.ownerReferences[?(@.controller==true)].uid}')"
done
kept_uids="$(kns get "${kept_pvcs[@]}" "${kept_secrets[@]}" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.uid}{"\n"}{end}')"

step "delete the PostgresCluster"
kns delete pgc "${name}" --wait=true --timeout="${E2E_TIMEOUT_SHORT}s"
wait_for "the owned objects are garbage-collected" "${E2E_TIMEOUT_POD}" objects_absent "${owned[@]}"
wait_for "the cluster's pods are gone" "${E2E_TIMEOUT_POD}" cluster_pods_gone "${name}"

step "the PVCs and the generated Secrets stay"
expect_eq "kept PVCs and Secrets (same uids)" "${kept_uids}" \
    "$(kns get "${kept_pvcs[@]}" "${kept_secrets[@]}" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.uid}{"\n"}{end}')"
for pvc in "${kept_pvcs[@]}"; do
    expect_eq "${pvc} is Bound and not being deleted" "Bound/" \
        "$(kns get "${pvc}" -o jsonpath='{.status.phase}/{.metadata.deletionTimestamp}')"
done

step "applying the same cluster again brings the data back"
kns delete pod client --wait=true --timeout=60s >/dev/null
cluster_apply "${name}" 2 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
expect_eq "PVC uids after re-creation" "${kept_uids}" \
    "$(kns get "${kept_pvcs[@]}" "${kept_secrets[@]}" -o jsonpath='{range .items[*]}{.kind}/{.metadata.name}={.metadata.uid}{"\n"}{end}')"
client_create "${name}"
expect_eq "the row written before the delete" "written before the delete" "$(psql_client uri "select note from survivors where id = 1")"
wait_for "${name}-1 streams from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1"

scenario_pass
