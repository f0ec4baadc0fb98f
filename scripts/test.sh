#!/usr/bin/env bash
# Runs every check and test of the repository: formatting, lints, the
# deployment files, the wasm32 build of the crypto core, the shared test
# vectors, and all Rust test suites on SQLite. When they are reachable, the
# suites also run on PostgreSQL and on the distributed backends (PostgreSQL,
# a Garage S3 server and Redis, with two replicas and outages). Then the
# WebAssembly SDK's tests in Node, headless Chromium and a Chromium worker,
# and the web app's end-to-end tests (e2e/tests) in headless Chromium
# against a real server, on the embedded and the distributed backends.
#
# Installs what is missing: the wasm32 target, wasm-bindgen-cli (through
# sdk-wasm/build.sh), Garage from crates.io (through scripts/s3-server.sh,
# about 12 minutes on first use, then cached in ~/.cache/gauzian-tools),
# the deployment validators from PyPI, Debian's chromium and chromium-driver,
# and the npm packages of e2e/. Needs PostgreSQL on 127.0.0.1:5432 (trust
# auth, database `test`) and Redis on 127.0.0.1:6379; under CI=true a
# missing one is an error, elsewhere its suites are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

step "formatting"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo clippy -p gauzian-sdk-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings

step "deployment files: Kubernetes, Compose and workflow schemas"
scripts/check-deploy.sh

step "crypto core builds for wasm32"
cargo build -p gauzian-crypto --target wasm32-unknown-unknown

step "shared test vectors through both backends"
cargo run -q -p gauzian-crypto --features hazmat --example vectors -- \
    crates/gauzian-crypto/tests/data/wycheproof/*.json \
    crates/gauzian-crypto/tests/data/webcrypto/*.json

step "PostgreSQL"
postgres_url="postgres://postgres@127.0.0.1:5432/test"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    # The machine's cluster may have stopped; start it the way the machine does.
    if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
        sleep 2
    fi
fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export GAUZIAN_TEST_POSTGRES_URL="${GAUZIAN_TEST_POSTGRES_URL:-$postgres_url}"
    echo "PostgreSQL suite enabled: $GAUZIAN_TEST_POSTGRES_URL"
elif [ "${CI:-}" = "true" ]; then
    echo "PostgreSQL is not reachable on 127.0.0.1:5432, and CI must run the PostgreSQL suite" >&2
    exit 1
else
    echo "PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL suite will be skipped"
fi

step "Redis and a Garage S3 server for the distributed suites"
redis_url="redis://127.0.0.1:6379/0"
distributed=false
if [ -n "${GAUZIAN_TEST_POSTGRES_URL:-}" ] && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    s3_dir=$(mktemp -d "${TMPDIR:-/tmp}/gauzian-s3.XXXXXX")
    s3_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    trap 'scripts/s3-server.sh stop "$s3_dir" >/dev/null 2>&1 || true; rm -rf "$s3_dir"' EXIT
    scripts/s3-server.sh start "$s3_dir" "$s3_port"
    while IFS='=' read -r name value; do
        export "GAUZIAN_TEST_$name=$value"
    done < "$s3_dir/env"
    export GAUZIAN_TEST_REDIS_URL="${GAUZIAN_TEST_REDIS_URL:-$redis_url}"
    distributed=true
    echo "distributed suites enabled: PostgreSQL, Garage on 127.0.0.1:$s3_port, $GAUZIAN_TEST_REDIS_URL"
elif [ "${CI:-}" = "true" ]; then
    echo "the distributed suites need PostgreSQL and Redis on 127.0.0.1:6379, and CI must run them" >&2
    exit 1
else
    echo "PostgreSQL or Redis is not reachable: the distributed suites will be skipped"
fi

step "build binaries for the end-to-end tests"
cargo build --workspace --bins

step "tests"
cargo test --workspace --all-features

if [ "$distributed" = true ]; then
    step "CLI end-to-end suite on PostgreSQL, S3 and Redis"
    GAUZIAN_TEST_CLI_DISTRIBUTED=1 cargo test -p gauzian-cli --test e2e
fi

step "browser tools"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "installing Debian's chromium and chromium-driver"
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q chromium chromium-driver >/dev/null
    else
        sudo apt-get install -y -q chromium chromium-driver >/dev/null
    fi
fi
if [ ! -d e2e/node_modules/playwright-core ]; then
    (cd e2e && npm ci --no-audit --no-fund)
fi

step "WebAssembly SDK: package, tests in Node, Chromium and a worker"
sdk-wasm/build.sh
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
cargo test -p gauzian-sdk-wasm --target wasm32-unknown-unknown --release
WASM_BINDGEN_USE_BROWSER=1 cargo test -p gauzian-sdk-wasm --target wasm32-unknown-unknown --release --test core
WASM_BINDGEN_USE_DEDICATED_WORKER=1 cargo test -p gauzian-sdk-wasm --target wasm32-unknown-unknown --release --test core
node sdk-wasm/tests/node-import.mjs

step "web app: French and English message catalogues"
node --test web/tests/

step "web app: end-to-end tests in Chromium against a real server"
# The SDK step above built sdk-wasm/pkg, and the binaries step the server and CLI.
web/build.sh --skip-sdk-build
node --test e2e/tests/

if [ "$distributed" = true ]; then
    step "web app: end-to-end tests on PostgreSQL, S3 and Redis"
    GAUZIAN_E2E_DISTRIBUTED=1 node --test e2e/tests/
fi
