#!/usr/bin/env bash
# Builds the web app with the browser SDK into web/dist/ (web/build.sh), then
# starts gauzian-server, which serves the app and the API on one address.
# Arguments go to gauzian-server, for example `--port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."

web/build.sh
exec cargo run --release -p gauzian-server -- "$@"
