#!/usr/bin/env bash
# Assembles web/dist/, the directory gauzian-server serves at `/`: the app's
# files as they are (no bundler), and the browser SDK under web/dist/sdk/.
#
# Runs sdk-wasm/build.sh first, unless --skip-sdk-build is given, in which
# case the SDK build already in sdk-wasm/pkg/ is used.
set -euo pipefail
cd "$(dirname "$0")/.."

build_sdk=true
for argument in "$@"; do
    case "$argument" in
        --skip-sdk-build) build_sdk=false ;;
        *)
            echo "usage: web/build.sh [--skip-sdk-build]" >&2
            exit 2
            ;;
    esac
done

if $build_sdk && [ -x sdk-wasm/build.sh ]; then
    sdk-wasm/build.sh
fi

# Layout under web/dist/sdk/, as the SDK's modules import each other:
# client.js and worker.js, and web/ with the wasm-bindgen output that
# worker.js imports as ./web/gauzian_sdk_wasm.js.
shopt -s nullglob
sdk_adapters=(sdk-wasm/js/*.js)
sdk_core=(sdk-wasm/pkg/web/*.js sdk-wasm/pkg/web/*.wasm)
if [ ${#sdk_core[@]} -eq 0 ] || [ ${#sdk_adapters[@]} -eq 0 ]; then
    echo "web/build.sh: the browser SDK is not built: sdk-wasm/pkg/web/ needs the .js and" \
        ".wasm output of sdk-wasm/build.sh, and sdk-wasm/js/ its adapters" >&2
    exit 1
fi

# Build next to the old copy and swap at the end, so a running server never
# serves a half-copied app.
staging=web/dist.tmp
rm -rf "$staging"
mkdir -p "$staging/sdk/web"
cp web/index.html web/styles.css "$staging/"
cp -R web/app web/i18n "$staging/"
# Only what the browser loads: type declarations and package.json stay out.
cp "${sdk_adapters[@]}" "$staging/sdk/"
cp "${sdk_core[@]}" "$staging/sdk/web/"

rm -rf web/dist
mv "$staging" web/dist
echo "built web/dist ($(find web/dist -type f | wc -l) files)"
