#!/usr/bin/env bash
# Scenario 2: write through <name>-rw, read the same rows through <name>-ro (and on each
# replica directly); pg_stat_replication on pod 0 lists both replicas streaming, each from its
# own slot.
set -Eeuo pipefail
# shellcheck source=e2e/lib.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

scenario_begin "write through -rw, read through -ro"
name=orders
cluster_apply "${name}" 3 "${E2E_PG_NEW}"
wait_cluster_ready "${name}"
client_create "${name}"

step "pg_stat_replication on ${name}-0 lists both replicas streaming"
wait_for "${name}-1 and ${name}-2 stream from ${name}-0" "${E2E_TIMEOUT_SHORT}" replicas_streaming "${name}-0" "${name}-1 ${name}-2"
psql_pod "${name}-0" "select application_name, state, sync_state from pg_stat_replication order by 1" | sed 's/^/     /'
wait_for "slots ${name}_1 and ${name}_2 exist on ${name}-0" "${E2E_TIMEOUT_SHORT}" slots_are "${name}-0" "${name}_1 ${name}_2"
expect_eq "active slots" "2" "$(psql_pod "${name}-0" "select count(*) from pg_replication_slots where active")"

step "write through ${name}-rw (the app Secret's uri)"
expect_eq "${name}-rw reaches the primary (pg_is_in_recovery)" "f" "$(psql_client uri "select pg_is_in_recovery()")"
psql_client uri "create table items (id int primary key, label text not null)" >/dev/null
psql_client uri "insert into items select g, 'item ' || g from generate_series(1, 1000) g" >/dev/null
written="$(psql_client uri "select count(*) || ':' || md5(string_agg(id || label, ',' order by id)) from items")"
ok "wrote 1000 rows (${written})"

step "wait until both replicas have replayed the writes"
lsn="$(psql_pod "${name}-0" "select pg_current_wal_lsn()")"
for replica in "${name}-1" "${name}-2"; do
    wait_for "${replica} replayed up to ${lsn}" "${E2E_TIMEOUT_SHORT}" replica_replayed "${replica}" "${lsn}"
done

step "read the same rows through ${name}-ro"
served=""
for attempt in 1 2 3 4 5 6; do
    answer="$(psql_client "${name}-ro" "select pg_is_in_recovery() || ' ' || host(inet_server_addr()) || ' ' || (select count(*) || ':' || md5(string_agg(id || label, ',' order by id)) from items)")"
    read -r in_recovery address rows <<<"${answer}"
    expect_eq "${name}-ro read ${attempt} is served by a replica" "t" "${in_recovery}"
    expect_eq "${name}-ro read ${attempt} sees the rows written" "${written}" "${rows}"
    served+="${address} "
done
replica_ips="$(pod_ip "${name}-1") $(pod_ip "${name}-2")"
for address in ${served}; do
    [[ " ${replica_ips} " == *" ${address} "* ]] || fail "${name}-ro was served by ${address}, not a replica (${replica_ips})"
done
ok "${name}-ro answered from replica addresses: $(tr ' ' '\n' <<<"${served}" | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')"

step "each replica holds the rows (read by its stable DNS name)"
for replica in "${name}-1" "${name}-2"; do
    rows="$(psql_client "${replica}.${name}-headless" "select count(*) || ':' || md5(string_agg(id || label, ',' order by id)) from items")"
    expect_eq "rows on ${replica}" "${written}" "${rows}"
done

step "a replica refuses writes"
if psql_client "${name}-ro" "insert into items values (1001, 'must fail')" >/dev/null 2>&1; then
    fail "a write through ${name}-ro succeeded"
fi
ok "a write through ${name}-ro is refused (read-only transaction)"

scenario_pass
