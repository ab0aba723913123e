# syntax=docker/dockerfile:1
# Ordinal operator image: `docker build -t ordinal:dev .` (see docs/install.md).
#
# Stage 1 builds `ordinal` in release mode with the Swift standard library and Foundation linked
# statically. Stage 2 is debian:bookworm-slim with only the shared libraries the binary loads
# (libcurl, libpq) and CA certificates, running as the non-root uid 65532 that the chart and
# config/ expect (docs/operator-flags.md).

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# Headers and pkg-config files of the two C libraries (Package.swift's CCurl and CLibpq).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcurl4-openssl-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifest names every target, test targets included, so their folders come along
# (.dockerignore keeps the context to Package.swift, Sources, Tests and Benchmarks).
COPY . .
RUN --mount=type=cache,target=/src/.build,id=ordinal-swift-build \
    swift build -c release --product ordinal --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/ordinal" /out/usr/local/bin/ordinal \
 && strip --strip-debug /out/usr/local/bin/ordinal

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="ordinal" \
      org.opencontainers.image.description="Ordinal, a Kubernetes operator for PostgreSQL" \
      org.opencontainers.image.version="${VERSION}"
# The binary's NEEDED libraries: libcurl4 (OpenSSL flavour, as libcurl4-openssl-dev in the build
# stage) for the Kubernetes API, libpq5 for the PostgreSQL probes, libstdc++6 (the Swift runtime;
# already in the base image, named so it stays), and libc. CA certificates for API servers with
# public certificates.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libcurl4 libpq5 libstdc++6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 ordinal \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin ordinal
COPY --from=build /out/ /
# Fail the build, not the pod, when a shared library is missing.
RUN if ldd /usr/local/bin/ordinal | grep 'not found'; then exit 1; fi \
 && /usr/local/bin/ordinal version
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ordinal"]
CMD ["run"]
