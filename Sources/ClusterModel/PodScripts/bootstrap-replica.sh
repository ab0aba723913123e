#!/usr/bin/env bash
# Ordinal init container: make every pod but the primary a streaming replica of it.
#
# Runs on every pod start, before the postgres container. The primary is pod 0
# (ORDINAL_PRIMARY_HOST) unless the ConfigMap key "primary" names another pod
# ("<pod> <host> <port>", after a failover), reached over TLS as the key "primary-sslmode"
# says. It never initialises over lost data, never touches another cluster's data, and is
# safe to re-run after any failure.
#
#   1. writes the replication passfile (outside PGDATA) that primary_conninfo uses;
#   2. a rebuild the operator asked for this pod (ConfigMap key "rebuild", once per token):
#      only on a standby's data; pg_rewind from the primary when the timeline diverged,
#      otherwise a fresh clone (step 5) that replaces the old data only when complete;
#   3. PGDATA holding a primary's data while another pod is the primary (a former primary
#      after a failover or switchover, or a server promoted by hand): once that pod accepts
#      writes, pg_rewind from it (or, when rewinding is impossible, a fresh clone) and start
#      as its standby; a standby's data: follow the current primary; else nothing more;
#      ordinal 0 with an empty PGDATA: when the cluster was bootstrapped before (the operator
#      wrote its system identifier into the ConfigMap), clone from the current primary when
#      it is another pod, else stop with DataDirectoryLost instead of letting the image run
#      initdb over the loss; a cluster never bootstrapped: nothing more (the image's initdb);
#   4. waits for the primary to accept connections;
#   5. pg_basebackup as the replication user, streaming WAL, with a physical slot named
#      after the pod, into a sibling directory that is renamed to PGDATA only when complete;
#   6. leaves standby.signal and primary_conninfo/primary_slot_name (pg_basebackup -R).
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
config_dir="${ORDINAL_CONFIG_DIR:-/etc/ordinal/config}"
# With backups the postgres container (same image) archives every WAL segment through
# pgBackRest: an image without it would keep WAL on the primary until the volume fills, so
# the pod does not start, and says why.
if [[ "${ORDINAL_BACKUP:-}" == pgbackrest ]] && ! command -v "${ORDINAL_PGBACKREST:-pgbackrest}" >/dev/null 2>&1; then
    fail_with ImageWithoutPgBackRest "spec.backup archives through pgBackRest, and this image has none: use an image built from images/postgres/Dockerfile (docs/backups.md)"
fi
primary_host="${ORDINAL_PRIMARY_HOST:?ORDINAL_PRIMARY_HOST must be set}"
primary_port="${ORDINAL_PRIMARY_PORT:-5432}"
primary_pod="${POD_NAME%-*}-0"
# After a failover the primary is another pod: the operator names it in the ConfigMap.
if [[ -s "${config_dir}/primary" ]]; then
    read -r named_pod named_host named_port _ <"${config_dir}/primary" || true
    if [[ -n "${named_pod:-}" && -n "${named_host:-}" && "${named_port:-}" =~ ^[0-9]+$ ]]; then
        primary_pod="${named_pod}"
        primary_host="${named_host}"
        primary_port="${named_port}"
    else
        fail "the ConfigMap's primary entry is not '<pod> <host> <port>'"
    fi
fi
# How the primary is reached: the ConfigMap's "primary-sslmode" (verify-full while it serves
# the cluster's certificate, prefer while a walk turns TLS on); verify-full needs the CA, which
# the pod holds while TLS is on (ORDINAL_TLS_DIR), else the connection is encrypted unverified.
tls_dir="${ORDINAL_TLS_DIR:-}"
primary_sslmode="prefer"
[[ -n "${tls_dir}" ]] && primary_sslmode="verify-full"
if [[ -s "${config_dir}/primary-sslmode" ]]; then
    read -r primary_sslmode _ <"${config_dir}/primary-sslmode" || true
fi
case "${primary_sslmode}" in
    verify-full) [[ -n "${tls_dir}" && -s "${tls_dir}/ca.crt" ]] || primary_sslmode="require" ;;
    require | prefer) ;;
    *) fail "the ConfigMap's primary-sslmode '${primary_sslmode}' is not verify-full, require or prefer" ;;
esac
ssl_options="sslmode=${primary_sslmode}"
[[ "${primary_sslmode}" == "verify-full" ]] && ssl_options+=" sslrootcert=${tls_dir}/ca.crt"
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

slot="${POD_NAME//-/_}"
staging="${PGDATA%/}.bootstrap"
conninfo="host=${primary_host} port=${primary_port} ${ssl_options} user=${repl_user} application_name=${POD_NAME} passfile=${passfile}"
rebuilt_file="$(dirname "${PGDATA}")/rebuilt.token"
superuser="${POSTGRES_USER:-postgres}"

wait_for_primary() {
    log "waiting up to ${wait_seconds}s for the primary ${primary_host}:${primary_port}"
    local deadline=$((SECONDS + wait_seconds))
    until "$(tool pg_isready)" -q -h "${primary_host}" -p "${primary_port}" -t 5; do
        if ((SECONDS >= deadline)); then
            fail "the primary ${primary_host}:${primary_port} did not accept connections within ${wait_seconds}s"
        fi
        sleep 2
    done
    log "the primary ${primary_host}:${primary_port} accepts connections"
}

basebackup() {
    PGPASSFILE="${passfile}" "$(tool pg_basebackup)" \
        --dbname="${conninfo}" --no-password \
        --pgdata="${staging}" --wal-method=stream --checkpoint=fast \
        --write-recovery-conf --slot="${slot}" "$@" 2>&1
}

fresh_staging() {
    rm -rf "${staging}"
    mkdir -p "${staging}"
    chmod 0700 "${staging}"
}

# pg_basebackup from the primary into the staging folder (a sibling of PGDATA on the same
# volume); a staging folder left by an interrupted run is ours and is started again.
clone_into_staging() {
    fresh_staging
    log "pg_basebackup from ${primary_host}:${primary_port} as ${repl_user}, slot ${slot}"
    local output
    if ! output="$(basebackup --create-slot)"; then
        if [[ "${output}" == *"already exists"* ]]; then
            log "replication slot ${slot} already exists on the primary: reusing it"
            fresh_staging
            output="$(basebackup)" || fail "pg_basebackup failed: ${output}"
        else
            fail "pg_basebackup failed: ${output}"
        fi
    fi
    [[ -f "${staging}/PG_VERSION" ]] || fail "pg_basebackup left no PG_VERSION in ${staging}"
    [[ -f "${staging}/standby.signal" ]] || fail "pg_basebackup left no standby.signal in ${staging}"
}

# A passfile for the superuser in a private temporary file (removed by the caller).
superuser_passfile() {
    local file
    file="$(mktemp "${TMPDIR:-/tmp}/ordinal-superuser.XXXXXX")"
    chmod 0600 "${file}"
    printf '*:*:*:%s:%s\n' "$(pgpass_escape "${superuser}")" "$(pgpass_escape "$(read_secret superuser/password)")" >"${file}"
    printf '%s' "${file}"
}

# pg_rewind from the primary. Sets rewind_result: "rewound" (it changed something),
# "not-needed" (this data's history is already part of the primary's) or "failed".
rewind_result=""
rewind_from_primary() {
    local secret_pass output status=0
    secret_pass="$(superuser_passfile)"
    # pg_rewind reads the source's timeline from its pg_control, which a recent promotion
    # updates only at its next checkpoint: without one it would see no divergence.
    PGPASSFILE="${secret_pass}" "$(tool psql)" -X -q -w \
        "host=${primary_host} port=${primary_port} ${ssl_options} user=${superuser} dbname=postgres connect_timeout=5" \
        -c 'CHECKPOINT' >/dev/null 2>&1 || log "CHECKPOINT on the primary failed; pg_rewind may see a stale timeline"
    output="$(PGPASSFILE="${secret_pass}" "$(tool pg_rewind)" --target-pgdata="${PGDATA}" \
        --source-server="host=${primary_host} port=${primary_port} ${ssl_options} user=${superuser} dbname=postgres passfile=${secret_pass}" 2>&1)" || status=$?
    rm -f "${secret_pass}"
    if ((status != 0)); then
        log "pg_rewind could not rewind (${output##*$'\n'})"
        rewind_result="failed"
    elif [[ "${output}" == *"no rewind required"* ]]; then
        log "pg_rewind: no rewind required"
        rewind_result="not-needed"
    else
        log "pg_rewind rewound ${PGDATA} to the primary's timeline"
        rewind_result="rewound"
    fi
}

# Makes the data in PGDATA (server stopped) a standby of the current primary: standby.signal,
# primary_conninfo and primary_slot_name (replacing any earlier ones, and a switchover's
# write fence), and no replication slots of its own (they belong on the primary).
become_standby() {
    local auto="${PGDATA}/postgresql.auto.conf"
    touch "${PGDATA}/standby.signal"
    if [[ -f "${auto}" ]]; then
        grep -Ev '^[[:space:]]*(primary_conninfo|primary_slot_name|default_transaction_read_only)[[:space:]]*=' "${auto}" >"${auto}.tmp" || true
        mv -f "${auto}.tmp" "${auto}"
    fi
    printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" "${conninfo}" "${slot}" >>"${auto}"
    find "${PGDATA}/pg_replslot" -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null || true
}

# pg_rewind from the primary, for a standby whose timeline diverged. Succeeds only when it
# rewound something; "no rewind required" (same timeline: the WAL it needs is simply gone)
# and any failure leave the choice to a fresh clone.
try_rewind() {
    rewind_from_primary
    if [[ "${rewind_result}" != "rewound" ]]; then
        log "cloning instead"
        return 1
    fi
    become_standby
    return 0
}

# Waits until the primary answers as a primary (not in recovery): a former primary is never
# rewound from a server that is still being promoted.
wait_for_writable_primary() {
    wait_for_primary
    local deadline=$((SECONDS + wait_seconds)) secret_pass answer
    secret_pass="$(superuser_passfile)"
    while true; do
        answer="$(PGPASSFILE="${secret_pass}" "$(tool psql)" -X -A -t -w \
            "host=${primary_host} port=${primary_port} ${ssl_options} user=${superuser} dbname=postgres connect_timeout=5" \
            -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" || answer=""
        if [[ "${answer}" == "f" ]]; then break; fi
        if ((SECONDS >= deadline)); then
            rm -f "${secret_pass}"
            fail "${primary_pod} (${primary_host}:${primary_port}) did not accept writes within ${wait_seconds}s"
        fi
        sleep 2
    done
    rm -f "${secret_pass}"
    log "${primary_pod} accepts writes"
}

# Replaces PGDATA by a fresh clone of the primary; the old data goes only once the copy is complete.
replace_with_clone() {
    clone_into_staging
    rm -rf "${PGDATA%/}.old"
    mv "${PGDATA}" "${PGDATA%/}.old"
    mv "${staging}" "${PGDATA}"
    chmod 0700 "${PGDATA}"
    rm -rf "${PGDATA%/}.old"
    log "PGDATA ${PGDATA} was cloned again from ${primary_host}:${primary_port} (slot ${slot})"
}

# The token of a rebuild the operator asked for this pod (ConfigMap key "rebuild": one
# "<pod> <token>" line per replica), unless this volume already ran it.
rebuild_token=""
if [[ -r "${config_dir}/rebuild" ]]; then
    while read -r pod token; do
        if [[ "${pod}" == "${POD_NAME}" ]]; then rebuild_token="${token}"; fi
    done <"${config_dir}/rebuild"
fi
if [[ -n "${rebuild_token}" && -f "${rebuilt_file}" && "$(<"${rebuilt_file}")" == "${rebuild_token}" ]]; then
    rebuild_token=""
fi

if [[ -f "${PGDATA}/PG_VERSION" && -n "${rebuild_token}" ]]; then
    # The primary's data is never touched by this path: only a standby's is rebuilt.
    [[ -f "${PGDATA}/standby.signal" ]] ||
        fail_with RebuildRefused "${POD_NAME}'s data directory is not a standby's (no standby.signal); Ordinal never rebuilds a primary's data"
    log "the operator asked for a rebuild of ${POD_NAME} (request ${rebuild_token})"
    wait_for_primary
    if ! try_rewind; then
        replace_with_clone
    fi
    printf '%s' "${rebuild_token}" >"${rebuilt_file}"
    log "rebuild ${rebuild_token} of ${POD_NAME} done"
    exit 0
fi

identifier_file="${config_dir}/system-identifier"
if [[ -f "${PGDATA}/PG_VERSION" && "${primary_pod}" != "${POD_NAME}" && ! -f "${PGDATA}/standby.signal" ]]; then
    # A primary's data while another pod is the primary: this server must never take writes
    # again on its own. It rejoins as a standby of the primary.
    if [[ -s "${identifier_file}" ]]; then
        mine="$("$(tool pg_controldata)" "${PGDATA}" 2>/dev/null | sed -n 's/^Database system identifier: *//p')"
        if [[ -n "${mine}" && "${mine}" != "$(<"${identifier_file}")" ]]; then
            fail_with ForeignData "${POD_NAME}'s data belongs to another cluster (system identifier ${mine}); Ordinal never rewinds or replaces it"
        fi
    fi
    log "${POD_NAME} holds a primary's data but ${primary_pod} is the primary: rejoining as its standby"
    wait_for_writable_primary
    rewind_from_primary
    if [[ "${rewind_result}" == "failed" ]]; then
        log "rewinding ${POD_NAME} is impossible: cloning it from ${primary_pod}"
        replace_with_clone
    else
        become_standby
    fi
    log "${POD_NAME} starts as a standby of ${primary_pod} (${primary_host}:${primary_port}, slot ${slot})"
    exit 0
fi

if [[ -f "${PGDATA}/PG_VERSION" ]]; then
    if [[ -f "${PGDATA}/standby.signal" && -s "${config_dir}/primary" ]]; then
        # Follow the current primary from the first start (the operator corrects it otherwise).
        become_standby
        log "standby ${POD_NAME} follows ${primary_pod} (${primary_host}:${primary_port})"
    fi
    log "PGDATA ${PGDATA} already holds a PostgreSQL $(<"${PGDATA}/PG_VERSION") cluster: keeping it"
    exit 0
fi

if [[ "${primary_pod}" == "${POD_NAME}" ]]; then
    # This pod is the primary, and its data directory is empty.
    if [[ -s "${identifier_file}" ]]; then
        fail_with DataDirectoryLost "${POD_NAME}'s data directory is empty, but the cluster was bootstrapped (system identifier $(<"${identifier_file}")); initdb would make a new, empty primary, so this pod waits. The replicas keep the data; see docs/faults.md"
    fi
    [[ "${ordinal}" == "0" ]] || fail "${POD_NAME} is named the primary but holds no data"
    log "pod ${POD_NAME} is ordinal 0 of a cluster never bootstrapped: the primary initialises itself; nothing to do"
    exit 0
fi
if [[ -d "${PGDATA}" ]] && [[ -n "$(ls -A "${PGDATA}")" ]]; then
    fail "PGDATA ${PGDATA} is not empty but holds no cluster (no PG_VERSION); refusing to overwrite it"
fi

wait_for_primary
clone_into_staging
if [[ -d "${PGDATA}" ]]; then
    rmdir "${PGDATA}"
fi
mv "${staging}" "${PGDATA}"
chmod 0700 "${PGDATA}"
log "PGDATA ${PGDATA} is a standby of ${primary_host}:${primary_port} (slot ${slot}); done"
