#!/usr/bin/env bash
# Runs a local single-node Garage S3 server (https://garagehq.deuxfleurs.fr,
# crates.io crate `garage`) for the test suites. Everything listens on
# 127.0.0.1 only.
#
#   scripts/s3-server.sh install          print the path of a garage 2.5.0
#                                         binary, building it if missing
#   scripts/s3-server.sh start DIR PORT   start an instance with its state in
#                                         DIR and the S3 API on 127.0.0.1:PORT
#   scripts/s3-server.sh stop DIR         stop that instance
#   scripts/s3-server.sh env DIR          print `export NAME=VALUE` lines for
#                                         S3_ENDPOINT, S3_BUCKET, S3_REGION,
#                                         S3_ACCESS_KEY and S3_SECRET_KEY
#
# The first start of DIR writes DIR/garage.toml, assigns the node layout,
# creates an access key and the bucket `gauzian-test`, and writes DIR/env.
# Later starts reuse all of it, including the objects stored before.
# The garage binary is cached in GAUZIAN_TOOLS_DIR/bin (default
# ~/.cache/gauzian-tools/bin), outside the repository, so fresh clones on the
# same machine reuse it.
set -euo pipefail

GARAGE_VERSION=2.5.0
BUCKET=gauzian-test
KEY_NAME=gauzian-test
# Garage 2.5.0 rejects SigV4 requests signed for any other region with 400
# AuthorizationHeaderMalformed. boto3 then retries with this region, but
# clients without that redirect fail.
REGION=garage
READY_TIMEOUT_SECONDS=30
STOP_TIMEOUT_SECONDS=10
TOOLS_DIR="${GAUZIAN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gauzian-tools}"

die() {
    echo "s3-server.sh: $*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0" >&2
    exit 2
}

has_garage_version() {
    local version
    version=$("$1" --version 2>/dev/null) || return 1
    grep -qw "$GARAGE_VERSION" <<<"$version"
}

# Prints the path of a garage $GARAGE_VERSION binary and builds one into
# $TOOLS_DIR when neither $TOOLS_DIR/bin nor PATH has it.
install_garage() {
    local candidate="$TOOLS_DIR/bin/garage"
    if [ -x "$candidate" ] && has_garage_version "$candidate"; then
        echo "$candidate"
        return
    fi

    candidate=$(command -v garage || true)
    if [ -n "$candidate" ] && has_garage_version "$candidate"; then
        echo "$candidate"
        return
    fi

    echo "Building garage $GARAGE_VERSION into $TOOLS_DIR with cargo install (takes several minutes)..." >&2
    cargo install garage --version "$GARAGE_VERSION" --locked --root "$TOOLS_DIR" >&2
    has_garage_version "$TOOLS_DIR/bin/garage" ||
        die "cargo install finished, but $TOOLS_DIR/bin/garage is missing or not version $GARAGE_VERSION"
    echo "$TOOLS_DIR/bin/garage"
}

# Resolves DIR to an absolute path, because garage.toml needs absolute paths.
absolute_dir() {
    mkdir -p "$1"
    (cd "$1" && pwd)
}

is_listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints a random port in 20000-59999 that nothing listens on and that differs
# from the ports given as arguments.
pick_free_port() {
    local port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % 40000))
        case " $* " in *" $port "*) continue ;; esac
        if ! is_listening "$port"; then
            echo "$port"
            return
        fi
    done
    die "found no free loopback port in 20000-59999 after 100 tries"
}

# Writes DIR/garage.toml with a new RPC secret and two new free ports for RPC
# and the admin API. The S3 port is the caller's.
write_config() {
    local dir=$1 s3_port=$2
    local rpc_port admin_port rpc_secret
    rpc_port=$(pick_free_port "$s3_port")
    admin_port=$(pick_free_port "$s3_port" "$rpc_port")
    rpc_secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

    # The file contains the RPC secret, so only the owner may read it.
    (
        umask 077
        cat >"$dir/garage.toml.tmp" <<EOF
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "lmdb"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$rpc_port"
rpc_public_addr = "127.0.0.1:$rpc_port"
rpc_secret = "$rpc_secret"

[s3_api]
api_bind_addr = "127.0.0.1:$s3_port"
s3_region = "$REGION"

[admin]
api_bind_addr = "127.0.0.1:$admin_port"
EOF
    )
    mv "$dir/garage.toml.tmp" "$dir/garage.toml"
}

configured_s3_port() {
    sed -n '/^\[s3_api\]/,/^\[/s/^api_bind_addr = "127\.0\.0\.1:\([0-9]*\)"$/\1/p' "$1/garage.toml"
}

# Succeeds when DIR/garage.pid names a live garage process that uses
# DIR/garage.toml, so a stale pid reused by another process does not count.
is_running() {
    local dir=$1 pid args
    [ -f "$dir/garage.pid" ] || return 1
    pid=$(cat "$dir/garage.pid")
    args=$(ps -o args= -p "$pid" 2>/dev/null) || return 1
    [[ "$args" == *"$dir/garage.toml"* ]]
}

fail_with_log() {
    local dir=$1
    shift
    echo "s3-server.sh: $*" >&2
    echo "--- last 30 lines of $dir/garage.log ---" >&2
    tail -n 30 "$dir/garage.log" >&2 || true
    exit 1
}

# Runs the command until it succeeds. Fails with the log tail after
# READY_TIMEOUT_SECONDS or as soon as the server process exits.
wait_for() {
    local dir=$1 description=$2
    shift 2
    local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        is_running "$dir" || fail_with_log "$dir" "garage exited while waiting for $description"
        [ "$SECONDS" -lt "$deadline" ] ||
            fail_with_log "$dir" "timed out after ${READY_TIMEOUT_SECONDS}s waiting for $description"
        sleep 0.2
    done
}

is_ready() {
    local dir=$1 s3_port=$2
    garage_cli "$dir" health --quiet && is_listening "$s3_port"
}

garage_cli() {
    local dir=$1
    shift
    "$GARAGE" -c "$dir/garage.toml" "$@"
}

# Gives the node its storage role, then creates the key and the bucket. Each
# step checks the current state first, so a setup cut short can run again.
set_up_cluster() {
    local dir=$1 s3_port=$2
    local layout node_id key_id secret_key

    # A fresh node has no role, so the cluster stays unavailable until a layout
    # version assigns it one. `node id` prints "<full id>@<rpc address>".
    layout=$(garage_cli "$dir" layout show)
    if [[ "$layout" == *"Current cluster layout version: 0"* ]]; then
        node_id=$(garage_cli "$dir" node id --quiet)
        garage_cli "$dir" layout assign --zone dc1 --capacity 1G "${node_id%%@*}" >/dev/null
        garage_cli "$dir" layout apply --version 1 >/dev/null
    fi

    if ! garage_cli "$dir" key info --key-id "$KEY_NAME" >/dev/null 2>&1; then
        garage_cli "$dir" key create "$KEY_NAME" >/dev/null
    fi
    if ! garage_cli "$dir" bucket info "$BUCKET" >/dev/null 2>&1; then
        garage_cli "$dir" bucket create "$BUCKET" >/dev/null
    fi
    garage_cli "$dir" bucket allow --read --write --owner "$BUCKET" --key "$KEY_NAME" >/dev/null
    # Without this flag the S3 CreateBucket call returns 403 AccessDenied.
    garage_cli "$dir" key allow --create-bucket "$KEY_NAME" >/dev/null

    key_id=$(garage_cli "$dir" key info --key-id "$KEY_NAME")
    secret_key=$(garage_cli "$dir" key info --secret-key "$KEY_NAME")
    (
        umask 077
        cat >"$dir/env.tmp" <<EOF
S3_ENDPOINT=http://127.0.0.1:$s3_port
S3_BUCKET=$BUCKET
S3_REGION=$REGION
S3_ACCESS_KEY=$key_id
S3_SECRET_KEY=$secret_key
EOF
    )
    mv "$dir/env.tmp" "$dir/env"
}

start_instance() {
    local dir=$1 s3_port=$2
    if ! [[ "$s3_port" =~ ^[0-9]+$ ]] || [ "$s3_port" -lt 1 ] || [ "$s3_port" -gt 65535 ]; then
        die "invalid PORT '$s3_port': expected a TCP port number from 1 to 65535"
    fi
    dir=$(absolute_dir "$dir")
    GARAGE=$(install_garage)

    if [ -f "$dir/garage.toml" ]; then
        local configured
        configured=$(configured_s3_port "$dir")
        [ "$configured" = "$s3_port" ] ||
            die "$dir was set up with S3 port $configured, not $s3_port: pass $configured or use a new DIR"
    fi

    if is_running "$dir"; then
        wait_for "$dir" "the running garage to become ready" is_ready "$dir" "$s3_port"
        echo "garage is already running (pid $(cat "$dir/garage.pid")), S3 API on 127.0.0.1:$s3_port"
        return
    fi
    if is_listening "$s3_port"; then
        die "port $s3_port on 127.0.0.1 is already in use by another process: choose another PORT"
    fi
    if [ ! -f "$dir/garage.toml" ]; then
        write_config "$dir" "$s3_port"
    fi

    # NO_COLOR keeps ANSI color codes out of garage.log.
    NO_COLOR=1 nohup "$GARAGE" -c "$dir/garage.toml" server >>"$dir/garage.log" 2>&1 </dev/null &
    echo $! >"$dir/garage.pid"
    # Stop the server if any step below fails, so no half-set-up instance is left running.
    # shellcheck disable=SC2064 # $dir is local, so the trap must expand it now.
    trap "stop_instance $(printf %q "$dir") >/dev/null" EXIT

    if [ ! -f "$dir/env" ]; then
        wait_for "$dir" "the RPC port" garage_cli "$dir" status
        set_up_cluster "$dir" "$s3_port"
    fi
    wait_for "$dir" "cluster health and the S3 port" is_ready "$dir" "$s3_port"

    trap - EXIT
    echo "garage started (pid $(cat "$dir/garage.pid")), S3 API on 127.0.0.1:$s3_port, log in $dir/garage.log"
}

stop_instance() {
    local dir=$1 pid
    if ! is_running "$dir"; then
        rm -f "$dir/garage.pid"
        echo "garage is not running in $dir"
        return
    fi

    pid=$(cat "$dir/garage.pid")
    kill -TERM "$pid"
    local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "garage (pid $pid) did not exit within ${STOP_TIMEOUT_SECONDS}s of SIGTERM: sending SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/garage.pid"
    echo "garage stopped (pid $pid)"
}

print_env() {
    local env_file="$1/env" line
    [ -f "$env_file" ] || die "$env_file not found: run 'start $1 PORT' first"
    while IFS= read -r line; do
        [[ "$line" =~ ^[A-Z0-9_]+= ]] || die "invalid line in $env_file: '$line'"
        printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"
    done <"$env_file"
}

case "${1:-}" in
    install)
        [ $# -eq 1 ] || usage
        install_garage
        ;;
    start)
        [ $# -eq 3 ] || usage
        start_instance "$2" "$3"
        ;;
    stop)
        [ $# -eq 2 ] || usage
        [ -d "$2" ] || { echo "garage is not running in $2"; exit 0; }
        stop_instance "$(absolute_dir "$2")"
        ;;
    env)
        [ $# -eq 2 ] || usage
        print_env "$2"
        ;;
    *) usage ;;
esac
