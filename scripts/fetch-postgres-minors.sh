#!/usr/bin/env bash
# Downloads two minor versions of Debian's postgresql-15 package (the oldest and the newest the
# archive offers, e.g. 15.18 from bookworm/main and 15.20 from bookworm-security) and extracts
# each into a folder of its own under .build-tools/pg-minors/<version>/, for the upgrade tests
# and upgrade-bench (a real minor-version upgrade walked down the StatefulSet partition).
#
# The extracted server still needs the shared libraries of the installed packages (libpq5,
# libicu, ...): install Debian's postgresql-15 first (scripts/setup.sh does).
#
# Idempotent: a version already extracted (its bin/postgres runs) is not fetched again.
# Prints one line per version: "<version> <bin folder>".
# Exit status 0 with a note on stderr when the archive offers only one minor (tests then skip).
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${ORDINAL_PG_MINORS_DIR:-${root}/.build-tools/pg-minors}"
package="${ORDINAL_PG_MINORS_PACKAGE:-postgresql-15}"
major="${package##*-}"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

mkdir -p "${dest}"

# Every version the configured archives carry, oldest first (apt-cache madison lists newest first).
mapfile -t versions < <(apt-cache madison "${package}" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u -V)
if [ "${#versions[@]}" -eq 0 ]; then
    as_root apt-get update -qq
    mapfile -t versions < <(apt-cache madison "${package}" | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -u -V)
fi
if [ "${#versions[@]}" -lt 2 ]; then
    echo "fetch-postgres-minors: the archive offers ${#versions[@]} version(s) of ${package} (${versions[*]:-none}); the upgrade tests need two and will skip" >&2
fi
if [ "${#versions[@]}" -eq 0 ]; then
    exit 0
fi

# The oldest and the newest: the upgrade walks from one to the other.
wanted=("${versions[0]}")
if [ "${#versions[@]}" -ge 2 ]; then
    wanted+=("${versions[${#versions[@]}-1]}")
fi

for version in "${wanted[@]}"; do
    # "15.18-0+deb12u1" -> folder "15.18".
    short="${version%%-*}"
    folder="${dest}/${short}"
    bindir="${folder}/usr/lib/postgresql/${major}/bin"
    libdir="${folder}/usr/lib/postgresql/${major}/lib"
    if [ ! -x "${bindir}/postgres" ] || ! LD_LIBRARY_PATH="${libdir}" "${bindir}/postgres" --version >/dev/null 2>&1; then
        work="$(mktemp -d "${dest}/download.XXXXXX")"
        # apt-get download writes into the current folder and, as root, drops privileges to _apt:
        # give it a folder it can write.
        chmod 0777 "${work}"
        (cd "${work}" && apt-get download -qq "${package}=${version}" >/dev/null)
        deb="$(find "${work}" -maxdepth 1 -name '*.deb' | head -1)"
        if [ -z "${deb}" ]; then
            echo "fetch-postgres-minors: apt-get download ${package}=${version} produced no .deb" >&2
            rm -rf "${work}"
            exit 1
        fi
        rm -rf "${folder}"
        mkdir -p "${folder}"
        dpkg -x "${deb}" "${folder}"
        mv "${deb}" "${dest}/${short}.deb"
        rm -rf "${work}"
    fi
    # The client tools the fixture calls (psql, pg_isready) come from postgresql-client-15, not the
    # server package: link the installed ones into the extracted bin folder.
    for tool in psql pg_isready pg_basebackup; do
        if [ ! -e "${bindir}/${tool}" ] && [ -x "/usr/lib/postgresql/${major}/bin/${tool}" ]; then
            ln -s "/usr/lib/postgresql/${major}/bin/${tool}" "${bindir}/${tool}"
        fi
    done
    if ! LD_LIBRARY_PATH="${libdir}" "${bindir}/postgres" --version >/dev/null; then
        echo "fetch-postgres-minors: ${bindir}/postgres does not run" >&2
        exit 1
    fi
    echo "${short} ${bindir}"
done
