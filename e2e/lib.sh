#!/usr/bin/env bash
# Helpers shared by the e2e scenarios (e2e/scenarios/*.sh) and the runner (e2e/run.sh):
# logging, waits with explicit timeouts, the PostgresCluster manifest, psql helpers, a client
# pod and a write-load pod, a pod watch that records the order of pod events, and artifact
# collection. Sourced, never run. Every helper talks to the cluster of $KUBECONFIG (kubectl's
# usual rules) and, for scenario helpers, to the namespace $E2E_NAMESPACE.
#
# Nothing here prints a password: clients read the app Secret through secretKeyRef env values
# inside their pods, and artifacts list Secrets by name only.

# ---------------------------------------------------------------------------------------------
# Settings (environment, with defaults). Timeouts are seconds.

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
E2E_REPO_ROOT="$(cd "${E2E_DIR}/.." && pwd)"
E2E_SCENARIO="${E2E_SCENARIO:-$(basename "${0%.sh}")}"
E2E_NAMESPACE="${E2E_NAMESPACE:-e2e-${E2E_SCENARIO}-$(date +%s)}"
E2E_ARTIFACTS="${E2E_ARTIFACTS:-${E2E_REPO_ROOT}/e2e/artifacts/manual/${E2E_SCENARIO}}"
E2E_OPERATOR_NAMESPACE="${E2E_OPERATOR_NAMESPACE:-ordinal-system}"
E2E_OPERATOR_SELECTOR="${E2E_OPERATOR_SELECTOR:-app.kubernetes.io/name=ordinal,app.kubernetes.io/component=operator}"
E2E_POD_SECURITY="${E2E_POD_SECURITY:-restricted}"
E2E_STORAGE_SIZE="${E2E_STORAGE_SIZE:-1Gi}"
E2E_PG_OLD="${E2E_PG_OLD:-16.3}"
E2E_PG_NEW="${E2E_PG_NEW:-16.4}"
E2E_CLIENT_IMAGE="${E2E_CLIENT_IMAGE:-postgres:${E2E_PG_NEW}}"
E2E_POLL="${E2E_POLL:-2}"
E2E_TIMEOUT_READY="${E2E_TIMEOUT_READY:-600}"
E2E_TIMEOUT_POD="${E2E_TIMEOUT_POD:-300}"
E2E_TIMEOUT_UPGRADE="${E2E_TIMEOUT_UPGRADE:-900}"
E2E_TIMEOUT_SHORT="${E2E_TIMEOUT_SHORT:-120}"
E2E_EXEC_TIMEOUT="${E2E_EXEC_TIMEOUT:-60}"
E2E_FIELD_MANAGER="${E2E_FIELD_MANAGER:-e2e}"
export E2E_DIR E2E_REPO_ROOT E2E_SCENARIO E2E_NAMESPACE E2E_ARTIFACTS E2E_OPERATOR_NAMESPACE \
    E2E_OPERATOR_SELECTOR E2E_POD_SECURITY E2E_STORAGE_SIZE E2E_PG_OLD E2E_PG_NEW E2E_CLIENT_IMAGE \
    E2E_POLL E2E_TIMEOUT_READY E2E_TIMEOUT_POD E2E_TIMEOUT_UPGRADE E2E_TIMEOUT_SHORT \
    E2E_EXEC_TIMEOUT E2E_FIELD_MANAGER

# Background processes a scenario starts (pod watches); stopped by the EXIT trap.
E2E_BACKGROUND_PIDS=()

# ---------------------------------------------------------------------------------------------
# Output

log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "${E2E_SCENARIO}" "$*"; }
step() { log "-- $*"; }
ok() { log "   ok: $*"; }
note() { log "   $*"; }
fail() {
    log "   FAIL: $*" >&2
    exit 1
}

# kubectl in the scenario's namespace.
kns() { kubectl -n "${E2E_NAMESPACE}" "$@"; }

# ---------------------------------------------------------------------------------------------
# Waiting: poll a command until it succeeds, with an explicit timeout. The command's last
# output is shown when the time runs out, so a failure says what was seen.
#   wait_for "what we wait for" TIMEOUT_SECONDS command [args...]
wait_for() {
    local what="$1" timeout="$2"
    shift 2
    local deadline=$((SECONDS + timeout)) output=""
    while true; do
        if output="$("$@" 2>&1)"; then
            ok "${what} (after $((SECONDS + timeout - deadline))s)"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            log "   last check said: ${output:-<nothing>}" >&2
            fail "timed out after ${timeout}s waiting for: ${what}"
        fi
        sleep "${E2E_POLL}"
    done
}

# Fail unless the command keeps succeeding for the whole window (polled): "nothing changes".
#   hold_steady "what stays true" SECONDS command [args...]
hold_steady() {
    local what="$1" window="$2"
    shift 2
    local deadline=$((SECONDS + window)) output=""
    while ((SECONDS < deadline)); do
        if ! output="$("$@" 2>&1)"; then
            fail "${what}: changed within ${window}s: ${output}"
        fi
        sleep "${E2E_POLL}"
    done
    ok "${what} (held for ${window}s)"
}

# Expect two strings to be equal; name says what is compared.
expect_eq() {
    local name="$1" expected="$2" actual="$3"
    if [[ "${expected}" != "${actual}" ]]; then
        fail "${name}: expected '${expected}', got '${actual}'"
    fi
    ok "${name} = ${actual}"
}

# ---------------------------------------------------------------------------------------------
# Scenario life cycle

# Creates the scenario's namespace (Pod Security "restricted" enforced, as the pod contract
# promises) and a trap that stops background processes.
scenario_begin() {
    local title="$1"
    mkdir -p "${E2E_ARTIFACTS}"
    trap scenario_cleanup EXIT
    # A command that fails outside a check (set -e) says which one it was, and where.
    trap 'on_error "${BASH_COMMAND}"' ERR
    log "== ${title} (namespace ${E2E_NAMESPACE})"
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: ${E2E_NAMESPACE}
  labels:
    app.kubernetes.io/part-of: ordinal-e2e
    e2e.ordinal.dev/scenario: ${E2E_SCENARIO}
    pod-security.kubernetes.io/enforce: ${E2E_POD_SECURITY}
    pod-security.kubernetes.io/enforce-version: latest
EOF
    wait_for "namespace ${E2E_NAMESPACE} is Active" 30 namespace_active
}

namespace_active() {
    [[ "$(kubectl get namespace "${E2E_NAMESPACE}" -o jsonpath='{.status.phase}')" == "Active" ]]
}

on_error() {
    local rc=$? where="" i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        where+=" <- $(basename "${BASH_SOURCE[i]}"):${BASH_LINENO[i - 1]}"
    done
    log "   FAIL: '$1' exited ${rc} at ${where# <- }" >&2
}

scenario_cleanup() {
    local pid
    for pid in "${E2E_BACKGROUND_PIDS[@]}"; do
        kill "${pid}" 2>/dev/null || true
    done
}

scenario_pass() { log "== PASS ${E2E_SCENARIO}"; }

# ---------------------------------------------------------------------------------------------
# The PostgresCluster

# Prints a PostgresCluster manifest for the scenario's namespace. Extra spec lines (already
# indented by two spaces, as children of spec) come from stdin when the fourth argument is "-".
#   cluster_manifest NAME INSTANCES VERSION [-]
cluster_manifest() {
    local name="$1" instances="$2" version="$3"
    cat <<EOF
apiVersion: ordinal.dev/v1alpha1
kind: PostgresCluster
metadata:
  name: ${name}
  namespace: ${E2E_NAMESPACE}
spec:
  instances: ${instances}
  postgresVersion: "${version}"
  storage:
    size: ${E2E_STORAGE_SIZE}
  resources:
    requests:
      cpu: 100m
      memory: 256Mi
    limits:
      memory: 512Mi
EOF
    if [[ "${4:-}" == "-" ]]; then
        cat
    fi
}

# Server-side applies the manifest, as a GitOps tool or a user with kubectl would.
#   cluster_apply NAME INSTANCES VERSION
cluster_apply() {
    cluster_manifest "$@" | kubectl apply --server-side --field-manager="${E2E_FIELD_MANAGER}" -f - >/dev/null
    ok "applied PostgresCluster $1 (instances $2, postgresVersion $3)"
}

# Succeeds when the operator has processed the current generation and reports it Ready with
# every instance ready. Prints what it saw (for the timeout message).
cluster_ready_current() {
    local name="$1" json
    json="$(kns get pgc "${name}" -o json)" || return 1
    jq -r '
      .metadata.generation as $g
      | ((.status.conditions // []) | map(select(.type == "Ready")) | .[0]) as $ready
      | "generation \($g), observedGeneration \(.status.observedGeneration // "-"), phase \(.status.phase // "-"), ready \(.status.readyInstances // 0)/\(.spec.instances), Ready=\($ready.status // "-") (\($ready.reason // "-"): \($ready.message // "-"))"' <<<"${json}"
    jq -e '
      .metadata.generation as $g
      | ((.status.conditions // []) | map(select(.type == "Ready")) | .[0]) as $ready
      | $ready.status == "True"
        and ((.status.observedGeneration // -1) == $g or ($ready.observedGeneration // -1) == $g)
        and ($ready.observedGeneration // $g) == $g
        and (.status.readyInstances // 0) == .spec.instances' <<<"${json}" >/dev/null
}

# Waits until the cluster is Ready at its current generation, then confirms with the command a
# user runs (`kubectl wait --for=condition=Ready`).
wait_cluster_ready() {
    local name="$1" timeout="${2:-${E2E_TIMEOUT_READY}}"
    wait_for "PostgresCluster ${name} Ready at its current generation" "${timeout}" cluster_ready_current "${name}"
    kns wait --for=condition=Ready "pgc/${name}" --timeout=30s >/dev/null
}

# Succeeds when the cluster reports VERSION as its current version, every pod of the cluster
# runs postgres:VERSION, and the cluster is Ready at its current generation.
#   cluster_upgraded NAME VERSION
cluster_upgraded() {
    local name="$1" version="$2" current images
    current="$(pgc_field "${name}" .status.currentVersion)" || return 1
    images="$(kns get pods -l "ordinal.dev/cluster=${name}" -o json |
        jq -r '[.items[] | "\(.metadata.name)=\(.spec.containers[] | select(.name == "postgres") | .image)"] | sort | join(" ")')" || return 1
    echo "currentVersion ${current:-<none>}; pods ${images}"
    [[ "${current}" == "${version}" ]] || return 1
    [[ -n "${images}" ]] || return 1
    local entry
    for entry in ${images}; do
        [[ "${entry#*=}" == "postgres:${version}" ]] || return 1
    done
    cluster_ready_current "${name}"
}

# A field of the PostgresCluster (jsonpath without braces), e.g. pgc_field orders .status.primary
pgc_field() { kns get pgc "$1" -o "jsonpath={$2}"; }

# ---------------------------------------------------------------------------------------------
# Pods

pod_uid() { kns get pod "$1" -o jsonpath='{.metadata.uid}'; }
pod_ip() { kns get pod "$1" -o jsonpath='{.status.podIP}'; }
pod_image() { kns get pod "$1" -o jsonpath='{.spec.containers[?(@.name=="postgres")].image}'; }
pod_role() { kns get pod "$1" -o jsonpath='{.metadata.labels.ordinal\.dev/role}'; }
pod_claim() { kns get pod "$1" -o jsonpath='{.spec.volumes[?(@.name=="data")].persistentVolumeClaim.claimName}'; }

# Pod names of a cluster, sorted by ordinal, one per line.
cluster_pods() {
    kns get pods -l "ordinal.dev/cluster=$1" -o json |
        jq -r '.items[].metadata.name' | sort -t- -k2 -n
}

pod_ready() {
    [[ "$(kns get pod "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == "True" ]]
}

# Succeeds when the pod exists with a uid other than OLD_UID and is Ready.
pod_replaced_and_ready() {
    local pod="$1" old_uid="$2" uid
    uid="$(pod_uid "${pod}" 2>/dev/null)" || { echo "${pod} does not exist yet"; return 1; }
    [[ -n "${uid}" && "${uid}" != "${old_uid}" ]] || { echo "${pod} is still the old pod ${old_uid}"; return 1; }
    pod_ready "${pod}" || { echo "${pod} (uid ${uid}) is not Ready yet"; return 1; }
}

# Succeeds when the listed objects ("kind/name") are all gone.
objects_absent() {
    local left
    left="$(kns get "$@" --ignore-not-found -o name)" || return 1
    [[ -z "${left}" ]] || { echo "still present: ${left//$'\n'/ }"; return 1; }
}

# Succeeds when no pod of the cluster is left.
cluster_pods_gone() {
    local left
    left="$(kns get pods -l "ordinal.dev/cluster=$1" -o name)" || return 1
    [[ -z "${left}" ]] || { echo "pods left: ${left//$'\n'/ }"; return 1; }
}

# Ready pod names behind a Service (from its EndpointSlices), sorted, space separated.
service_ready_endpoints() {
    kns get endpointslices -l "kubernetes.io/service-name=$1" -o json |
        jq -r '[.items[].endpoints[]? | select(.conditions.ready == true) | .targetRef.name] | unique | join(" ")'
}

# Succeeds when the Service's ready endpoints are exactly the listed pods.
service_endpoints_are() {
    local service="$1" expected="$2" actual
    actual="$(service_ready_endpoints "${service}")" || return 1
    [[ "${actual}" == "${expected}" ]] || { echo "${service} endpoints: '${actual}', want '${expected}'"; return 1; }
}

# Succeeds when the pod carries ordinal.dev/role=ROLE.
pod_role_is() {
    local actual
    actual="$(pod_role "$1")" || return 1
    [[ "${actual}" == "$2" ]] || { echo "$1 role label: '${actual}', want '$2'"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# psql

# psql as the superuser inside an instance, over the local socket (peer authentication).
#   psql_pod POD SQL [DATABASE]
psql_pod() {
    timeout "${E2E_EXEC_TIMEOUT}" kubectl -n "${E2E_NAMESPACE}" exec "$1" -c postgres -- \
        psql -X -q -U postgres -d "${3:-postgres}" -v ON_ERROR_STOP=1 -tAc "$2"
}

# The app database of a cluster as named in its app Secret (the key `dbname`).
app_dbname() { kns get secret "$1-app" -o jsonpath='{.data.dbname}' | base64 -d; }

# A client pod in the scenario namespace: postgres image (psql, pg_isready, getent), the app
# Secret's values as PGUSER/PGPASSWORD/PGDATABASE and APP_URI (never seen outside the pod).
#   client_create CLUSTER [POD_NAME]
client_create() {
    local cluster="$1" pod="${2:-client}"
    client_pod_manifest "${cluster}" "${pod}" '["sleep", "infinity"]' | kns apply -f - >/dev/null
    kns wait --for=condition=Ready "pod/${pod}" --timeout="${E2E_TIMEOUT_POD}s" >/dev/null
    ok "client pod ${pod} is Ready (image ${E2E_CLIENT_IMAGE})"
}

# Prints a restricted-profile pod that runs COMMAND (a JSON array) with the app Secret in env.
client_pod_manifest() {
    local cluster="$1" pod="$2" command="$3"
    cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ${pod}
  namespace: ${E2E_NAMESPACE}
  labels:
    app.kubernetes.io/part-of: ordinal-e2e
    e2e.ordinal.dev/role: ${pod}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: client
    image: ${E2E_CLIENT_IMAGE}
    imagePullPolicy: IfNotPresent
    command: ${command}
    env:
    - name: PGUSER
      valueFrom: {secretKeyRef: {name: ${cluster}-app, key: username}}
    - name: PGPASSWORD
      valueFrom: {secretKeyRef: {name: ${cluster}-app, key: password}}
    - name: PGDATABASE
      valueFrom: {secretKeyRef: {name: ${cluster}-app, key: dbname}}
    - name: APP_URI
      valueFrom: {secretKeyRef: {name: ${cluster}-app, key: uri}}
    - name: PGCONNECT_TIMEOUT
      value: "5"
    resources:
      requests: {cpu: 10m, memory: 32Mi}
      limits: {memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
EOF
}

# psql from the client pod as the app user. HOST "uri" uses the Secret's uri (host <name>-rw);
# any other HOST is used with the Secret's user, password and database.
#   psql_client HOST SQL [POD]
psql_client() {
    local host="$1" sql="$2" pod="${3:-client}"
    if [[ "${host}" == "uri" ]]; then
        # shellcheck disable=SC2016 # $APP_URI expands inside the pod, $1 is the SQL argument
        timeout "${E2E_EXEC_TIMEOUT}" kubectl -n "${E2E_NAMESPACE}" exec "${pod}" -- \
            sh -c 'exec psql "$APP_URI" -X -q -v ON_ERROR_STOP=1 -tAc "$1"' psql "${sql}"
    else
        timeout "${E2E_EXEC_TIMEOUT}" kubectl -n "${E2E_NAMESPACE}" exec "${pod}" -- \
            psql -X -q -h "${host}" -v ON_ERROR_STOP=1 -tAc "${sql}"
    fi
}

# Succeeds when pg_stat_replication on POD lists exactly the given replicas, all streaming.
#   replicas_streaming POD "orders-1 orders-2"
replicas_streaming() {
    local pod="$1" want="$2" got
    got="$(psql_pod "${pod}" "select coalesce(string_agg(application_name || ':' || state, ' ' order by application_name), '') from pg_stat_replication")" || return 1
    local expected="" replica
    for replica in ${want}; do expected+="${expected:+ }${replica}:streaming"; done
    [[ "${got}" == "${expected}" ]] || { echo "pg_stat_replication on ${pod}: '${got}', want '${expected}'"; return 1; }
}

# Succeeds when the physical replication slots on POD are exactly the listed ones.
#   slots_are POD "orders_1 orders_2"
slots_are() {
    local pod="$1" want="$2" got
    got="$(psql_pod "${pod}" "select coalesce(string_agg(slot_name, ' ' order by slot_name), '') from pg_replication_slots where slot_type = 'physical'")" || return 1
    [[ "${got}" == "${want}" ]] || { echo "slots on ${pod}: '${got}', want '${want}'"; return 1; }
}

# Succeeds when REPLICA has replayed WAL up to LSN (an LSN taken on the primary).
replica_replayed() {
    local replica="$1" lsn="$2" got
    got="$(psql_pod "${replica}" "select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn")" || return 1
    [[ "${got}" == "t" ]] || { echo "${replica} has not replayed up to ${lsn}"; return 1; }
}

# The server version an instance reports, e.g. "16.4".
server_version() { psql_pod "$1" "show server_version" | awk '{print $1}'; }

# ---------------------------------------------------------------------------------------------
# Write load: a pod that inserts one row per attempt through <name>-rw (the Secret's uri), a
# fresh connection each time, and logs "ack ID EPOCH" for each committed insert and
# "fail ID EPOCH ..." otherwise. `touch /tmp/stop` ends it. An acknowledged id must never be
# missing afterwards; the longest gap between two acknowledgements is the write downtime.

# shellcheck disable=SC2016 # expanded by bash inside the writer pod
WRITER_SCRIPT='set -u
i=0
while [ ! -e /tmp/stop ]; do
  i=$((i + 1))
  if timeout 10 psql "$APP_URI" -X -q -v ON_ERROR_STOP=1 -c "insert into e2e_writes (id) values ($i)" >/dev/null 2>/tmp/err; then
    echo "ack $i $(date +%s.%N)"
  else
    echo "fail $i $(date +%s.%N) $(head -c 200 /tmp/err | tr "\n" " ")"
  fi
  sleep 0.1
done
echo "done $i"'

# Creates the table (through the client pod) and starts the writer pod.
#   writer_start CLUSTER
writer_start() {
    local cluster="$1" command
    psql_client uri "create table if not exists e2e_writes (id bigint primary key, at timestamptz not null default clock_timestamp())" >/dev/null
    command="$(jq -cn --arg script "${WRITER_SCRIPT}" '["bash", "-c", $script]')"
    client_pod_manifest "${cluster}" writer "${command}" | kns apply -f - >/dev/null
    kns wait --for=condition=Ready pod/writer --timeout="${E2E_TIMEOUT_POD}s" >/dev/null
    wait_for "the writer has 20 acknowledged writes" "${E2E_TIMEOUT_SHORT}" writer_acks_at_least 20
}

writer_ack_count() { kns logs writer | grep -c '^ack ' || true; }

writer_acks_at_least() {
    local count
    count="$(writer_ack_count)"
    ((count >= $1)) || { echo "${count} acknowledged writes so far"; return 1; }
}

# Stops the writer, then checks that every acknowledged id is in the table (read through
# <name>-rw) and prints the write downtime. Fails when a committed write is missing.
writer_stop_and_verify() {
    kns exec writer -- touch /tmp/stop
    kns wait --for=jsonpath='{.status.phase}'=Succeeded pod/writer --timeout=60s >/dev/null
    local log="${E2E_ARTIFACTS}/writer.log"
    kns logs writer >"${log}"
    awk '$1 == "ack" {print $2}' "${log}" | sort >"${log}.acked"
    psql_client uri "select id from e2e_writes" | sort >"${log}.stored"
    local acked failed lost downtime
    acked="$(wc -l <"${log}.acked")"
    failed="$(grep -c '^fail ' "${log}" || true)"
    lost="$(comm -23 "${log}.acked" "${log}.stored" | wc -l)"
    downtime="$(write_downtime "${log}")"
    note "writes: ${acked} acknowledged, ${failed} failed attempts, ${lost} acknowledged but missing"
    note "write downtime (longest gap between two acknowledged writes): ${downtime}s"
    ((acked > 0)) || fail "the writer never committed a write"
    if ((lost > 0)); then
        fail "${lost} committed writes are lost, e.g. ids $(comm -23 "${log}.acked" "${log}.stored" | head -5 | tr '\n' ' ')"
    fi
    ok "zero committed writes lost"
}

# The longest gap, in seconds, between consecutive "ack" lines of a writer log.
write_downtime() {
    awk '$1 == "ack" { if (seen) { gap = $3 - prev; if (gap > max) max = gap } prev = $3; seen = 1 }
         END { printf "%.1f\n", max }' "$1"
}

# ---------------------------------------------------------------------------------------------
# Pod watch: records every change to a cluster's pods from a known resourceVersion, so the
# order of events is exact (no polling gaps, no race with the watch starting late). The
# initial list is recorded as INITIAL events, then the watch stream follows.

# Starts recording into FILE.
#   podwatch_start CLUSTER FILE
podwatch_start() {
    local cluster="$1" file="$2" list rv path
    path="/api/v1/namespaces/${E2E_NAMESPACE}/pods?labelSelector=ordinal.dev%2Fcluster%3D${cluster}"
    list="$(kubectl get --raw "${path}")"
    rv="$(jq -r '.metadata.resourceVersion' <<<"${list}")"
    jq -c '.items[] | {type: "INITIAL", object: .}' <<<"${list}" >"${file}"
    kubectl get --raw "${path}&watch=true&resourceVersion=${rv}&timeoutSeconds=3600" >>"${file}" 2>"${file}.err" &
    E2E_BACKGROUND_PIDS+=("$!")
    PODWATCH_PID="$!"
    ok "recording pod events of ${cluster} from resourceVersion ${rv}"
}

podwatch_stop() {
    kill "${PODWATCH_PID}" 2>/dev/null || true
    wait "${PODWATCH_PID}" 2>/dev/null || true
}

# Turns a recorded watch FILE into a timeline, one event per line:
#   initial NAME#N IMAGE READY | create NAME#N IMAGE | ready NAME#N | unready NAME#N
#   deleting NAME#N | gone NAME#N
# NAME#N is the Nth pod object (uid) seen with that name: orders-2#2 replaced orders-2#1.
podwatch_timeline() {
    local file="$1"
    if grep -q '"type":"ERROR"' "${file}"; then
        fail "the pod watch failed: $(grep '"type":"ERROR"' "${file}" | head -1)"
    fi
    { jq -r 'select(.type != "BOOKMARK")
        | [.type, .object.metadata.name, .object.metadata.uid,
           (if .object.metadata.deletionTimestamp then "1" else "0" end),
           ((.object.status.conditions // []) | map(select(.type == "Ready")) | .[0].status // "Unknown"),
           ((.object.spec.containers // []) | map(select(.name == "postgres")) | .[0].image // "-")]
        | @tsv' "${file}" 2>/dev/null || true; } |
        awk -F'\t' '
        {
          type = $1; name = $2; uid = $3; deleting = $4; ready = $5; image = $6
          if (!(uid in id)) {
            count[name]++; id[uid] = name "#" count[name]
            if (type == "INITIAL") { print "initial", id[uid], image, ready; state[uid] = ready }
            else { print "create", id[uid], image; state[uid] = "Unknown" }
          }
          if (ready == "True" && state[uid] != "True") print "ready", id[uid]
          if (ready != "True" && state[uid] == "True") print "unready", id[uid]
          state[uid] = ready
          if ((deleting == "1" || type == "DELETED") && !(uid in gone_started)) { gone_started[uid] = 1; print "deleting", id[uid] }
          if (type == "DELETED") print "gone", id[uid]
        }'
}

# Line number of the first timeline event "KIND NAME#N" (empty when absent).
tl_index() { awk -v kind="$2" -v who="$3" '$1 == kind && $2 == who { print NR; exit }' "$1"; }

# Fails unless every listed event ("KIND NAME#N") is in the timeline, in the order given.
#   tl_expect_order TIMELINE "deleting orders-2#1" "ready orders-2#2" ...
tl_expect_order() {
    local timeline="$1" previous=0 previous_event="(start)" event index
    shift
    for event in "$@"; do
        index="$(tl_index "${timeline}" "${event% *}" "${event#* }")"
        if [[ -z "${index}" ]]; then
            log "   timeline:" >&2
            sed 's/^/     /' "${timeline}" >&2
            fail "the pod events do not include '${event}'"
        fi
        if ((index <= previous)); then
            log "   timeline:" >&2
            sed 's/^/     /' "${timeline}" >&2
            fail "'${event}' happened before '${previous_event}'"
        fi
        previous="${index}"
        previous_event="${event}"
    done
    ok "pod events in order: $*"
}

# Fails if a pod NAME-i was created while some NAME-j (j < i) was not Ready: the
# OrderedReady promise ("pod 1 does not start before pod 0 is Ready").
tl_expect_ordered_creation() {
    local timeline="$1" cluster="$2" violations
    violations="$(awk -v prefix="${cluster}-" '
        function ordinal(incarnation,   n) { n = incarnation; sub(/#.*/, "", n); return substr(n, length(prefix) + 1) + 0 }
        function base(incarnation,   n) { n = incarnation; sub(/#.*/, "", n); return n }
        $1 == "initial" { current[base($2)] = $2; ready[$2] = ($4 == "True") }
        $1 == "create" {
          i = ordinal($2)
          for (j = 0; j < i; j++) {
            lower = prefix j
            if (!(lower in current) || !ready[current[lower]]) print $2 " was created while " lower " was not Ready"
          }
          current[base($2)] = $2; ready[$2] = 0
        }
        $1 == "ready" { ready[$2] = 1 }
        $1 == "unready" { ready[$2] = 0 }
        $1 == "gone" { if (current[base($2)] == $2) delete current[base($2)] }
      ' "${timeline}")"
    if [[ -n "${violations}" ]]; then
        sed 's/^/     /' "${timeline}" >&2
        fail "pods did not come up in order: ${violations//$'\n'/; }"
    fi
    ok "every pod was created only after all lower ordinals were Ready"
}

# The walk of a rolling update over a 3-instance cluster NAME: each pod replaced exactly once,
# highest ordinal first, each Ready again before the next goes, the primary (pod 0) last.
#   tl_expect_walk TIMELINE NAME
tl_expect_walk() {
    local timeline="$1" name="$2" i
    tl_expect_order "${timeline}" \
        "deleting ${name}-2#1" "ready ${name}-2#2" \
        "deleting ${name}-1#1" "ready ${name}-1#2" \
        "deleting ${name}-0#1" "ready ${name}-0#2"
    for i in 0 1 2; do
        expect_eq "${name}-${i} restarted once" 2 "$(tl_incarnations "${timeline}" "${name}-${i}")"
    done
}

# Number of pod objects (incarnations) seen with this name.
tl_incarnations() { awk -v name="$2" '($1 == "initial" || $1 == "create") && index($2, name "#") == 1 { n++ } END { print n + 0 }' "$1"; }

# The image a timeline incarnation was created with.
tl_image() { awk -v who="$2" '($1 == "initial" || $1 == "create") && $2 == who { print $3; exit }' "$1"; }

# ---------------------------------------------------------------------------------------------
# The operator

operator_pods() {
    kubectl -n "${E2E_OPERATOR_NAMESPACE}" get pods -l "${E2E_OPERATOR_SELECTOR}" -o json |
        jq -r '.items[] | select(.metadata.deletionTimestamp == null) | "\(.metadata.name) \(.metadata.uid)"'
}

# Succeeds when an operator pod that is not in OLD_UIDS (space separated) is Ready.
operator_replaced_and_ready() {
    local old_uids="$1"
    kubectl -n "${E2E_OPERATOR_NAMESPACE}" get pods -l "${E2E_OPERATOR_SELECTOR}" -o json |
        jq -e --arg old " ${old_uids} " '
          [.items[] | select(.metadata.deletionTimestamp == null)
                    | select(($old | contains(" " + .metadata.uid + " ")) | not)
                    | select(any(.status.conditions[]?; .type == "Ready" and .status == "True"))]
          | length >= 1' >/dev/null || { echo "no new Ready operator pod yet"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# Artifacts: what a person needs to see why a scenario failed. Secrets are listed by name only.
#   collect_namespace NAMESPACE DIR
collect_namespace() {
    local ns="$1" dir="$2" pod container
    mkdir -p "${dir}/logs"
    local t=60
    timeout "${t}" kubectl -n "${ns}" get pgc,statefulsets,pods,pvc,services,endpointslices,pdb,configmaps,secrets -o wide >"${dir}/get.txt" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" get pgc,statefulsets,pods,pvc,services,endpointslices,pdb,configmaps -o yaml >"${dir}/objects.yaml" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" describe pgc,statefulsets,pods,pvc,services,pdb >"${dir}/describe.txt" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" get events --sort-by=.metadata.creationTimestamp -o wide >"${dir}/events.txt" 2>&1 || true
    for pod in $(timeout "${t}" kubectl -n "${ns}" get pods -o name 2>/dev/null | sed 's|^pod/||'); do
        for container in $(timeout "${t}" kubectl -n "${ns}" get pod "${pod}" -o jsonpath='{.spec.initContainers[*].name} {.spec.containers[*].name}' 2>/dev/null); do
            timeout "${t}" kubectl -n "${ns}" logs "${pod}" -c "${container}" >"${dir}/logs/${pod}.${container}.log" 2>&1 || true
            timeout "${t}" kubectl -n "${ns}" logs "${pod}" -c "${container}" --previous >"${dir}/logs/${pod}.${container}.previous.log" 2>/dev/null ||
                rm -f "${dir}/logs/${pod}.${container}.previous.log"
        done
    done
}

#   collect_operator DIR
collect_operator() {
    local dir="$1" ns="${E2E_OPERATOR_NAMESPACE}" pod t=60
    mkdir -p "${dir}/logs"
    timeout "${t}" kubectl -n "${ns}" get deployments,replicasets,pods,leases,services -o wide >"${dir}/get.txt" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" describe deployments,pods >"${dir}/describe.txt" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" get leases -o yaml >"${dir}/leases.yaml" 2>&1 || true
    timeout "${t}" kubectl -n "${ns}" get events --sort-by=.metadata.creationTimestamp -o wide >"${dir}/events.txt" 2>&1 || true
    for pod in $(timeout "${t}" kubectl -n "${ns}" get pods -l "${E2E_OPERATOR_SELECTOR}" -o name 2>/dev/null | sed 's|^pod/||'); do
        timeout "${t}" kubectl -n "${ns}" logs "${pod}" --all-containers >"${dir}/logs/${pod}.log" 2>&1 || true
        timeout "${t}" kubectl -n "${ns}" logs "${pod}" --all-containers --previous >"${dir}/logs/${pod}.previous.log" 2>/dev/null ||
            rm -f "${dir}/logs/${pod}.previous.log"
    done
}

#   collect_cluster DIR
collect_cluster() {
    local dir="$1" t=60
    mkdir -p "${dir}"
    timeout "${t}" kubectl get nodes -o wide >"${dir}/nodes.txt" 2>&1 || true
    timeout "${t}" kubectl describe nodes >"${dir}/nodes-describe.txt" 2>&1 || true
    timeout "${t}" kubectl get pv,storageclasses -o wide >"${dir}/storage.txt" 2>&1 || true
    timeout "${t}" kubectl get events -A --sort-by=.metadata.creationTimestamp -o wide >"${dir}/events-all.txt" 2>&1 || true
    timeout "${t}" kubectl get crd postgresclusters.ordinal.dev -o yaml >"${dir}/crd.yaml" 2>&1 || true
}
