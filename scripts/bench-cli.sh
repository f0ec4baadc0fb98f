#!/usr/bin/env bash
# Measures the `gauzian` CLI against `cp` and `rclone copy` to an rclone crypt
# remote, on one file, in one run, and records the figures in
# docs/benchmarks.md between the `cli-bench` markers.
#
#   scripts/bench-cli.sh [SIZE_MIB] [RSS_SIZE_MIB]
#
# SIZE_MIB (default 1024) is the file for throughput; RSS_SIZE_MIB (default
# 2048) is a second file uploaded and downloaded once to measure the CLI's
# peak resident memory, read from getrusage of the child process. Wall times
# include about 20 ms of Python start-up per command. Needs `rclone` (Debian
# package rclone) and python3.
#
# Every measured command starts after `sync`, so none pays for writing back
# what the one before left in the page cache. `cp` returns once the copy is
# in the page cache, while an upload returns once the server flushed it to
# disk. The script therefore also times `cp` followed by `sync` of the copy,
# for reference. The target is against plain `cp`.
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib="${1:-1024}"
rss_size_mib="${2:-2048}"
runs=3

command -v rclone >/dev/null || { echo "rclone is not installed: apt-get install rclone" >&2; exit 1; }

cargo build --release -q -p gauzian-server -p gauzian-cli
bin="${CARGO_TARGET_DIR:-target}/release"

work="$(mktemp -d /tmp/gauzian-bench.XXXXXX)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Peak RSS in KiB of a command, with its wall time in seconds, as "SECONDS KIB".
measure() {
    local out="$work/measure.txt"
    local start end
    start=$(date +%s.%N)
    python3 - "$out" "$@" <<'PY'
import resource, subprocess, sys
out = sys.argv[1]
result = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(out, "w").write(f"{usage.ru_maxrss}\n")
sys.exit(result.returncode)
PY
    end=$(date +%s.%N)
    echo "$(calc "$end - $start") $(cat "$out")"
}

calc() { python3 -c "print(round($1, 3))"; }

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "creating a ${size_mib} MiB file of random bytes"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/input.bin"
source_digest=$(sha256sum "$work/input.bin" | cut -d' ' -f1)

mkdir -p "$work/server"
"$bin/gauzian-server" --port 0 --data-dir "$work/server" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    grep -q "listening on http://" "$work/server.log" && break
    sleep 0.1
done
url=$(grep -o "http://127.0.0.1:[0-9]*" "$work/server.log" | head -n1)
[ -n "$url" ] || { echo "server did not start:"; cat "$work/server.log"; exit 1; }

export GAUZIAN_SERVER="$url"
export GAUZIAN_CONFIG_DIR="$work/config"
printf 'correct horse battery staple\n' > "$work/password"
export GAUZIAN_PASSWORD_FILE="$work/password"
"$bin/gauzian" register bench@example.com --recovery-key-file "$work/recovery.txt" >/dev/null
"$bin/gauzian" login bench@example.com >/dev/null

export RCLONE_CONFIG_BENCHLOCAL_TYPE=local
export RCLONE_CONFIG_BENCHCRYPT_TYPE=crypt
export RCLONE_CONFIG_BENCHCRYPT_REMOTE="benchlocal:$work/rclone-store"
RCLONE_CONFIG_BENCHCRYPT_PASSWORD=$(rclone obscure 'bench password')
export RCLONE_CONFIG_BENCHCRYPT_PASSWORD

declare -a cp_times cp_sync_times upload_times download_times rclone_times
upload_rss=0
download_rss=0
for run in $(seq 1 "$runs"); do
    rm -f "$work/copy.bin"
    sync
    cp_times+=("$(measure cp "$work/input.bin" "$work/copy.bin" | cut -d' ' -f1)")
    rm -f "$work/copy.bin"
    sync
    cp_sync_times+=("$(measure sh -c 'cp "$1" "$2" && sync "$2"' sh "$work/input.bin" "$work/copy.bin" | cut -d' ' -f1)")

    "$bin/gauzian" mkdir "/run$run" >/dev/null
    sync
    read -r seconds rss < <(measure "$bin/gauzian" -q upload "$work/input.bin" "/run$run")
    upload_times+=("$seconds")
    upload_rss=$(( rss > upload_rss ? rss : upload_rss ))

    rm -f "$work/output.bin"
    sync
    read -r seconds rss < <(measure "$bin/gauzian" -q download "/run$run/input.bin" "$work/output.bin")
    download_times+=("$seconds")
    download_rss=$(( rss > download_rss ? rss : download_rss ))
    [ "$(sha256sum "$work/output.bin" | cut -d' ' -f1)" = "$source_digest" ] || { echo "download differs from the source" >&2; exit 1; }

    rm -rf "$work/rclone-store"
    sync
    rclone_times+=("$(measure rclone copy "$work/input.bin" "benchcrypt:run$run" | cut -d' ' -f1)")
done

cp_s=$(printf '%s\n' "${cp_times[@]}" | median)
cp_sync_s=$(printf '%s\n' "${cp_sync_times[@]}" | median)
upload_s=$(printf '%s\n' "${upload_times[@]}" | median)
download_s=$(printf '%s\n' "${download_times[@]}" | median)
rclone_s=$(printf '%s\n' "${rclone_times[@]}" | median)
rate() { calc "$size_mib / $1"; }
ratio() { calc "$2 / $1"; }

echo "peak RSS run: ${rss_size_mib} MiB file"
rm -f "$work/input.bin" "$work/copy.bin" "$work/output.bin"
head -c "$((rss_size_mib * 1024 * 1024))" /dev/urandom > "$work/big.bin"
"$bin/gauzian" mkdir /rss >/dev/null
read -r _ big_upload_rss < <(measure "$bin/gauzian" -q upload "$work/big.bin" /rss)
read -r _ big_download_rss < <(measure "$bin/gauzian" -q download /rss/big.bin "$work/big-out.bin")
cmp -s "$work/big.bin" "$work/big-out.bin" || { echo "large download differs from the source" >&2; exit 1; }

machine="$(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
verdict() { if [ "$(python3 -c "print($1 >= $2)")" = True ]; then echo "met"; else echo "short"; fi; }
upload_vs_cp=$(ratio "$upload_s" "$cp_s")
upload_vs_cp_sync=$(ratio "$upload_s" "$cp_sync_s")
upload_vs_rclone=$(ratio "$upload_s" "$rclone_s")
download_vs_cp=$(ratio "$download_s" "$cp_s")

section="$work/section.md"
cat > "$section" <<MD
<!-- cli-bench:start -->
## CLI against cp and rclone crypt

Command: \`scripts/bench-cli.sh $size_mib $rss_size_mib\`, $(date -u +%Y-%m-%d), $machine.
Server with embedded storage on loopback, same disk. Median of $runs runs of a
$size_mib MiB file of random bytes; every command starts after \`sync\`. The
machine is shared and noisy, so compare the ratios, which come from one run,
not the absolute figures.

| operation | median time | throughput |
| --- | --- | --- |
| \`cp\` | ${cp_s} s | $(rate "$cp_s") MiB/s |
| \`cp\`, then \`sync\` of the copy | ${cp_sync_s} s | $(rate "$cp_sync_s") MiB/s |
| \`gauzian upload\` | ${upload_s} s | $(rate "$upload_s") MiB/s |
| \`gauzian download\` | ${download_s} s | $(rate "$download_s") MiB/s |
| \`rclone copy\` to a crypt remote on local disk | ${rclone_s} s | $(rate "$rclone_s") MiB/s |

| target | ratio | result |
| --- | --- | --- |
| upload at least 0.5× \`cp\` | ${upload_vs_cp}× | $(verdict "$upload_vs_cp" 0.5) |
| upload at least 1× rclone crypt | ${upload_vs_rclone}× | $(verdict "$upload_vs_rclone" 1) |
| upload against \`cp\` then \`sync\` (no target) | ${upload_vs_cp_sync}× | |
| download against \`cp\` (no target) | ${download_vs_cp}× | |

Peak resident memory of the \`gauzian\` process: ${upload_rss} KiB uploading and
${download_rss} KiB downloading the $size_mib MiB file; $((big_upload_rss / 1024)) MiB
uploading and $((big_download_rss / 1024)) MiB downloading a $rss_size_mib MiB file
(target: under 100 MiB).
<!-- cli-bench:end -->
MD

python3 - "$section" docs/benchmarks.md <<'PY'
import pathlib, re, sys
section = pathlib.Path(sys.argv[1]).read_text()
target = pathlib.Path(sys.argv[2])
text = target.read_text() if target.exists() else "# Benchmarks\n"
pattern = re.compile(r"<!-- cli-bench:start -->.*?<!-- cli-bench:end -->\n?", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
target.write_text(text)
PY
cat "$section"
