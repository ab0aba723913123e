#!/usr/bin/env bash
# Ordinal init container: make pod <name>-N (N > 0) a streaming replica of <name>-0.
#
# Runs on every pod start, before the postgres container. It never touches a
# data directory that already holds a cluster, so a restarted replica keeps its
# data, and it is safe to re-run after any failure.
#
#   1. writes the replication passfile (outside PGDATA) that primary_conninfo uses;
#   2. PGDATA already holding a cluster (PG_VERSION): nothing more;
#      ordinal 0 with an empty PGDATA: when the cluster was bootstrapped before (the operator
#      wrote its system identifier into the ConfigMap), stop with DataDirectoryLost instead of
#      letting the image run initdb over the loss; otherwise nothing more (the image's initdb);
#   3. waits for the primary (ORDINAL_PRIMARY_HOST:ORDINAL_PRIMARY_PORT) to accept connections;
#   4. pg_basebackup as the replication user, streaming WAL, with a physical slot named
#      after the pod, into a sibling directory that is renamed to PGDATA only when complete;
#   5. leaves standby.signal and primary_conninfo/primary_slot_name (pg_basebackup -R).
#
# Everything comes from the environment (docs/pod-contract.md); the tests run this same
# file against local servers. Passwords are read from Secret files and never printed.
set -Eeuo pipefail

log() { printf '%s bootstrap-replica: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
    log "ERROR: $*"
    exit 1
}
# Fails with a reason the operator reads from the container's termination message
# ("<Reason>: <sentence>", docs/pod-contract.md).
fail_with() {
    local reason="$1"
    shift
    local termination_log="${ORDINAL_TERMINATION_LOG:-/dev/termination-log}"
    if [[ -w "${termination_log}" ]] || [[ -w "$(dirname "${termination_log}")" && ! -e "${termination_log}" ]]; then
        printf '%s: %s' "${reason}" "$*" >"${termination_log}" || true
    fi
    fail "${reason}: $*"
}
trap 'fail "unexpected failure at line ${LINENO} (exit status $?)"' ERR

: "${PGDATA:?PGDATA must be set}"
: "${POD_NAME:?POD_NAME must be set}"
secrets_dir="${ORDINAL_SECRETS_DIR:-/etc/ordinal/secrets}"
primary_host="${ORDINAL_PRIMARY_HOST:?ORDINAL_PRIMARY_HOST must be set}"
primary_port="${ORDINAL_PRIMARY_PORT:-5432}"
wait_seconds="${ORDINAL_PRIMARY_WAIT_SECONDS:-600}"
passfile="${ORDINAL_REPLICATION_PASSFILE:-$(dirname "${PGDATA}")/replication.pgpass}"
bindir="${PGBINDIR:-}"

tool() {
    if [[ -n "${bindir}" ]]; then
        printf '%s/%s' "${bindir}" "$1"
    else
        printf '%s' "$1"
    fi
}

# Reads one Secret file; the value goes to stdout, never to the log.
read_secret() {
    local file="${secrets_dir}/$1"
    [[ -r "${file}" ]] || fail "secret file ${file} is missing or unreadable"
    local value
    value="$(<"${file}")"
    [[ -n "${value}" ]] || fail "secret file ${file} is empty"
    printf '%s' "${value}"
}

# Escapes a value for one field of a libpq passfile (backslash and colon).
pgpass_escape() {
    local value="${1//\\/\\\\}"
    printf '%s' "${value//:/\\:}"
}

ordinal="${POD_NAME##*-}"
[[ "${ordinal}" =~ ^[0-9]+$ ]] || fail "POD_NAME '${POD_NAME}' does not end in -<ordinal>"
[[ "${wait_seconds}" =~ ^[0-9]+$ ]] || fail "ORDINAL_PRIMARY_WAIT_SECONDS '${wait_seconds}' is not a number"

if [[ -r "${secrets_dir}/replication/username" ]]; then
    repl_user="$(read_secret replication/username)"
else
    repl_user="streaming_replica"
fi
repl_password="$(read_secret replication/password)"

# The passfile is rewritten on every start so a rotated Secret takes effect.
umask 077
mkdir -p "$(dirname "${passfile}")"
passfile_tmp="${passfile}.tmp.$$"
printf '*:*:*:%s:%s\n' "$(pgpass_escape "${repl_user}")" "$(pgpass_escape "${repl_password}")" >"${passfile_tmp}"
chmod 0600 "${passfile_tmp}"
mv -f "${passfile_tmp}" "${passfile}"
unset repl_password
log "replication passfile written to ${passfile}"

if [[ -f "${PGDATA}/PG_VERSION" ]]; then
    log "PGDATA ${PGDATA} already holds a PostgreSQL $(<"${PGDATA}/PG_VERSION") cluster: keeping it"
    exit 0
fi

if [[ "${ordinal}" == "0" ]]; then
    identifier_file="${ORDINAL_CONFIG_DIR:-/etc/ordinal/config}/system-identifier"
    if [[ -s "${identifier_file}" ]]; then
        fail_with DataDirectoryLost "${POD_NAME}'s data directory is empty, but the cluster was bootstrapped (system identifier $(<"${identifier_file}")); initdb would make a new, empty primary, so this pod waits. The replicas keep the data; see docs/faults.md"
    fi
    log "pod ${POD_NAME} is ordinal 0 of a cluster never bootstrapped: the primary initialises itself; nothing to do"
    exit 0
fi
if [[ -d "${PGDATA}" ]] && [[ -n "$(ls -A "${PGDATA}")" ]]; then
    fail "PGDATA ${PGDATA} is not empty but holds no cluster (no PG_VERSION); refusing to overwrite it"
fi

log "waiting up to ${wait_seconds}s for the primary ${primary_host}:${primary_port}"
deadline=$((SECONDS + wait_seconds))
until "$(tool pg_isready)" -q -h "${primary_host}" -p "${primary_port}" -t 5; do
    if ((SECONDS >= deadline)); then
        fail "the primary ${primary_host}:${primary_port} did not accept connections within ${wait_seconds}s"
    fi
    sleep 2
done
log "the primary ${primary_host}:${primary_port} accepts connections"

slot="${POD_NAME//-/_}"
staging="${PGDATA%/}.bootstrap"
# A staging directory left by an interrupted run is ours: start again from nothing.
rm -rf "${staging}"
mkdir -p "${staging}"
chmod 0700 "${staging}"

conninfo="host=${primary_host} port=${primary_port} user=${repl_user} application_name=${POD_NAME} passfile=${passfile}"
basebackup() {
    PGPASSFILE="${passfile}" "$(tool pg_basebackup)" \
        --dbname="${conninfo}" --no-password \
        --pgdata="${staging}" --wal-method=stream --checkpoint=fast \
        --write-recovery-conf --slot="${slot}" "$@" 2>&1
}

log "pg_basebackup from ${primary_host}:${primary_port} as ${repl_user}, slot ${slot}"
if ! output="$(basebackup --create-slot)"; then
    if [[ "${output}" == *"already exists"* ]]; then
        log "replication slot ${slot} already exists on the primary: reusing it"
        rm -rf "${staging}"
        mkdir -p "${staging}"
        chmod 0700 "${staging}"
        output="$(basebackup)" || fail "pg_basebackup failed: ${output}"
    else
        fail "pg_basebackup failed: ${output}"
    fi
fi
[[ -f "${staging}/PG_VERSION" ]] || fail "pg_basebackup left no PG_VERSION in ${staging}"
[[ -f "${staging}/standby.signal" ]] || fail "pg_basebackup left no standby.signal in ${staging}"

if [[ -d "${PGDATA}" ]]; then
    rmdir "${PGDATA}"
fi
mv "${staging}" "${PGDATA}"
chmod 0700 "${PGDATA}"
log "PGDATA ${PGDATA} is a standby of ${primary_host}:${primary_port} (slot ${slot}); done"
