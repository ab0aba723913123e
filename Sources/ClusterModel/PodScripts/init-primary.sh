#!/usr/bin/env bash
# Ordinal first-init script for pod <name>-0.
#
# The official postgres image's entrypoint runs it from /docker-entrypoint-initdb.d
# once, after initdb, while a temporary server listens on the local socket only.
# It connects with psql over that socket as the superuser (peer authentication)
# and, from the Secret files, ensures:
#   - the replication role (LOGIN REPLICATION, scram-sha-256 password);
#   - the application owner role (LOGIN) and the application database it owns.
# Client authentication comes from the operator's pg_hba.conf (hba_file): peer on
# the socket, scram-sha-256 over TCP, replication for the replication user only.
# Every statement is idempotent, so the script is safe to re-run; passwords are
# passed to psql on stdin, never on a command line or in a log line.
set -Eeuo pipefail

log() { printf '%s init-primary: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
fail() {
    log "ERROR: $*"
    exit 1
}
trap 'fail "unexpected failure at line ${LINENO} (exit status $?)"' ERR

secrets_dir="${ORDINAL_SECRETS_DIR:-/etc/ordinal/secrets}"
superuser="${POSTGRES_USER:-postgres}"
bindir="${PGBINDIR:-}"
psql_bin="psql"
if [[ -n "${bindir}" ]]; then
    psql_bin="${bindir}/psql"
fi

# Reads one Secret file; the value goes to stdout, never to the log.
read_secret() {
    local file="${secrets_dir}/$1"
    [[ -r "${file}" ]] || fail "secret file ${file} is missing or unreadable"
    local value
    value="$(<"${file}")"
    [[ -n "${value}" ]] || fail "secret file ${file} is empty"
    printf '%s' "${value}"
}

# Reads an optional Secret file, or prints the default.
read_optional() {
    if [[ -r "${secrets_dir}/$1" ]]; then
        read_secret "$1"
    else
        printf '%s' "$2"
    fi
}

# Quotes a value for a psql \set meta-command argument: '...' with ' doubled and \ escaped.
psql_quote() {
    local value="${1//\\/\\\\}"
    printf "'%s'" "${value//\'/\'\'}"
}

repl_user="$(read_optional replication/username streaming_replica)"
repl_password="$(read_secret replication/password)"
app_owner="${ORDINAL_APP_OWNER:-$(read_optional app/username app)}"
app_password="$(read_secret app/password)"
app_database="${ORDINAL_APP_DATABASE:-$(read_optional app/dbname app)}"

[[ "${repl_user}" != "${superuser}" ]] || fail "the replication user must not be the superuser ${superuser}"
[[ "${app_owner}" != "${superuser}" ]] || fail "the application owner must not be the superuser ${superuser}"
[[ "${app_owner}" != "${repl_user}" ]] || fail "the application owner must not be the replication user ${repl_user}"

log "ensuring replication role ${repl_user}, owner ${app_owner} and database ${app_database}"

# psql reads the whole script from stdin; ON_ERROR_STOP makes any failure fatal. Every session
# (\connect too) commits locally: with synchronous replication configured there is no standby
# yet to confirm these commits.
if ! output="$(
    PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=local" "${psql_bin}" --no-psqlrc --quiet --no-password -v ON_ERROR_STOP=1 \
        --username="${superuser}" --dbname=postgres 2>&1 <<SQL
\\set repl_user $(psql_quote "${repl_user}")
\\set repl_password $(psql_quote "${repl_password}")
\\set app_owner $(psql_quote "${app_owner}")
\\set app_password $(psql_quote "${app_password}")
\\set app_database $(psql_quote "${app_database}")
SET password_encryption = 'scram-sha-256';
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SELECT format('CREATE ROLE %I', :'repl_user')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'repl_user') \\gexec
ALTER ROLE :"repl_user" WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'repl_password';
SELECT format('CREATE ROLE %I', :'app_owner')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'app_owner') \\gexec
ALTER ROLE :"app_owner" WITH LOGIN NOREPLICATION NOSUPERUSER PASSWORD :'app_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'app_database', :'app_owner')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'app_database') \\gexec
ALTER DATABASE :"app_database" OWNER TO :"app_owner";
\\connect :"app_database"
ALTER SCHEMA public OWNER TO :"app_owner";
SQL
)"; then
    fail "psql failed: ${output}"
fi
unset repl_password app_password

# Report (not fail on) rules the server could not parse, so a bad pg_hba.conf shows in the log.
hba_errors="$("${psql_bin}" --no-psqlrc --no-password --tuples-only --no-align \
    --username="${superuser}" --dbname=postgres \
    --command="SELECT count(*) FROM pg_catalog.pg_hba_file_rules WHERE error IS NOT NULL" 2>&1)" ||
    fail "could not read pg_hba_file_rules: ${hba_errors}"
if [[ "${hba_errors}" != "0" ]]; then
    log "WARNING: ${hba_errors} pg_hba.conf line(s) have errors; see pg_hba_file_rules"
fi

log "done: replication role ${repl_user}, database ${app_database} owned by ${app_owner}"
