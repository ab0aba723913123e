#!/usr/bin/env python3
"""Runs the GitOps health checks for ordinal.dev/PostgresCluster that docs/gitops.md prints, against
a table of PostgresCluster statuses, and checks each verdict and message.

- Argo CD: the Lua is taken from the ```lua block of docs/gitops.md and runs in Lua 5.1
  (lupa.lua51), the language version of gopher-lua, Argo CD's interpreter, with `obj` set as a
  global and the script run as a chunk that returns `hs`, as Argo CD does.
- Flux: the `healthCheckExprs` entry is taken from the Kustomization in docs/gitops.md; its
  inProgress, failed and current expressions are compiled by Google's C++ CEL runtime
  (cel-expr-python, optional-types extension) with the object's top-level fields as variables, and
  evaluated in Flux's order after Flux's own observedGeneration comparison (RFC-0009).

Called by scripts/lint-chart.sh inside .build-tools/venv.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml
from cel_expr_python import cel
from cel_expr_python.ext.ext_optional import ExtOptional
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


def flux_expressions() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        document = yaml.safe_load(block)
        if isinstance(document, dict) and document.get("kind") == "Kustomization":
            entries = [e for e in document["spec"].get("healthCheckExprs", []) if e.get("kind") == "PostgresCluster"]
            if len(entries) == 1:
                return {key: entries[0][key] for key in ("inProgress", "failed", "current") if key in entries[0]}
    raise SystemExit(f"flux-health: no Kustomization with a PostgresCluster healthCheckExprs entry in {DOC}")


def flux_status(programs: dict[str, Any], obj: dict[str, Any]) -> str:
    """Flux's CEL status reader: observedGeneration first, then inProgress, failed, current."""
    observed = obj.get("status", {}).get("observedGeneration")
    if observed is not None and observed != obj["metadata"]["generation"]:
        return "InProgress"
    for key, verdict in (("inProgress", "InProgress"), ("failed", "Failed"), ("current", "Current")):
        if key not in programs:
            continue
        value = programs[key].eval(data=obj)
        if value.type() != cel.Type.BOOL:
            raise ValueError(f"{key} evaluated to {value.type().name()}: {value.value()}")
        if value.value() is True:
            return verdict
    return "InProgress"


FLUX_VERDICT = {"Healthy": "Current", "Progressing": "InProgress", "Degraded": "Failed"}


def run_flux() -> tuple[int, int]:
    expressions = flux_expressions()
    variables = {name: cel.Type.DYN for name in ("apiVersion", "kind", "metadata", "spec", "status")}
    env = cel.NewEnv(variables=variables, extensions=[ExtOptional()])
    passed, failed = 0, 0
    try:
        programs = {key: env.compile(expression) for key, expression in expressions.items()}
        print(f"flux-health: compiled {', '.join(programs)} from {DOC.relative_to(ROOT)}")
    except Exception as error:  # a compile error fails the whole table
        print(f"  FAIL  the healthCheckExprs compile: {error}")
        return 0, 1
    for label, obj, expected, _ in CASES:
        want = FLUX_VERDICT[expected]
        try:
            got = flux_status(programs, obj)
        except Exception as error:  # Flux retries an evaluation error until the timeout
            got = "error" if "status" in obj else "InProgress"
            detail = str(error)
        else:
            detail = ""
        ok = got == want
        passed += ok
        failed += not ok
        note = " (no status yet: evaluation error, Flux keeps polling)" if "status" not in obj and detail else ""
        print(f"  {'ok   ' if ok else 'FAIL '} {label}: {got}{note}" + ("" if ok else f", expected {want} {detail}"))
    return passed, failed


def run_argocd() -> tuple[int, int]:
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
    return passed, failed


def main() -> int:
    argo_passed, argo_failed = run_argocd()
    flux_passed, flux_failed = run_flux()
    passed, failed = argo_passed + flux_passed, argo_failed + flux_failed
    print(f"gitops-health: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
