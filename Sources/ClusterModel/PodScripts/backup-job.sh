#!/bin/bash
# A backup Job's container (docs/backups.md): one pgBackRest command against the cluster's
# instances, reached through their pgbackrest sidecars with the backup identity. Its outcome is
# the container's termination message, which Ordinal reads into status: on success one line of
# JSON about the backup taken, on failure pgBackRest's own error lines.
#   backup-job.sh stanza-create
#   backup-job.sh backup full|diff|incr
set -u
config="${ORDINAL_CONFIG_DIR}/pgbackrest-job.conf"
stanza="${ORDINAL_STANZA:?ORDINAL_STANZA is not set}"
message="${ORDINAL_TERMINATION_LOG:-/dev/termination-log}"
action="${1:-}"
type="${2:-full}"
# pgBackRest's warnings go to stdout, its errors to stderr: both are kept, in order, for the message.
output="$(mktemp)"
pgbackrest_() { pgbackrest --config="$config" --stanza="$stanza" "$@"; }

case "$action" in
    stanza-create) pgbackrest_ stanza-create >"$output" 2>&1 ;;
    backup)
        case "$type" in full|diff|incr) ;; *) echo "unknown backup type: $type" >"$message"; exit 2 ;; esac
        pgbackrest_ --type="$type" backup >"$output" 2>&1
        ;;
    *) echo "unknown action: $action (stanza-create or backup)" >"$message"; exit 2 ;;
esac
status=$?
cat "$output"
if [ "$status" -ne 0 ]; then
    # Its ERROR and WARN lines and their HINTs, without the console's timestamps.
    { echo "pgbackrest $action exited $status:"
      sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ P[0-9]+ +//' "$output" | grep -E '^(ERROR|WARN):|^ +[A-Za-z]+:' \
          | sed -E 's/^ +/  /' | tail -n 12; } | head -c 3500 >"$message"
    exit "$status"
fi
if [ "$action" = stanza-create ]; then
    echo '{"action":"stanza-create"}' >"$message"
    exit 0
fi
# The newest backup of the stanza: its label from the text listing, its figures from the JSON of
# that set alone (kept short: a termination message holds 4096 bytes).
label="$(pgbackrest_ info | sed -n 's/^ *\(full\|diff\|incr\) backup: *//p' | tail -n 1)"
info="$(pgbackrest_ info --set="$label" --output=json 2>/dev/null)"
number() { [[ "$info" =~ $1 ]] && echo "${BASH_REMATCH[1]}" || echo null; }
start="$(number '"timestamp":\{"start":([0-9]+)')"
stop="$(number '"timestamp":\{"start":[0-9]+,"stop":([0-9]+)')"
size="$(number '"info":\{"delta":[0-9]+,"repository":\{"delta":[0-9]+,"size":[0-9]+\},"size":([0-9]+)')"
stored="$(number '"repository":\{"delta":[0-9]+,"size":([0-9]+)')"
printf '{"action":"backup","label":"%s","type":"%s","start":%s,"stop":%s,"size":%s,"repositorySize":%s}\n' \
    "$label" "$type" "$start" "$stop" "$size" "$stored" >"$message"
