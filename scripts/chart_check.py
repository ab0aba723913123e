#!/usr/bin/env python3
"""Checks the Ordinal Helm chart with Helm's own Go engine (no hand-written linter).

Called by scripts/lint-chart.sh inside .build-tools/venv. Two Python bindings of the real Helm
library are used:

- helm-sdkpy (Helm v4 through cgo): `Lint` of the chart with its default values. Its C API has
  no values, no strict mode and no offline render: `Install` always talks to a cluster (its options
  have no dry-run/client-only switch), so it cannot stand in for `helm template`.
- helm-python-sdk (Helm v4.2 through a C shim): `lint` with values and strict mode, and
  `Chart.render`, Helm's template engine offline: the same engine as `helm template`.

Every rendered object is validated with `kubernetes-validate --strict` against the Kubernetes
schemas, the RBAC rules are compared with the table in docs/operator-flags.md, and config/ordinal.yaml
must equal the render it was generated from (`--update` regenerates it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import helm_python
import helm_sdkpy
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "ordinal"
CONFIG = ROOT / "config" / "ordinal.yaml"
FLAGS_DOC = ROOT / "docs" / "operator-flags.md"
RELEASE = "ordinal"
NAMESPACE = "ordinal-system"
KUBE_VERSION = "1.30.0"
CONFIG_HEADER = (
    "# Plain manifests for installing Ordinal without Helm, in namespace ordinal-system:\n"
    "#   kubectl apply -f crds/ && kubectl apply -f config/\n"
    "# GENERATED from charts/ordinal (release \"ordinal\", namespace \"ordinal-system\", createNamespace=true)\n"
    "# by scripts/lint-chart.sh --update. Do not edit: scripts/lint-chart.sh fails when this file drifts.\n"
)

# Helm's install order (pkg/release/util/kind_sorter.go), the order `helm template` prints.
INSTALL_ORDER = [
    "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding",
    "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
    "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
]

# Kinds the Kubernetes schemas do not know (CRDs of other projects): checked structurally here.
FOREIGN_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}


class Results:
    """Counts checks, prints one line per check, and remembers failures."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"  ok    {name}")
        else:
            self.failed.append(name)
            print(f"  FAIL  {name}" + (f": {detail}" if detail else ""))
        return ok


class Rendered:
    """One object of a render: the template it came from, its text and its parsed form."""

    def __init__(self, source: str, text: str, obj: dict[str, Any]) -> None:
        self.source = source
        self.text = text
        self.obj = obj

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str(self.obj.get("metadata", {}).get("name", ""))

    @property
    def namespace(self) -> str | None:
        return self.obj.get("metadata", {}).get("namespace")


def render(values: dict[str, Any] | None) -> list[Rendered]:
    """Renders the chart with Helm's engine, split into objects, in Helm's install order."""
    chart = helm_python.Chart.load(str(CHART))
    manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects: list[Rendered] = []
    for source in sorted(manifests):
        if not source.endswith((".yaml", ".yml")):
            continue
        for part in re.split(r"(?m)^---[ \t]*$", manifests[source]):
            body = part.strip("\n")
            obj = yaml.safe_load(body) if body.strip() else None
            if not obj:
                continue
            objects.append(Rendered(source, body, obj))

    def order(item: Rendered) -> int:
        return INSTALL_ORDER.index(item.kind) if item.kind in INSTALL_ORDER else len(INSTALL_ORDER)

    return sorted(objects, key=order)  # stable: template order within a kind


def as_template_output(objects: list[Rendered]) -> str:
    """The objects in `helm template`'s layout: `---`, a `# Source:` line, the object."""
    return "".join(f"---\n# Source: {item.source}\n{item.text}\n" for item in objects)


def config_text() -> str:
    return CONFIG_HEADER + as_template_output(render({"createNamespace": True}))


def find(objects: list[Rendered], kind: str, name: str | None = None, namespace: str | None = None) -> list[Rendered]:
    return [
        item for item in objects
        if item.kind == kind and (name is None or item.name == name) and (namespace is None or item.namespace == namespace)
    ]


def rule_triples(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule.get("apiGroups", [])
        for resource in rule.get("resources", [])
        for verb in rule.get("verbs", [])
    }


def table_triples() -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """The RBAC table of docs/operator-flags.md: (operator rules, lease rules) as triples."""
    operator: set[tuple[str, str, str]] = set()
    lease: set[tuple[str, str, str]] = set()
    in_table = False
    for line in FLAGS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| API group | resources | verbs |"):
            in_table = True
            continue
        if not in_table:
            continue
        if not line.startswith("|"):
            if operator or lease:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or set(cells[0]) <= {"-", " "}:
            continue
        groups = ["" if token == '""' else token for token in re.findall(r"`([^`]*)`", cells[0])]
        resources = re.findall(r"`([^`]*)`", cells[1])
        verbs = [verb.strip() for verb in cells[2].split(",") if verb.strip()]
        target = lease if resources == ["leases"] else operator
        target.update((g, r, v) for g in groups for r in resources for v in verbs)
    return operator, lease


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def check_deployment(results: Results, objects: list[Rendered], label: str, replicas: int,
                     watch: list[str], app_version: str) -> None:
    deployments = find(objects, "Deployment")
    if not results.check(f"{label}: exactly one Deployment", len(deployments) == 1, str(len(deployments))):
        return
    deployment = deployments[0].obj
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    containers = pod.get("containers", [])
    container = containers[0] if containers else {}
    results.check(f"{label}: Deployment replicas = {replicas}", spec.get("replicas") == replicas, str(spec.get("replicas")))
    results.check(f"{label}: image is ghcr.io/ordinal-dev/ordinal:{app_version} (appVersion)",
                  container.get("image") == f"ghcr.io/ordinal-dev/ordinal:{app_version}", str(container.get("image")))
    results.check(f"{label}: container runs `ordinal run`", container.get("args") == ["run"], str(container.get("args")))
    pod_sc = pod.get("securityContext", {})
    sc = container.get("securityContext", {})
    results.check(f"{label}: pod runs as non-root uid 65532 with RuntimeDefault seccomp",
                  pod_sc.get("runAsNonRoot") is True and pod_sc.get("runAsUser") == 65532
                  and pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", str(pod_sc))
    results.check(f"{label}: container is restricted (read-only root, no escalation, drop ALL, RuntimeDefault)",
                  sc.get("runAsNonRoot") is True and sc.get("runAsUser") == 65532
                  and sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
                  and sc.get("capabilities", {}).get("drop") == ["ALL"] and not sc.get("capabilities", {}).get("add")
                  and sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", str(sc))
    env = env_of(container)
    results.check(f"{label}: POD_NAMESPACE comes from the downward API",
                  env.get("POD_NAMESPACE", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.namespace",
                  str(env.get("POD_NAMESPACE")))
    results.check(f"{label}: leader election on", env.get("ORDINAL_LEADER_ELECT", {}).get("value") == "true",
                  str(env.get("ORDINAL_LEADER_ELECT")))
    if watch:
        results.check(f"{label}: ORDINAL_WATCH_NAMESPACES = {','.join(watch)}",
                      env.get("ORDINAL_WATCH_NAMESPACES", {}).get("value") == ",".join(watch), str(env.get("ORDINAL_WATCH_NAMESPACES")))
    else:
        results.check(f"{label}: no ORDINAL_WATCH_NAMESPACES (all namespaces)", "ORDINAL_WATCH_NAMESPACES" not in env)
    known = {"ORDINAL_WATCH_NAMESPACES", "ORDINAL_WORKERS", "ORDINAL_HEALTH_INTERVAL", "ORDINAL_HTTP_PORT",
             "ORDINAL_LEADER_ELECT", "ORDINAL_LEASE_NAME", "ORDINAL_PROBE_ADDRESS", "ORDINAL_LOG_FORMAT",
             "ORDINAL_LOG_LEVEL", "POD_NAMESPACE", "KUBECONFIG"}
    unknown = sorted(name for name in env if name not in known)
    results.check(f"{label}: every env var is one docs/operator-flags.md defines", not unknown, str(unknown))
    port = int(env.get("ORDINAL_HTTP_PORT", {}).get("value", "0"))
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    results.check(f"{label}: container port http-metrics = ORDINAL_HTTP_PORT", ports.get("http-metrics") == port, f"{ports} vs {port}")
    probes = {kind: container.get(kind, {}).get("httpGet", {}) for kind in ("livenessProbe", "readinessProbe", "startupProbe")}
    results.check(f"{label}: liveness on /healthz, readiness on /readyz, startup on /healthz",
                  probes["livenessProbe"].get("path") == "/healthz" and probes["readinessProbe"].get("path") == "/readyz"
                  and probes["startupProbe"].get("path") == "/healthz"
                  and all(p.get("port") == "http-metrics" for p in probes.values()), str(probes))
    resources = container.get("resources", {})
    results.check(f"{label}: resources have requests and a memory limit",
                  bool(resources.get("requests")) and "memory" in resources.get("limits", {}), str(resources))
    service_accounts = find(objects, "ServiceAccount", namespace=NAMESPACE)
    results.check(f"{label}: pod uses the chart's ServiceAccount",
                  [sa.name for sa in service_accounts] == [pod.get("serviceAccountName")], str(pod.get("serviceAccountName")))
    services = find(objects, "Service", namespace=NAMESPACE)
    selector = spec["selector"]["matchLabels"]
    pod_labels = spec["template"]["metadata"]["labels"]
    results.check(f"{label}: one metrics Service, port http-metrics to the container port, selecting the operator pods",
                  len(services) == 1
                  and [p.get("name") for p in services[0].obj["spec"]["ports"]] == ["http-metrics"]
                  and services[0].obj["spec"]["ports"][0].get("targetPort") == "http-metrics"
                  and services[0].obj["spec"]["selector"] == selector
                  and all(pod_labels.get(k) == v for k, v in selector.items()), str([s.obj.get("spec") for s in services]))


def is_user_role(item: Rendered) -> bool:
    """The ClusterRoles for people (aggregated into admin/edit/view), not for the operator."""
    labels = item.obj.get("metadata", {}).get("labels", {})
    return item.kind == "ClusterRole" and any(k.startswith("rbac.authorization.k8s.io/aggregate-to-") for k in labels)


def check_user_roles(results: Results, objects: list[Rendered], label: str) -> None:
    user_roles = [o for o in objects if is_user_role(o)]
    by_aggregate = {k: o for o in user_roles for k in o.obj["metadata"]["labels"] if k.startswith("rbac.authorization.k8s.io/aggregate-to-")}
    if not results.check(f"{label}: user ClusterRoles aggregate to admin, edit and view",
                         len(user_roles) == 2 and {k.rsplit("-", 1)[1] for k in by_aggregate} == {"admin", "edit", "view"},
                         str(sorted(by_aggregate))):
        return
    edit = rule_triples(by_aggregate["rbac.authorization.k8s.io/aggregate-to-edit"].obj["rules"])
    view = rule_triples(by_aggregate["rbac.authorization.k8s.io/aggregate-to-view"].obj["rules"])
    read = {"get", "list", "watch"}
    results.check(f"{label}: edit role manages postgresclusters and only reads their status",
                  {(g, r) for g, r, _ in edit} == {("ordinal.dev", "postgresclusters"), ("ordinal.dev", "postgresclusters/status")}
                  and {v for g, r, v in edit if r == "postgresclusters/status"} == read
                  and {"create", "update", "patch", "delete"} <= {v for g, r, v in edit if r == "postgresclusters"}, str(sorted(edit)))
    results.check(f"{label}: view role only reads postgresclusters",
                  {(g, r) for g, r, _ in view} <= {("ordinal.dev", "postgresclusters"), ("ordinal.dev", "postgresclusters/status")}
                  and {v for _, _, v in view} == read, str(sorted(view)))
    bound = {o.obj["roleRef"]["name"] for o in objects if o.kind in ("ClusterRoleBinding", "RoleBinding")}
    results.check(f"{label}: the chart binds the user roles to no one", not bound & {o.name for o in user_roles}, str(bound))


def check_rbac(results: Results, objects: list[Rendered], label: str, watch: list[str]) -> None:
    operator_rules, lease_rules = table_triples()
    results.check(f"{label}: docs/operator-flags.md RBAC table parsed", len(operator_rules) > 20 and len(lease_rules) == 5,
                  f"{len(operator_rules)} operator triples, {len(lease_rules)} lease triples")
    service_account = find(objects, "ServiceAccount")[0].name if find(objects, "ServiceAccount") else ""
    subject = [{"kind": "ServiceAccount", "name": service_account, "namespace": NAMESPACE}]
    operator_cluster_roles = [o for o in find(objects, "ClusterRole") if not is_user_role(o)]
    check_user_roles(results, objects, label)
    if watch:
        results.check(f"{label}: no ClusterRoleBinding and no ClusterRole for the operator",
                      not operator_cluster_roles and not find(objects, "ClusterRoleBinding"),
                      str([o.name for o in operator_cluster_roles + find(objects, "ClusterRoleBinding")]))
        for namespace in watch:
            roles = find(objects, "Role", namespace=namespace)
            bindings = find(objects, "RoleBinding", namespace=namespace)
            if not results.check(f"{label}: one Role and one RoleBinding in {namespace}",
                                 len(roles) == 1 and len(bindings) == 1, f"{len(roles)} roles, {len(bindings)} bindings"):
                continue
            got = rule_triples(roles[0].obj.get("rules", []))
            results.check(f"{label}: Role in {namespace} grants exactly the table", got == operator_rules,
                          f"extra {sorted(got - operator_rules)}, missing {sorted(operator_rules - got)}")
            subjects = bindings[0].obj.get("subjects", [])
            results.check(f"{label}: RoleBinding in {namespace} binds its Role to the operator's ServiceAccount",
                          bindings[0].obj["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": roles[0].name}
                          and subjects == subject, str(subjects))
        stray = [f"{r.kind}/{r.namespace}/{r.name}" for r in objects if r.kind in ("Role", "RoleBinding")
                 and r.namespace not in watch and not r.name.endswith("-leader-election")]
        results.check(f"{label}: no Role or RoleBinding outside the watched namespaces but the Lease's", not stray, str(stray))
    else:
        bindings = find(objects, "ClusterRoleBinding")
        if results.check(f"{label}: one ClusterRole for the operator and one ClusterRoleBinding",
                         len(operator_cluster_roles) == 1 and len(bindings) == 1,
                         str([o.name for o in operator_cluster_roles + bindings])):
            got = rule_triples(operator_cluster_roles[0].obj.get("rules", []))
            results.check(f"{label}: ClusterRole grants exactly the table", got == operator_rules,
                          f"extra {sorted(got - operator_rules)}, missing {sorted(operator_rules - got)}")
            subjects = bindings[0].obj.get("subjects", [])
            results.check(f"{label}: ClusterRoleBinding binds the ClusterRole to the operator's ServiceAccount",
                          bindings[0].obj["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": operator_cluster_roles[0].name}
                          and subjects == subject, str(subjects))
        non_lease = [r for r in find(objects, "Role") if not r.name.endswith("-leader-election")]
        results.check(f"{label}: no namespaced Role besides the Lease's", not non_lease, str([r.name for r in non_lease]))
    lease_roles = [r for r in find(objects, "Role") if r.name.endswith("-leader-election")]
    if results.check(f"{label}: one Lease Role, in the release namespace only",
                     len(lease_roles) == 1 and lease_roles[0].namespace == NAMESPACE,
                     str([(r.namespace, r.name) for r in lease_roles])):
        rules = lease_roles[0].obj.get("rules", [])
        results.check(f"{label}: Lease Role grants exactly the table's lease row", rule_triples(rules) == lease_rules,
                      str(sorted(rule_triples(rules))))
        named = [rule for rule in rules if set(rule.get("verbs", [])) & {"get", "list", "watch", "update"}]
        results.check(f"{label}: Lease get/list/watch/update limited to the Lease's name",
                      all(rule.get("resourceNames") == ["ordinal-leader"] for rule in named), str(named))
    granted = {o.obj["roleRef"]["name"] for o in objects if o.kind in ("ClusterRoleBinding", "RoleBinding") and o.obj.get("subjects") == subject}
    deletes = sorted({r for o in objects if o.kind in ("ClusterRole", "Role") and o.name in granted
                      for (_, r, v) in rule_triples(o.obj.get("rules", [])) if v in ("delete", "deletecollection")})
    results.check(f"{label}: the operator may delete configmaps (an old revision's), jobs (finished backup Jobs recorded "
                  "in status), networkpolicies and poddisruptionbudgets (turned off) and pods (a replica to rebuild) and nothing else",
                  deletes == ["configmaps", "jobs", "networkpolicies", "poddisruptionbudgets", "pods"], str(deletes))


def validator() -> str:
    """kubernetes-validate from this interpreter's virtualenv, else from PATH."""
    beside = Path(sys.executable).parent / "kubernetes-validate"
    return str(beside) if beside.is_file() else "kubernetes-validate"


def validate_objects(results: Results, objects: list[Rendered], label: str) -> None:
    """kubernetes-validate --strict on every object the Kubernetes schemas know."""
    known = [o for o in objects if (o.obj.get("apiVersion"), o.kind) not in FOREIGN_KINDS]
    with tempfile.TemporaryDirectory(prefix="ordinal-chart-") as directory:
        paths = []
        for index, item in enumerate(known):
            path = Path(directory) / f"{index:02d}-{item.kind}-{item.name}.yaml"
            path.write_text(item.text + "\n", encoding="utf-8")
            paths.append(str(path))
        completed = subprocess.run(
            [validator(), "--strict", "--kubernetes-version", KUBE_VERSION, *paths],
            capture_output=True, text=True, check=False,
        )
        output = (completed.stdout + completed.stderr).strip()
        bad = [line for line in output.splitlines() if not (line.startswith("INFO") and " passed " in line)]
        results.check(f"{label}: kubernetes-validate --strict (Kubernetes {KUBE_VERSION}) passes {len(known)} objects",
                      completed.returncode == 0 and not bad and len(known) > 0, "\n".join(bad)[-2000:])


def lint(results: Results, values: dict[str, Any] | None, label: str) -> None:
    report = helm_python.lint(str(CHART), values, strict=True, namespace=NAMESPACE, kube_version=f"v{KUBE_VERSION}")
    problems = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2] + [{"error": e} for e in report.get("errors") or []]
    results.check(f"{label}: helm lint --strict (Helm {helm_python.helm_sdk_version()}) has no warning or error",
                  report.get("total_charts_linted") == 1 and not problems, str(problems))


def lint_sdkpy(results: Results) -> None:
    config = helm_sdkpy.Configuration(namespace=NAMESPACE)
    report = asyncio.run(helm_sdkpy.Lint(config).run(str(CHART)))
    problems = [m for m in report.get("Messages") or [] if m.get("Severity", 0) >= 2]
    results.check(f"default values: helm-sdkpy ({helm_sdkpy.get_version()}) Lint has no warning or error",
                  report.get("TotalChartsLinted") == 1 and not problems and not report.get("Errors"),
                  f"{problems} {report.get('Errors')}")


# Bad values and a fragment of the message Helm's schema validation must give for each.
BAD_VALUES: list[tuple[str, dict[str, Any], str]] = [
    ("three replicas", {"replicaCount": 3}, "/replicaCount"),
    ("zero replicas", {"replicaCount": 0}, "/replicaCount"),
    ("replicas as a string", {"replicaCount": "2"}, "/replicaCount"),
    ("an unknown top-level key", {"replicas": 2}, "additional properties 'replicas'"),
    ("an unknown image key", {"image": {"repository": "x", "pullPolicy": "Always", "version": "1"}}, "/image"),
    ("a namespace with capitals", {"watchNamespaces": ["Databases"]}, "/watchNamespaces/0"),
    ("a namespace twice", {"watchNamespaces": ["a", "a"]}, "/watchNamespaces"),
    ("a comma-separated namespace string", {"watchNamespaces": "a,b"}, "/watchNamespaces"),
    ("a privileged port", {"httpPort": 80}, "/httpPort"),
    ("zero workers", {"workers": 0}, "/workers"),
    ("a probe address not in the enum", {"probeAddress": "service"}, "/probeAddress"),
    ("an unknown log format", {"log": {"format": "logfmt", "level": "info"}}, "/log/format"),
    ("an unknown log level", {"log": {"format": "json", "level": "verbose"}}, "/log/level"),
    ("an unknown pull policy", {"image": {"repository": "ghcr.io/ordinal-dev/ordinal", "pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    ("a digest that is not sha256", {"image": {"repository": "ghcr.io/ordinal-dev/ordinal", "pullPolicy": "Always", "digest": "latest"}}, "/image/digest"),
    ("a ServiceAccount not created and not named", {"serviceAccount": {"create": False}}, "/serviceAccount"),
    ("a bad memory quantity", {"resources": {"limits": {"memory": "lots"}}}, "/resources/limits/memory"),
    ("a ServiceMonitor interval that is no duration", {"metrics": {"service": {"port": 8080}, "serviceMonitor": {"enabled": True, "interval": "often"}}}, "/metrics/serviceMonitor/interval"),
    ("extraEnv overriding POD_NAMESPACE", {"extraEnv": [{"name": "POD_NAMESPACE", "value": "x"}]}, "/extraEnv/0/name"),
]


def check_bad_values(results: Results) -> None:
    chart = helm_python.Chart.load(str(CHART))
    for label, values, fragment in BAD_VALUES:
        try:
            chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
            results.check(f"values.schema.json rejects {label}", False, f"{values} rendered")
        except helm_python.HelmValuesError as error:
            results.check(f"values.schema.json rejects {label}", fragment in str(error), str(error).strip())


def check_crd(results: Results) -> None:
    top = (ROOT / "crds" / "postgresclusters.ordinal.dev.yaml").read_bytes()
    chart_copy = (CHART / "crds" / "postgresclusters.ordinal.dev.yaml").read_bytes()
    results.check("chart crds/ file is byte-identical to crds/postgresclusters.ordinal.dev.yaml", top == chart_copy,
                  "run: scripts/lint-chart.sh --update (copies crds/ into the chart)")
    chart = helm_python.Chart.load(str(CHART))
    loaded = [(c.get("name"), c.get("data")) for c in chart.crds]
    results.check("Helm loads exactly that CRD from the chart's crds/ folder",
                  loaded == [("crds/postgresclusters.ordinal.dev.yaml", top.decode("utf-8"))], str([n for n, _ in loaded]))


def run_checks() -> Results:
    results = Results()
    app_version = str(yaml.safe_load((CHART / "Chart.yaml").read_text(encoding="utf-8"))["appVersion"])
    check_crd(results)
    lint_sdkpy(results)

    cases: list[tuple[str, dict[str, Any] | None, Callable[[list[Rendered]], None]]] = []

    def default_case(objects: list[Rendered]) -> None:
        label = "default values"
        check_deployment(results, objects, label, 1, [], app_version)
        check_rbac(results, objects, label, [])
        results.check(f"{label}: no Namespace, no ServiceMonitor, no affinity for a single replica",
                      not find(objects, "Namespace") and not find(objects, "ServiceMonitor")
                      and "affinity" not in find(objects, "Deployment")[0].obj["spec"]["template"]["spec"])

    def watch_case(objects: list[Rendered]) -> None:
        label = "watchNamespaces=[a,b]"
        check_deployment(results, objects, label, 1, ["a", "b"], app_version)
        check_rbac(results, objects, label, ["a", "b"])

    def standby_case(objects: list[Rendered]) -> None:
        label = "replicaCount=2, serviceMonitor and dashboard on"
        dashboards = [o for o in find(objects, "ConfigMap", namespace=NAMESPACE) if o.name.endswith("-dashboard")]
        results.check(f"{label}: one dashboard ConfigMap for Grafana's sidecar",
                      len(dashboards) == 1 and dashboards[0].obj["metadata"]["labels"].get("grafana_dashboard") == "1",
                      str([d.name for d in dashboards]))
        if dashboards:
            import json as _json
            import re as _re
            board = _json.loads(dashboards[0].obj["data"]["ordinal.json"])
            exported = set(_re.findall(r"ordinal_[a-z_]+", "".join(
                p.read_text(encoding="utf-8") for p in (ROOT / "Sources" / "Operator").glob("*Metrics*.swift"))))
            used = {name for panel in board["panels"] for target in panel["targets"]
                    for name in _re.findall(r"ordinal_[a-z_]+", target["expr"])}
            used = {name.removesuffix("_bucket") for name in used}
            results.check(f"{label}: the dashboard queries only metrics the operator exports",
                          bool(used) and used <= exported, str(sorted(used - exported)))
        check_deployment(results, objects, label, 2, [], app_version)
        monitors = find(objects, "ServiceMonitor", namespace=NAMESPACE)
        ok = len(monitors) == 1 and [e.get("port") for e in monitors[0].obj["spec"]["endpoints"]] == ["http-metrics"]
        results.check(f"{label}: one ServiceMonitor scraping port http-metrics", ok, str([m.obj for m in monitors]))
        pod = find(objects, "Deployment")[0].obj["spec"]["template"]["spec"]
        terms = pod.get("affinity", {}).get("podAntiAffinity", {}).get("preferredDuringSchedulingIgnoredDuringExecution", [])
        results.check(f"{label}: the two replicas prefer different nodes",
                      len(terms) == 1 and terms[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
                      and terms[0]["podAffinityTerm"]["labelSelector"]["matchLabels"]
                      == find(objects, "Deployment")[0].obj["spec"]["selector"]["matchLabels"], str(pod.get("affinity")))

    def config_case(objects: list[Rendered]) -> None:
        label = "createNamespace=true (config/)"
        namespaces = find(objects, "Namespace")
        results.check(f"{label}: the Namespace comes first and enforces the restricted Pod Security level",
                      bool(objects) and objects[0].kind == "Namespace" and len(namespaces) == 1
                      and namespaces[0].name == NAMESPACE
                      and namespaces[0].obj["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "restricted")
        namespaced = [o for o in objects if o.kind not in ("Namespace", "ClusterRole", "ClusterRoleBinding")]
        results.check(f"{label}: every namespaced object names namespace {NAMESPACE}",
                      all(o.namespace == NAMESPACE for o in namespaced), str([(o.kind, o.namespace) for o in namespaced]))
        results.check("config/ordinal.yaml equals the chart's render (scripts/lint-chart.sh --update regenerates it)",
                      CONFIG.is_file() and CONFIG.read_text(encoding="utf-8") == config_text(),
                      "config/ordinal.yaml is missing or stale")

    cases.append(("default values", None, default_case))
    cases.append(("watchNamespaces=[a,b]", {"watchNamespaces": ["a", "b"]}, watch_case))
    cases.append(("replicaCount=2, serviceMonitor and dashboard on", {"replicaCount": 2, "metrics": {
        "service": {"port": 8080}, "serviceMonitor": {"enabled": True}, "grafanaDashboard": {"enabled": True}}}, standby_case))
    cases.append(("createNamespace=true (config/)", {"createNamespace": True}, config_case))

    for label, values, specific in cases:
        print(f"chart: {label}")
        lint(results, values, label)
        try:
            objects = render(values)
        except helm_python.HelmError as error:
            results.check(f"{label}: helm template renders", False, str(error))
            continue
        results.check(f"{label}: helm template renders {len(objects)} objects", len(objects) >= 6, str([o.kind for o in objects]))
        validate_objects(results, objects, label)
        specific(objects)

    print("chart: values.schema.json")
    check_bad_values(results)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="regenerate config/ordinal.yaml from the chart, then check")
    parser.add_argument("--render", metavar="VALUES_JSON", help="print the chart's render for these values (JSON) and exit")
    arguments = parser.parse_args()
    os.chdir(ROOT)
    if arguments.render is not None:
        import json
        sys.stdout.write(as_template_output(render(json.loads(arguments.render) or None)))
        return 0
    if arguments.update:
        CONFIG.parent.mkdir(parents=True, exist_ok=True)
        CONFIG.write_text(config_text(), encoding="utf-8")
        print(f"chart: wrote {CONFIG.relative_to(ROOT)}")
    results = run_checks()
    print(f"chart: {results.passed} passed, {len(results.failed)} failed")
    for name in results.failed:
        print(f"chart: failed: {name}")
    return 0 if not results.failed else 1


if __name__ == "__main__":
    sys.exit(main())
