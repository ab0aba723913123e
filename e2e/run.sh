#!/usr/bin/env bash
# Ordinal's end-to-end suite: the whole product as a user runs it.
#
# By default: checks the prerequisites, creates a kind cluster (one control plane, three
# workers; reused if one of that name exists), builds the operator image and loads it (and the
# PostgreSQL images the scenarios use) into kind, installs the CRD and the Helm chart, runs the
# scenarios in e2e/scenarios/ (each in its own namespace), collects artifacts for every failure,
# prints a summary, and deletes the cluster it created unless --keep.
#
# With --kubeconfig it runs against any existing cluster instead: no kind, no image build or
# load (the cluster must be able to pull --image), and nothing but the scenario namespaces is
# ever deleted. Run `e2e/run.sh --help` for the options; docs/e2e.md describes the scenarios.
set -Eeuo pipefail

e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${e2e_dir}/.." && pwd)"

cluster_name="ordinal-e2e"
kubeconfig=""
context=""
node_image=""
image="ordinal:e2e"
build=true
install=true
keep=false
fail_fast=false
artifacts=""
dockerfile=""
release="ordinal"
operator_namespace="ordinal-system"
scenario_timeout=1800
selected=()

usage() {
    cat <<'EOF'
Usage: e2e/run.sh [options] [scenario ...]

Scenarios are named by number or file name (1, 06, 06-minor-upgrade); default: all of them.

Cluster:
  --name NAME             kind cluster to create, or reuse when it exists (default ordinal-e2e)
  --node-image IMAGE      kind node image, i.e. the Kubernetes version (default: kind's own)
  --kubeconfig PATH       use the existing cluster of this kubeconfig: no kind, no image build
  --context NAME          context of --kubeconfig (default: its current context)
Operator:
  --image REF             operator image (default ordinal:e2e)
  --dockerfile PATH       Dockerfile to build --image with (default: the repository's Dockerfile)
  --no-build              do not build --image (with kind it is still loaded into the nodes)
  --no-install            the CRD and the operator are installed already
  --release NAME          Helm release name (default ordinal)
  --operator-namespace NS namespace of the operator (default ordinal-system)
Run:
  --keep                  keep the cluster and the scenario namespaces
  --fail-fast             stop at the first failing scenario
  --artifacts DIR         where logs and failure artifacts go (default e2e/artifacts/<time>)
  --scenario-timeout SEC  limit for one scenario (default 1800)
  --list                  list the scenarios and exit
  -h, --help              this help
EOF
}

die() {
    echo "e2e: $*" >&2
    exit 2
}

list_scenarios() { find "${e2e_dir}/scenarios" -name '[0-9][0-9]-*.sh' -printf '%f\n' | sort | sed 's/\.sh$//'; }

while (($# > 0)); do
    case "$1" in
    --name) cluster_name="${2:?--name needs a value}"; shift 2 ;;
    --node-image) node_image="${2:?--node-image needs a value}"; shift 2 ;;
    --kubeconfig) kubeconfig="${2:?--kubeconfig needs a value}"; shift 2 ;;
    --context) context="${2:?--context needs a value}"; shift 2 ;;
    --image) image="${2:?--image needs a value}"; shift 2 ;;
    --dockerfile) dockerfile="${2:?--dockerfile needs a value}"; shift 2 ;;
    --no-build) build=false; shift ;;
    --no-install) install=false; shift ;;
    --release) release="${2:?--release needs a value}"; shift 2 ;;
    --operator-namespace) operator_namespace="${2:?--operator-namespace needs a value}"; shift 2 ;;
    --keep) keep=true; shift ;;
    --fail-fast) fail_fast=true; shift ;;
    --artifacts) artifacts="${2:?--artifacts needs a value}"; shift 2 ;;
    --scenario-timeout) scenario_timeout="${2:?--scenario-timeout needs a value}"; shift 2 ;;
    --list) list_scenarios; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) selected+=("$1"); shift ;;
    esac
done

use_kind=true
[[ -z "${kubeconfig}" ]] || use_kind=false
[[ -n "${context}" && "${use_kind}" == true ]] && die "--context goes with --kubeconfig"

# ---------------------------------------------------------------------------------------------
# Which scenarios

mapfile -t all_scenarios < <(list_scenarios)
scenarios=()
if ((${#selected[@]} == 0)); then
    scenarios=("${all_scenarios[@]}")
else
    for wanted in "${selected[@]}"; do
        match=""
        for candidate in "${all_scenarios[@]}"; do
            if [[ "${wanted}" =~ ^[0-9]+$ ]]; then
                [[ "${candidate%%-*}" != "$(printf '%02d' "$((10#${wanted}))")" ]] || match="${candidate}"
            elif [[ "${candidate}" == "${wanted%.sh}" || "${candidate#*-}" == "${wanted}" ]]; then
                match="${candidate}"
            fi
        done
        [[ -n "${match}" ]] || die "no scenario '${wanted}' (e2e/run.sh --list)"
        scenarios+=("${match}")
    done
fi

# ---------------------------------------------------------------------------------------------
# Prerequisites: say everything that is missing at once.

missing=()
need() {
    local tool="$1" hint="$2"
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool} (${hint})")
}
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need jq "Debian/Ubuntu: apt-get install jq"
need diff "Debian/Ubuntu: apt-get install diffutils (kubectl diff runs it)"
need timeout "coreutils"
if [[ "${install}" == true ]]; then
    need helm "https://helm.sh/docs/intro/install/"
fi
if [[ "${use_kind}" == true ]]; then
    need kind "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
    need docker "https://docs.docker.com/engine/install/"
fi
if ((${#missing[@]} > 0)); then
    printf 'e2e: missing prerequisite: %s\n' "${missing[@]}" >&2
    exit 2
fi
if [[ "${use_kind}" == true ]] && ! docker info >/dev/null 2>&1; then
    die "docker is installed but its engine does not answer (docker info failed); start it, or use --kubeconfig"
fi

# ---------------------------------------------------------------------------------------------
# Artifacts and clean-up

artifacts="${artifacts:-${repo_root}/e2e/artifacts/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "${artifacts}"
artifacts="$(cd "${artifacts}" && pwd)"
run_id="$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
work_dir="$(mktemp -d)"
created_cluster=false
namespaces_to_delete=()

log() { printf '%s [run] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

cleanup() {
    local rc=$?
    if [[ "${keep}" == true ]]; then
        if [[ "${use_kind}" == true ]]; then
            log "keeping the cluster and namespaces (--keep): kind export kubeconfig --name ${cluster_name}"
        else
            log "keeping the scenario namespaces (--keep)"
        fi
    elif [[ "${created_cluster}" == true ]]; then
        log "deleting kind cluster ${cluster_name}"
        kind delete cluster --name "${cluster_name}" >/dev/null 2>&1 || log "could not delete kind cluster ${cluster_name}"
    elif ((${#namespaces_to_delete[@]} > 0)); then
        log "deleting scenario namespaces: ${namespaces_to_delete[*]}"
        timeout 120 kubectl delete namespace "${namespaces_to_delete[@]}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    fi
    rm -rf "${work_dir}"
    exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# The cluster (its kubeconfig stays out of the artifacts: they may be uploaded)

export KUBECONFIG="${work_dir}/kubeconfig"
if [[ "${use_kind}" == true ]]; then
    if kind get clusters 2>/dev/null | grep -qx "${cluster_name}"; then
        log "reusing kind cluster ${cluster_name} (it is kept at the end)"
    else
        log "creating kind cluster ${cluster_name} (1 control plane, 3 workers) ${node_image:+from ${node_image}}"
        kind_args=(create cluster --name "${cluster_name}" --config "${e2e_dir}/kind-config.yaml" --kubeconfig "${KUBECONFIG}" --wait 5m)
        [[ -z "${node_image}" ]] || kind_args+=(--image "${node_image}")
        created_cluster=true
        kind "${kind_args[@]}"
    fi
    kind get kubeconfig --name "${cluster_name}" >"${KUBECONFIG}"
else
    [[ -r "${kubeconfig}" ]] || die "cannot read kubeconfig ${kubeconfig}"
    view_args=(config view --minify --flatten --kubeconfig "${kubeconfig}")
    [[ -z "${context}" ]] || view_args+=(--context "${context}")
    kubectl "${view_args[@]}" >"${KUBECONFIG}"
    log "using the cluster of ${kubeconfig}${context:+ (context ${context})}"
fi
chmod 600 "${KUBECONFIG}"

timeout 60 kubectl get --raw /readyz >/dev/null || die "the API server does not answer /readyz"
server_version="$(kubectl version -o json | jq -r '.serverVersion.gitVersion')"
server_minor="$(kubectl version -o json | jq -r '.serverVersion.minor' | tr -dc '0-9')"
log "Kubernetes ${server_version}"
if ((server_minor < 29)); then
    die "Kubernetes ${server_version} is too old: the CRD's storage-size rule needs the CEL quantity library (1.29+)"
fi
kubectl wait --for=condition=Ready nodes --all --timeout=300s >/dev/null
log "nodes: $(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {end}')"
default_classes="$(kubectl get storageclass -o json |
    jq -r '[.items[] | select(.metadata.annotations["storageclass.kubernetes.io/is-default-class"] == "true") | .metadata.name] | join(" ")')"
[[ -n "${default_classes}" ]] || die "the cluster has no default StorageClass: the clusters' PVCs name none"
log "default StorageClass: ${default_classes}"

# ---------------------------------------------------------------------------------------------
# Images

if [[ "${use_kind}" == true ]]; then
    if [[ "${build}" == true ]]; then
        dockerfile="${dockerfile:-${repo_root}/Dockerfile}"
        log "building ${image} from ${dockerfile#"${repo_root}/"} (this compiles Ordinal: several minutes)"
        DOCKER_BUILDKIT=1 docker build -f "${dockerfile}" -t "${image}" "${repo_root}" 2>&1 | tee "${artifacts}/image-build.log" | tail -n 5
    fi
    docker image inspect "${image}" >/dev/null 2>&1 || die "image ${image} is not in the local docker (build it, or drop --no-build)"
    log "loading ${image} into ${cluster_name}"
    kind load docker-image "${image}" --name "${cluster_name}" >/dev/null
    # The scenarios' PostgreSQL images, loaded once instead of pulled by every node.
    for pg_image in "postgres:${E2E_PG_OLD:-16.3}" "postgres:${E2E_PG_NEW:-16.4}"; do
        if docker image inspect "${pg_image}" >/dev/null 2>&1 || docker pull -q "${pg_image}" >/dev/null 2>&1; then
            kind load docker-image "${pg_image}" --name "${cluster_name}" >/dev/null && log "loaded ${pg_image}"
        else
            log "could not pull ${pg_image} here; the nodes will pull it themselves"
        fi
    done
fi

# ---------------------------------------------------------------------------------------------
# The operator: CRD from the repository (Helm never upgrades CRDs, and a reused cluster may hold
# an older one), then the chart with this run's image.

operator_selector="app.kubernetes.io/name=ordinal,app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator"
if [[ "${install}" == true ]]; then
    log "installing the CRD"
    kubectl apply --server-side --force-conflicts --field-manager=ordinal-e2e -f "${repo_root}/crds/" >/dev/null
    kubectl wait --for=condition=Established crd/postgresclusters.ordinal.dev --timeout=60s >/dev/null
    image_values=()
    if [[ "${image}" == *@sha256:* ]]; then
        image_values=(--set "image.repository=${image%@*}" --set "image.digest=${image#*@}")
    elif [[ "${image##*/}" == *:* ]]; then
        image_values=(--set "image.repository=${image%:*}" --set "image.tag=${image##*:}")
    else
        image_values=(--set "image.repository=${image}" --set "image.tag=latest")
    fi
    pull_policy=IfNotPresent
    [[ "${use_kind}" == false ]] || pull_policy=Never
    log "installing the chart (release ${release}, namespace ${operator_namespace}, image ${image})"
    helm upgrade --install "${release}" "${repo_root}/charts/ordinal" \
        --namespace "${operator_namespace}" --create-namespace \
        "${image_values[@]}" --set "image.pullPolicy=${pull_policy}" \
        --wait --timeout 5m >"${artifacts}/helm-install.log" 2>&1 || {
        cat "${artifacts}/helm-install.log" >&2
        mkdir -p "${artifacts}/setup"
        # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
        E2E_OPERATOR_NAMESPACE="${operator_namespace}" E2E_OPERATOR_SELECTOR="${operator_selector}" bash -c \
            'source "$1"; collect_operator "$2/operator"; collect_cluster "$2/cluster"' _ "${e2e_dir}/lib.sh" "${artifacts}/setup"
        die "helm install failed; artifacts in ${artifacts}/setup"
    }
fi
kubectl -n "${operator_namespace}" wait --for=condition=Available deployment -l "${operator_selector}" --timeout=300s >/dev/null ||
    die "the operator Deployment (${operator_selector}) in ${operator_namespace} is not Available"
log "operator ready: $(kubectl -n "${operator_namespace}" get pods -l "${operator_selector}" -o jsonpath='{range .items[*]}{.metadata.name} {end}')"

# ---------------------------------------------------------------------------------------------
# Scenarios

export E2E_OPERATOR_NAMESPACE="${operator_namespace}" E2E_OPERATOR_SELECTOR="${operator_selector}"
results=()
failed=0
for scenario in "${scenarios[@]}"; do
    namespace="e2e-${scenario%%-*}-${run_id}"
    dir="${artifacts}/${scenario}"
    mkdir -p "${dir}"
    namespaces_to_delete+=("${namespace}")
    started=${SECONDS}
    rc=0
    E2E_SCENARIO="${scenario}" E2E_NAMESPACE="${namespace}" E2E_ARTIFACTS="${dir}" \
        timeout --kill-after=30 "${scenario_timeout}" bash "${e2e_dir}/scenarios/${scenario}.sh" 2>&1 |
        tee "${dir}/output.log" || rc=$?
    elapsed=$((SECONDS - started))
    duration="$((elapsed / 60))m$((elapsed % 60))s"
    downtime="$(sed -n 's/.*write downtime[^:]*: \([0-9.]*s\).*/\1/p' "${dir}/output.log" | tail -n 1)"
    [[ -z "${downtime}" ]] || duration+="  (write downtime ${downtime})"
    if ((rc == 0)); then
        results+=("PASS  ${scenario}  ${duration}")
        rm -f "${dir}"/*.watch.json.err
    else
        ((rc != 124)) || echo "e2e: ${scenario} ran out of its ${scenario_timeout}s" | tee -a "${dir}/output.log"
        results+=("FAIL  ${scenario}  ${duration}  (artifacts: ${dir#"${repo_root}/"})")
        failed=$((failed + 1))
        log "collecting artifacts of ${scenario} into ${dir}"
        # shellcheck disable=SC2016 # $1, $2 and $3 belong to the inner bash
        E2E_SCENARIO="${scenario}" E2E_NAMESPACE="${namespace}" bash -c \
            'source "$1"; collect_namespace "$2" "$3/namespace"; collect_operator "$3/operator"; collect_cluster "$3/cluster"' \
            _ "${e2e_dir}/lib.sh" "${namespace}" "${dir}"
    fi
    # Free the nodes for the next scenario (a kept run keeps everything for inspection).
    if [[ "${keep}" == false ]]; then
        timeout 120 kubectl delete namespace "${namespace}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    fi
    if ((rc != 0)) && [[ "${fail_fast}" == true ]]; then
        break
    fi
done

echo
echo "e2e summary (Kubernetes ${server_version}, image ${image}):"
printf '  %s\n' "${results[@]}"
passed=$((${#results[@]} - failed))
echo "${passed} passed, ${failed} failed"
((failed == 0))
