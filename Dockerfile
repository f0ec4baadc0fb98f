# syntax=docker/dockerfile:1
#
# Image of gauzian-server with the web app, for docker-compose.yml and k8s/.
# docs/deploy.md describes the settings. Build from the repository root:
#
#     docker build -t gauzian-server .

# --- Builder: the web app (WebAssembly SDK and static files) and the server.
# The Rust version is the one the repository is tested with; the workspace
# needs 1.90 or later (edition 2024).
FROM rust:1.95-trixie AS builder
WORKDIR /src

# The WebAssembly target, and wasm-bindgen-cli at the version Cargo.lock pins
# (read as sdk-wasm/build.sh reads it), in layers of their own so that a
# source change does not rebuild them.
RUN rustup target add wasm32-unknown-unknown
COPY Cargo.lock ./
RUN version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock) \
    && cargo install wasm-bindgen-cli --version "$version"

COPY . .

# The cache mounts keep the registry and the target directory between builds,
# so the binary is copied out of the target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    web/build.sh \
    && cargo build --release --locked -p gauzian-server \
    && install -D -m 0755 target/release/gauzian-server /out/gauzian-server \
    && cp -R web/dist /out/web

# --- Runtime: the binary, the web app, CA certificates for TLS to S3 and
# PostgreSQL, and curl for the health check.
FROM debian:trixie-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 gauzian \
    && useradd --system --uid 10001 --gid gauzian --home-dir /var/lib/gauzian \
        --shell /usr/sbin/nologin gauzian \
    && install -d -o gauzian -g gauzian -m 0700 /var/lib/gauzian

COPY --from=builder /out/gauzian-server /usr/local/bin/gauzian-server
COPY --from=builder /out/web /usr/share/gauzian/web

# The server refuses to listen beyond loopback without JWT_SECRET, so the
# container needs it set (see .env.example and k8s/secret.example.yaml).
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/gauzian \
    WEB_DIR=/usr/share/gauzian/web \
    LOG_FORMAT=json

USER 10001:10001
WORKDIR /var/lib/gauzian
VOLUME /var/lib/gauzian
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD curl --fail --silent --show-error --output /dev/null "http://127.0.0.1:${PORT}/health/live" || exit 1

# SIGTERM makes the server finish the requests in flight and exit.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/gauzian-server"]
