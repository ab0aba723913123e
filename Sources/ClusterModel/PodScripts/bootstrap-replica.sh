#!/usr/bin/env bash
# Placeholder: replaced by the PostgresHealth work (issue 4).
set -euo pipefail
