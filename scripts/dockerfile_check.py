#!/usr/bin/env python3
"""Checks the Dockerfile and .dockerignore without a Docker engine.

The Dockerfile is parsed by BuildKit's own parser (the `dockerfile` PyPI package wraps
moby/buildkit's Go parser), then checked against what docs/install.md and docs/operator-flags.md
promise: a Swift builder stage building `ordinal` with the static Swift standard library, a
debian:bookworm-slim runtime with only libcurl4, libpq5, libstdc++6 and CA certificates, uid 65532,
ENTRYPOINT ["/usr/local/bin/ordinal"] and CMD ["run"]. The .dockerignore must let every target
folder Package.swift names into the build context. Called by scripts/lint-chart.sh.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

import dockerfile

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_RUNTIME_PACKAGES = {"ca-certificates", "libcurl4", "libpq5", "libstdc++6", "tzdata"}


def apt_packages(command: str) -> set[str]:
    """Package names after `apt-get install ...` up to the next `&&`."""
    packages: set[str] = set()
    for match in re.finditer(r"apt-get install((?:(?!&&).)*)", command):
        packages.update(word for word in match.group(1).split() if not word.startswith("-"))
    return packages


def context_includes(ignore_lines: list[str], path: str) -> bool:
    """Whether a path survives .dockerignore (last matching pattern wins, `!` re-includes)."""
    included = True
    for line in ignore_lines:
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path.split("/")[0], pattern):
            included = negate
    return included


def main() -> int:
    passed, failed = 0, 0

    def check(name: str, ok: bool, detail: str = "") -> None:
        nonlocal passed, failed
        passed += ok
        failed += not ok
        print(f"  {'ok   ' if ok else 'FAIL '} {name}" + ("" if ok else f": {detail}"))

    commands = dockerfile.parse_file(str(ROOT / "Dockerfile"))
    args = {c.value[0].split("=", 1)[0]: c.value[0].split("=", 1)[1] for c in commands if c.cmd == "ARG" and "=" in c.value[0]}
    stages: list[list[dockerfile.Command]] = []
    for command in commands:
        if command.cmd == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(command)
    check("two stages (build, runtime)", len(stages) == 2, str(len(stages)))
    if len(stages) != 2:
        print(f"dockerfile: {passed} passed, {failed} failed")
        return 1
    build, runtime = stages
    check("builder is an official Swift 6 bookworm image",
          build[0].value[-2:] == ("AS", "build") and re.fullmatch(r"swift:6\.\d+-bookworm", args.get("SWIFT_IMAGE", "")) is not None,
          f"{build[0].value} {args.get('SWIFT_IMAGE')}")
    check("runtime is debian:bookworm-slim", runtime[0].value == ("${RUNTIME_IMAGE}",) and args.get("RUNTIME_IMAGE") == "debian:bookworm-slim",
          f"{runtime[0].value} {args.get('RUNTIME_IMAGE')}")
    build_runs = " ".join(c.value[0] for c in build if c.cmd == "RUN")
    check("build runs `swift build -c release --product ordinal --static-swift-stdlib`",
          "swift build -c release --product ordinal --static-swift-stdlib" in build_runs, build_runs)
    check("build installs the headers of libcurl and libpq",
          {"libcurl4-openssl-dev", "libpq-dev", "pkg-config"} <= apt_packages(build_runs), str(apt_packages(build_runs)))
    runtime_runs = " ".join(c.value[0] for c in runtime if c.cmd == "RUN")
    packages = apt_packages(runtime_runs)
    check("runtime installs libcurl4, libpq5 and ca-certificates, nothing beyond them, libstdc++6 and tzdata",
          {"libcurl4", "libpq5", "ca-certificates"} <= packages <= ALLOWED_RUNTIME_PACKAGES, str(sorted(packages)))
    check("runtime installs with --no-install-recommends and drops the apt lists",
          "--no-install-recommends" in runtime_runs and "rm -rf /var/lib/apt/lists/*" in runtime_runs, runtime_runs)
    check("runtime build fails on a missing shared library", "ldd /usr/local/bin/ordinal" in runtime_runs and "not found" in runtime_runs)
    copies = [c for c in runtime if c.cmd == "COPY"]
    check("runtime copies only the binary from the build stage",
          len(copies) == 1 and copies[0].flags == ("--from=build",), str([(c.flags, c.value) for c in copies]))
    users = [c for c in runtime if c.cmd == "USER"]
    last_user_index = max((i for i, c in enumerate(runtime) if c.cmd == "USER"), default=-1)
    after_user = [c.cmd for c in runtime[last_user_index + 1:] if c.cmd in ("RUN", "COPY", "ADD")]
    check("runs as USER 65532:65532 (numeric, so runAsNonRoot can verify it)",
          [u.value for u in users] == [("65532:65532",)] and not after_user, str([u.value for u in users]))
    check("useradd makes uid 65532 with no login shell", "--uid 65532" in runtime_runs and "nologin" in runtime_runs)
    entrypoints = [c for c in runtime if c.cmd == "ENTRYPOINT"]
    check('ENTRYPOINT ["/usr/local/bin/ordinal"] (exec form)',
          len(entrypoints) == 1 and entrypoints[0].json and entrypoints[0].value == ("/usr/local/bin/ordinal",), str([(e.json, e.value) for e in entrypoints]))
    cmds = [c for c in runtime if c.cmd == "CMD"]
    check('CMD ["run"] (exec form)', len(cmds) == 1 and cmds[0].json and cmds[0].value == ("run",), str([(c.json, c.value) for c in cmds]))

    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    manifest = (ROOT / "Package.swift").read_text(encoding="utf-8")
    folders = {"Package.swift", "Sources", "Tests"} | {p.split("/")[0] for p in re.findall(r'path:\s*"([^"]+)"', manifest)}
    missing = sorted(f for f in folders if not context_includes(ignore, f))
    check(f"build context includes every folder Package.swift needs ({', '.join(sorted(folders))})", not missing, str(missing))
    excluded = [p for p in (".git", ".build", ".build-tools", "charts", "docs") if context_includes(ignore, p)]
    check("build context leaves out .git, build folders, charts and docs", not excluded, str(excluded))

    print(f"dockerfile: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
