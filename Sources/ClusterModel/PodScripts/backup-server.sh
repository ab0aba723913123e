#!/bin/bash
# The pgbackrest sidecar (docs/backups.md): pgBackRest's TLS server, through which backup Jobs
# read this instance's data directory. It admits only clients presenting the backup identity.
# pgBackRest loads its certificate once, at start: when Ordinal makes the identity again (the
# kubelet updates the mounted Secret), the server is restarted with the new one.
set -u
config="${ORDINAL_CONFIG_DIR}/pgbackrest.conf"
identity="${ORDINAL_BACKUP_IDENTITY_DIR}"
digest() { cat "$identity/tls.crt" "$identity/tls.key" 2>/dev/null | sha256sum; }
server=""
stop() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server"
    exit 0
}
trap stop TERM INT
while true; do
    seen="$(digest)"
    pgbackrest --config="$config" server &
    server=$!
    while kill -0 "$server" 2>/dev/null; do
        sleep "${ORDINAL_BACKUP_IDENTITY_CHECK_SECONDS:-10}" &
        wait $!
        if [ "$(digest)" != "$seen" ]; then
            echo "ordinal: the backup identity changed: restarting pgbackrest server" >&2
            kill -TERM "$server" 2>/dev/null
            break
        fi
    done
    wait "$server" 2>/dev/null
    echo "ordinal: pgbackrest server exited ($?): starting it again" >&2
    sleep 1
done
