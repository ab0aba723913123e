#!/usr/bin/env python3
"""Runs the Argo CD health check for ordinal.dev/PostgresCluster, as docs/gitops.md prints it,
against a table of PostgresCluster statuses, and checks each verdict (Healthy, Progressing,
Degraded) and message.

The Lua is taken from the ```lua block of docs/gitops.md, so the documented script is the tested
one. It runs in Lua 5.1 (lupa.lua51), the language version of gopher-lua, Argo CD's interpreter,
with `obj` set as a global and the script run as a chunk that returns `hs`, as Argo CD does.
Called by scripts/lint-chart.sh inside .build-tools/venv.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from lupa import lua51

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "gitops.md"


def condition(kind: str, status: str, generation: int | None = 4, reason: str = "", message: str = "") -> dict[str, Any]:
    c: dict[str, Any] = {"type": kind, "status": status, "reason": reason or kind, "message": message,
                         "lastTransitionTime": "2026-11-21T01:00:00Z"}
    if generation is not None:
        c["observedGeneration"] = generation
    return c


def cluster(status: dict[str, Any] | None, generation: int = 4) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "ordinal.dev/v1alpha1",
        "kind": "PostgresCluster",
        "metadata": {"name": "orders", "namespace": "shop", "generation": generation},
        "spec": {"instances": 3, "postgresVersion": "16.4", "storage": {"size": "10Gi"}},
    }
    if status is not None:
        obj["status"] = status
    return obj


HEALTHY = [condition("Ready", "True", message="3 of 3 instances ready"),
           condition("Progressing", "False"), condition("Degraded", "False")]

# (what the case is, the object, expected health, a fragment the message must contain)
CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("a new cluster with no status yet", cluster(None), "Progressing", "report status"),
    ("status with no conditions yet", cluster({"phase": "Creating"}), "Progressing", "report status"),
    ("Ready=True for the current generation", cluster({"observedGeneration": 4, "conditions": HEALTHY}), "Healthy", "3 of 3"),
    ("Ready=True but status.observedGeneration lags", cluster({"observedGeneration": 3, "conditions": HEALTHY}), "Progressing", "generation 4"),
    ("Ready=True for an older generation only",
     cluster({"observedGeneration": 4, "conditions": [condition("Ready", "True", 3), condition("Progressing", "False")]}),
     "Progressing", "readiness of generation 4"),
    ("an upgrade under way (Progressing=True, Ready=True)",
     cluster({"observedGeneration": 4, "conditions": [condition("Ready", "True"),
                                                      condition("Progressing", "True", message="upgrading orders-1 to 16.5"),
                                                      condition("Degraded", "False")]}),
     "Progressing", "upgrading orders-1"),
    ("Degraded=True for the current generation",
     cluster({"observedGeneration": 4, "conditions": [condition("Ready", "False"), condition("Progressing", "False"),
                                                      condition("Degraded", "True", message="orders-2: replication stopped")]}),
     "Degraded", "replication stopped"),
    ("Degraded=True wins over Progressing=True",
     cluster({"observedGeneration": 4, "conditions": [condition("Progressing", "True", message="scaling"),
                                                      condition("Degraded", "True", message="PVC data-orders-1 is lost")]}),
     "Degraded", "PVC data-orders-1"),
    ("Degraded=True from an older generation while the new spec is not observed yet",
     cluster({"observedGeneration": 3, "conditions": [condition("Degraded", "True", 3, message="bad parameter")]}),
     "Progressing", "generation 4"),
    ("Ready=False with nothing else to say",
     cluster({"observedGeneration": 4, "conditions": [condition("Ready", "False", message="1 of 3 instances ready")]}),
     "Progressing", "1 of 3"),
    ("Ready=Unknown", cluster({"observedGeneration": 4, "conditions": [condition("Ready", "Unknown", reason="Probing")]}),
     "Progressing", "Probing"),
    ("conditions without observedGeneration and a current status.observedGeneration",
     cluster({"observedGeneration": 4, "conditions": [condition("Ready", "True", None, message="ok")]}), "Healthy", "ok"),
    ("Degraded=False and Progressing=False with Ready=True on generation 1",
     cluster({"observedGeneration": 1, "conditions": [condition("Ready", "True", 1), condition("Degraded", "False", 1)]}, generation=1),
     "Healthy", "Ready"),
]


def lua_script() -> str:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```lua\n(.*?)```", text, flags=re.S)
    if len(blocks) != 1:
        raise SystemExit(f"argocd-health: expected exactly one ```lua block in {DOC}, found {len(blocks)}")
    return blocks[0]


def evaluate(runtime: Any, script: str, obj: dict[str, Any]) -> tuple[str, str]:
    runtime.globals().obj = runtime.table_from(obj, recursive=True)
    result = runtime.execute(script)
    return str(result["status"]), str(result["message"])


def main() -> int:
    script = lua_script()
    runtime = lua51.LuaRuntime(unpack_returned_tuples=True)
    print(f"argocd-health: {runtime.eval('_VERSION')} running the check from {DOC.relative_to(ROOT)}")
    passed, failed = 0, 0
    for label, obj, expected, fragment in CASES:
        try:
            status, message = evaluate(runtime, script, obj)
        except Exception as error:  # a Lua error is a failed case, reported with its text
            status, message = "error", str(error)
        ok = status == expected and fragment in message
        passed += ok
        failed += not ok
        print(f"  {'ok   ' if ok else 'FAIL '} {label}: {status} ({message})" + ("" if ok else f", expected {expected} with '{fragment}'"))
    print(f"argocd-health: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
