#!/usr/bin/env bash
# The main job on its embedded default: build Ordinal and render the bundled example cluster,
# printing every object the operator would create. Installs what is missing first.
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"
"${root}/scripts/setup.sh" >&2
swift build --product ordinal >&2
"$(swift build --show-bin-path)/ordinal" render "$@"
