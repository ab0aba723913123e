#!/usr/bin/env bash
# Checks the Helm chart (charts/ordinal), the plain manifests (config/) and the Argo CD health
# check (docs/gitops.md) with real tools, and exits non-zero on any failure:
#   - Helm's own Go engine, from PyPI: helm-sdkpy (Lint) and helm-python-sdk (strict lint with
#     values, and the offline render `helm template` does), for default values,
#     watchNamespaces=[a,b], replicaCount=2 with the ServiceMonitor, and createNamespace=true;
#   - kubernetes-validate --strict on every rendered object;
#   - the RBAC rules against the table in docs/operator-flags.md;
#   - values.schema.json against a table of bad values;
#   - charts/ordinal/crds/ byte-identical to crds/, and config/ordinal.yaml equal to its render;
#   - the Argo CD Lua health check (Lua 5.1) and the Flux CEL health expressions (C++ CEL)
#     from docs/gitops.md, against a table of statuses;
#   - the Dockerfile, parsed by BuildKit's parser (PyPI `dockerfile`), and .dockerignore.
# Usage: scripts/lint-chart.sh            check
#        scripts/lint-chart.sh --update   copy crds/ into the chart and regenerate config/ordinal.yaml
#                                         from it (after `ordinal crd` changed the CRD), then check
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${root}/.build-tools/venv"
cd "${root}"

update=()
case "${1:-}" in
    "") ;;
    --update) update=(--update) ;;
    *) echo "usage: scripts/lint-chart.sh [--update]" >&2; exit 2 ;;
esac

# The virtualenv scripts/setup.sh makes; made here when missing.
if [ ! -x "${venv}/bin/python" ]; then
    echo "lint-chart: creating ${venv}"
    python3 -m venv "${venv}"
fi
# Pinned: helm-sdkpy declares Python >= 3.12 but its cffi bindings run on 3.11 (Debian 12's).
requirements=(helm-sdkpy==0.1.32 helm-python-sdk==0.2.2 lupa==2.8 cel-expr-python==0.1.3 dockerfile==3.4.0
    kubernetes-validate)
if ! "${venv}/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as m
wanted = {"helm-sdkpy": "0.1.32", "helm-python-sdk": "0.2.2", "lupa": "2.8", "cel-expr-python": "0.1.3",
          "dockerfile": "3.4.0"}
assert all(m.version(name) == version for name, version in wanted.items())
m.version("kubernetes-validate")
EOF
then
    echo "lint-chart: installing ${requirements[*]} into ${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python "${requirements[@]}"
fi
export PATH="${venv}/bin:${PATH}"

if [ "${#update[@]}" -gt 0 ]; then
    cp crds/postgresclusters.ordinal.dev.yaml charts/ordinal/crds/postgresclusters.ordinal.dev.yaml
    echo "lint-chart: copied crds/postgresclusters.ordinal.dev.yaml into charts/ordinal/crds/"
fi

status=0
echo "lint-chart: CRD copy"
if cmp -s crds/postgresclusters.ordinal.dev.yaml charts/ordinal/crds/postgresclusters.ordinal.dev.yaml; then
    echo "  ok    charts/ordinal/crds/postgresclusters.ordinal.dev.yaml equals crds/ (cmp)"
else
    echo "  FAIL  charts/ordinal/crds/ differs from crds/: run scripts/lint-chart.sh --update"
    status=1
fi
extra_crds="$(find charts/ordinal/crds -type f ! -name postgresclusters.ordinal.dev.yaml)"
if [ -n "${extra_crds}" ]; then
    echo "  FAIL  unexpected files in charts/ordinal/crds: ${extra_crds}"
    status=1
fi

echo "lint-chart: chart (Helm's engine)"
python "${root}/scripts/chart_check.py" "${update[@]}" || status=1

echo "lint-chart: Argo CD and Flux health checks"
python "${root}/scripts/gitops_health_check.py" || status=1

echo "lint-chart: Dockerfile"
python "${root}/scripts/dockerfile_check.py" || status=1

echo "lint-chart: the chart's render on a real API server (ORDINAL_TEST_KUBECONFIG)"
if [ -z "${ORDINAL_TEST_KUBECONFIG:-}" ]; then
    echo "  note  SKIPPED: set ORDINAL_TEST_KUBECONFIG to a kubeconfig to dry-run the render on a real API server"
elif ! command -v kubectl >/dev/null; then
    echo "  FAIL  ORDINAL_TEST_KUBECONFIG is set but kubectl is not on PATH"
    status=1
else
    # config/ordinal.yaml is the chart's default render (checked above). Its namespace is swapped
    # for a throwaway one, made first: a dry run of namespaced objects needs the namespace to exist.
    lint_ns="ordinal-chart-lint-${RANDOM}${RANDOM}"
    kube=(kubectl --kubeconfig "${ORDINAL_TEST_KUBECONFIG}")
    if "${kube[@]}" create namespace "${lint_ns}" >/dev/null &&
        "${kube[@]}" apply --server-side --force-conflicts --dry-run=server -f crds/ >/dev/null &&
        sed "s/ordinal-system/${lint_ns}/g" config/ordinal.yaml |
        "${kube[@]}" apply --server-side --force-conflicts --dry-run=server --field-manager=ordinal-lint -f - >"${TMPDIR:-/tmp}/${lint_ns}.out" 2>&1; then
        echo "  ok    $(grep -c 'server dry run' "${TMPDIR:-/tmp}/${lint_ns}.out") objects of the chart's render admitted (--dry-run=server)"
    else
        echo "  FAIL  the real API server refused the chart's render:"
        sed 's/^/        /' "${TMPDIR:-/tmp}/${lint_ns}.out" 2>/dev/null || true
        status=1
    fi
    "${kube[@]}" delete namespace "${lint_ns}" --wait=false >/dev/null 2>&1 || true
    rm -f "${TMPDIR:-/tmp}/${lint_ns}.out"
fi

if [ "${status}" -eq 0 ]; then
    echo "lint-chart: all checks passed"
else
    echo "lint-chart: FAILED (see FAIL lines above)" >&2
fi
exit "${status}"
