#!/usr/bin/env bash
# Runs every test of Ordinal: the Swift test suites (pure, real PostgreSQL, API test server,
# and a real cluster when ORDINAL_TEST_KUBECONFIG names a kubeconfig) and shellcheck on every
# shell script. Installs what is missing first (scripts/setup.sh).
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"
"${root}/scripts/setup.sh"
export PATH="${root}/.build-tools/venv/bin:${PATH}"

echo "test: shellcheck"
mapfile -t shell_scripts < <(git ls-files '*.sh' .ci/run)
shellcheck --severity=style "${shell_scripts[@]}"
echo "test: shellcheck passed on ${#shell_scripts[@]} scripts"

echo "test: Helm chart, plain manifests, GitOps health checks, Dockerfile"
"${root}/scripts/lint-chart.sh"

echo "test: the CRD's CEL rules, compiled and evaluated by a CEL runtime"
"${root}/.build-tools/venv/bin/python" "${root}/scripts/cel_rules_check.py"

echo "test: swift build"
swift build --build-tests

echo "test: e2e suite self-test (the kind suite itself needs Docker: see docs/e2e.md)"
ORDINAL_BIN="$(swift build --show-bin-path)/ordinal" "${root}/e2e/selftest.sh"

echo "test: swift test"
swift test --skip-build "$@"
