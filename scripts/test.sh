#!/usr/bin/env bash
# Runs every check and test of the repository: formatting, lints, the wasm32
# build of the crypto core, the shared test vectors, and all Rust test suites
# on SQLite and, when it is reachable, PostgreSQL. Then the WebAssembly SDK's
# tests in Node, headless Chromium and a Chromium worker, and the web app's
# end-to-end tests (e2e/tests) in headless Chromium against a real server.
#
# Installs what is missing: the wasm32 target, wasm-bindgen-cli (through
# sdk-wasm/build.sh), Debian's chromium and chromium-driver, and the npm
# packages of e2e/. Needs PostgreSQL on 127.0.0.1:5432 (trust auth, database
# `test`) for the PostgreSQL suite; under CI=true a missing PostgreSQL is an
# error, elsewhere a skip.
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

step "build binaries for the end-to-end tests"
cargo build --workspace --bins

step "tests"
cargo test --workspace --all-features

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
