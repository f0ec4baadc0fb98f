#!/usr/bin/env bash
# Builds the npm package of the WebAssembly core into sdk-wasm/pkg/:
#   web/    ES module for browsers and bundlers (wasm-bindgen --target web)
#   node/   CommonJS build for Node (wasm-bindgen --target nodejs)
#   client.js, worker.js, client.d.ts, package.json, README.md
#
# Installs what is missing: the wasm32-unknown-unknown target and
# wasm-bindgen-cli at the version Cargo.lock pins, so the generated glue
# matches the wasm-bindgen crate.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    echo "installing wasm-bindgen-cli $version (a few minutes, once)"
    # Not --locked: a dependency version in its lock file is not on every
    # registry mirror.
    cargo install -q wasm-bindgen-cli --version "$version"
fi

target_dir="${CARGO_TARGET_DIR:-target}"
cargo build -q -p gauzian-sdk-wasm --target wasm32-unknown-unknown --release
wasm="$target_dir/wasm32-unknown-unknown/release/gauzian_sdk_wasm.wasm"

out=sdk-wasm/pkg
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out/web" "$wasm"
wasm-bindgen --target nodejs --out-dir "$out/node" "$wasm"
# The package is an ES module; the Node build is CommonJS.
printf '{ "type": "commonjs" }\n' > "$out/node/package.json"
cp sdk-wasm/js/client.js sdk-wasm/js/worker.js sdk-wasm/js/client.d.ts sdk-wasm/package.json sdk-wasm/README.md "$out/"
echo "built $out ($(du -sh "$out/web" | cut -f1) for the web)"
