#!/usr/bin/env python3
"""Compiles and evaluates every CEL rule of the PostgresCluster CRD with a real CEL runtime.

kubernetes-validate checks the CRD's shape but not its x-kubernetes-validations: a rule that does
not compile would make the API server refuse the CRD, and a rule with the wrong logic would let a
bad object in. This reads crds/postgresclusters.ordinal.dev.yaml, compiles each rule in an
environment like the API server's (standard macros, the strings extension, and stand-ins for the
Kubernetes quantity library), and evaluates a table of objects and changes against the rules at
each path. Prints 'cel-rules: N passed, N failed' and exits non-zero on any failure.
"""
import pathlib
import re
import sys

import yaml
from cel_expr_python import cel
from cel_expr_python.ext.ext_strings import ExtStrings

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRD = ROOT / "crds" / "postgresclusters.ordinal.dev.yaml"

SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
            "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


def quantity_value(text: str) -> float:
    match = re.fullmatch(r"([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?", text)
    if not match:
        raise ValueError(f"not a quantity: {text}")
    number, suffix = match.groups()
    if suffix and suffix[0] in "eE" and len(suffix) > 1:
        return float(number) * 10 ** int(suffix[1:])
    return float(number) * SUFFIXES.get(suffix or "", 1)


def compare(left: float, right: float) -> int:
    return (left > right) - (left < right)


def environment():
    # quantity(string) and Quantity.compareTo(Quantity) from Kubernetes' quantity library, with the
    # quantity represented by its value (enough for the comparisons our rules make).
    functions = [
        cel.FunctionDecl("quantity", [cel.Overload("quantity_string", cel.Type.DOUBLE, [cel.Type.STRING], impl=quantity_value)]),
        cel.FunctionDecl("compareTo", [cel.Overload("quantity_compareTo", cel.Type.INT, [cel.Type.DOUBLE, cel.Type.DOUBLE],
                                                     is_member=True, impl=compare)]),
    ]
    return cel.NewEnv(variables={"self": cel.Type.DYN, "oldSelf": cel.Type.DYN}, extensions=[ExtStrings()], functions=functions)


def collect(schema, path="", found=None):
    """(path, rule, message) for every rule, with paths like 'spec.storage.size'."""
    found = [] if found is None else found
    for rule in schema.get("x-kubernetes-validations", []):
        found.append((path, rule["rule"], rule["message"]))
    for name, child in schema.get("properties", {}).items():
        collect(child, f"{path}.{name}" if path else name, found)
    if "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        collect(schema["additionalProperties"], f"{path}.*", found)
    if "items" in schema:
        collect(schema["items"], f"{path}[]", found)
    return found


def at(obj, path):
    for part in [p for p in path.split(".") if p]:
        if obj is None or not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def cluster(name="orders", **spec):
    base = {"instances": 3, "postgresVersion": "16.4", "storage": {"size": "10Gi"}}
    base.update(spec)
    return {"apiVersion": "ordinal.dev/v1alpha1", "kind": "PostgresCluster", "metadata": {"name": name}, "spec": base}


BUCKET = {"s3": {"endpoint": "s3.example.com", "region": "eu-west-1", "bucket": "orders-backups", "credentialsSecret": "orders-s3"}}

# (label, new object, old object or None, message fragment of the rule expected to fail or None)
CASES = [
    ("minimal cluster", cluster(), None, None),
    ("52-character name", cluster(name="a" * 52), None, None),
    ("53-character name", cluster(name="a" * 53), None, "at most 52 characters"),
    ("name starting with a digit", cluster(name="1orders"), None, "must start with a lowercase letter"),
    ("version 12", cluster(postgresVersion="12.9"), None, "13 or newer"),
    ("minor upgrade", cluster(postgresVersion="16.5"), cluster(postgresVersion="16.4"), None),
    ("minor rollback", cluster(postgresVersion="16.3"), cluster(postgresVersion="16.4"), None),
    ("major upgrade", cluster(postgresVersion="17.0"), cluster(postgresVersion="16.4"), "cannot change major version"),
    ("major without minor", cluster(postgresVersion="17"), cluster(postgresVersion="16"), "cannot change major version"),
    ("storage grows", cluster(storage={"size": "20Gi"}), cluster(), None),
    ("storage grows across units", cluster(storage={"size": "1Ti"}), cluster(storage={"size": "1000Gi"}), None),
    ("storage shrinks", cluster(storage={"size": "9Gi"}), cluster(), "cannot shrink"),
    ("storage shrinks across units", cluster(storage={"size": "1000Gi"}), cluster(storage={"size": "1Ti"}), "cannot shrink"),
    ("storage class set at creation", cluster(storage={"size": "1Gi", "storageClassName": "fast"}), None, None),
    ("storage class changes", cluster(storage={"size": "1Gi", "storageClassName": "slow"}),
     cluster(storage={"size": "1Gi", "storageClassName": "fast"}), "storageClassName cannot change"),
    ("storage class added later", cluster(storage={"size": "1Gi", "storageClassName": "fast"}),
     cluster(storage={"size": "1Gi"}), "storageClassName cannot change"),
    ("ordinary parameters", cluster(postgresql={"parameters": {"work_mem": "64MB", "auto_explain.log_min_duration": "1s"}}), None, None),
    ("managed parameter", cluster(postgresql={"parameters": {"listen_addresses": "*"}}), None, "managed by Ordinal"),
    ("parameter with capitals", cluster(postgresql={"parameters": {"Work_Mem": "4MB"}}), None, "lowercase PostgreSQL setting names"),
    ("parameter value with a newline", cluster(postgresql={"parameters": {"work_mem": "4MB\ninclude '/etc/passwd'"}}), None, "newline"),
    ("reserved database", cluster(bootstrap={"database": "postgres"}), None, "built-in database"),
    ("reserved owner", cluster(bootstrap={"owner": "streaming_replica"}), None, "role Ordinal owns"),
    ("bootstrap unchanged", cluster(bootstrap={"database": "shop"}), cluster(bootstrap={"database": "shop"}), None),
    ("bootstrap changed", cluster(bootstrap={"database": "shop2"}), cluster(bootstrap={"database": "shop"}), "bootstrap cannot change"),
    ("synchronous, one standby of two", cluster(replication={"synchronous": {"number": 2}}), None, None),
    ("synchronous, as many standbys as instances", cluster(replication={"synchronous": {"number": 3}}), None, "must be less than instances"),
    ("user secret changed", cluster(secrets={"app": "two"}), cluster(secrets={"app": "one"}), "secrets.app cannot change"),
    ("backup to a bucket", cluster(backup={"repository": BUCKET, "schedule": {"full": "0 1 * * 0", "differential": "*/30 0-5,22-23 * * 1-6"}}), None, None),
    ("backup without a bucket", cluster(backup={"repository": {}}), None, "needs s3"),
    ("backup schedule, hour 24", cluster(backup={"repository": BUCKET, "schedule": {"full": "0 24 * * *"}}), None, "five-field cron"),
    ("backup schedule, four fields", cluster(backup={"repository": BUCKET, "schedule": {"differential": "0 1 * *"}}), None, "five-field cron"),
    ("backup schedule, step 0", cluster(backup={"repository": BUCKET, "schedule": {"full": "*/0 * * * *"}}), None, "five-field cron"),
    ("backup and archive_command", cluster(backup={"repository": BUCKET}, postgresql={"parameters": {"archive_command": "cp %p /x/%f"}}), None,
     "Ordinal sets archive_mode"),
    ("archive_command without backup", cluster(postgresql={"parameters": {"archive_command": "cp %p /x/%f"}}), None, None),
]


def main() -> int:
    crd = yaml.safe_load(CRD.read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    rules = collect(schema)
    env = environment()
    passed = failed = 0
    programs = []
    for path, rule, message in rules:
        try:
            programs.append((path, rule, message, env.compile(rule)))
            passed += 1
        except Exception as error:  # a rule the API server could not compile
            print(f"  FAIL  compile {path or '<root>'}: {rule}: {error}")
            failed += 1
    print(f"cel-rules: compiled {len(programs)} of {len(rules)} rules")
    for label, new, old, expected in CASES:
        refused = []
        for path, rule, message, program in programs:
            base_path = path.removesuffix(".*")
            value = at(new, base_path)
            if value is None:
                continue
            old_value = at(old, base_path) if old is not None else None
            if "oldSelf" in rule and old_value is None:
                continue  # transition rules run on updates only, when the old value exists
            targets = [value] if not path.endswith(".*") else []  # map-value rules: none in this CRD
            for target in targets:
                data = {"self": target}
                if old_value is not None:
                    data["oldSelf"] = old_value
                result = program.eval(data=data).value()
                if result is not True:
                    refused.append(message)
        ok = (expected is None and not refused) or (expected is not None and any(expected in m for m in refused))
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"  FAIL  {label}: expected {'acceptance' if expected is None else repr(expected)}, refused by {refused}")
    print(f"cel-rules: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
