#!/usr/bin/env bash
# Measures OpenSSL and gauzian-crypto on the same machine in one run, computes
# the ratios against the performance targets, and writes them to a section of
# docs/benchmarks.md.
#
# Usage: scripts/bench-crypto.sh [--seconds N] [--runs N] [--keygen-runs N]
#                                [--output FILE] [--no-write]
#
#   --seconds N      duration of each `openssl speed` run (default 3)
#   --runs N         processes per OpenSSL PBKDF2 figure, and blocks of 10
#                    processes per RSA-OAEP figure (default 21)
#   --keygen-runs N  RSA-4096 key generations, for OpenSSL and for us
#                    (default 21; at least 20 unless --no-write)
#   --output FILE    document to update (default docs/benchmarks.md)
#   --no-write       print the section on stdout instead of writing it
#
# Honours CARGO_TARGET_DIR. Needs openssl, cargo, GNU date and awk. Sends
# nothing over the network. Takes about 3 minutes plus the release build.

set -euo pipefail

seconds=3
runs=21
keygen_runs=21
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
output="$repo_root/docs/benchmarks.md"
write=1

usage() {
    sed -n '6,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
        --runs) runs=${2:?--runs needs a value}; shift 2 ;;
        --keygen-runs) keygen_runs=${2:?--keygen-runs needs a value}; shift 2 ;;
        --output) output=${2:?--output needs a file}; shift 2 ;;
        --no-write) write=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench-crypto: unknown argument '$1'" >&2; usage; exit 2 ;;
    esac
done
for value in "$seconds" "$runs" "$keygen_runs"; do
    if ! [[ "$value" =~ ^[1-9][0-9]*$ ]]; then
        echo "bench-crypto: '$value' is not a positive integer" >&2
        exit 2
    fi
done
if [ "$write" = 1 ] && [ "$keygen_runs" -lt 20 ]; then
    echo "bench-crypto: --keygen-runs must be at least 20 for a recorded median (or pass --no-write)" >&2
    exit 2
fi
for tool in openssl cargo awk; do
    command -v "$tool" >/dev/null || { echo "bench-crypto: $tool not found on PATH" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

log() { echo "bench-crypto: $*" >&2; }

# Median of the numbers on stdin, one per line.
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit 1
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# One run of a command, its output discarded: prints "wall_ms cpu_ms", where
# CPU time is the user plus system time of the process.
time_cmd() {
    local TIMEFORMAT='%3R %3U %3S' timing
    timing=$({ time "$@" >/dev/null 2>&1; } 2>&1)
    awk '{ printf "%.3f %.3f\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$timing"
}

# Runs a command $1 times in a row, outputs discarded: prints the mean
# "wall_ms cpu_ms" per run. Timing the loop as a whole keeps the millisecond
# resolution of `time` from swamping operations of a few milliseconds.
time_loop() {
    local count=$1 i TIMEFORMAT='%3R %3U %3S' timing
    shift
    timing=$({ time for ((i = 0; i < count; i++)); do "$@" >/dev/null 2>&1; done; } 2>&1)
    awk -v n="$count" '{ printf "%.4f %.4f\n", $1 * 1000 / n, ($2 + $3) * 1000 / n }' <<<"$timing"
}

# Floating-point arithmetic: calc 'a / b' a=1 b=2.
calc() {
    local expression=$1
    shift
    local args=()
    for assignment in "$@"; do args+=(-v "$assignment"); done
    awk "${args[@]}" "BEGIN { printf \"%.2f\", $expression }"
}

# Median of column $2 (1-based) of file $1.
median_of() { awk -v column="$2" '{ print $column }' "$1" | median; }
min_of() { awk -v column="$2" '{ print $column }' "$1" | sort -g | head -1; }
max_of() { awk -v column="$2" '{ print $column }' "$1" | sort -g | tail -1; }

# OpenSSL's AES-256-GCM throughput on a 5 MiB buffer, in MB/s (10^6 bytes).
# `openssl speed` prints thousands of bytes per second and divides by the CPU
# user time of the process, or by wall-clock time when given -elapsed.
openssl_aes_mb_per_s() {
    openssl speed "$@" -evp aes-256-gcm -bytes 5242880 -seconds "$seconds" 2>/dev/null |
        awk '$1 == "AES-256-GCM" { sub(/k$/, "", $2); printf "%.1f\n", $2 / 1000 }'
}

# The four AES-256-GCM figures on one line: seal and open by CPU time, then
# seal and open by wall-clock time.
openssl_aes_all() {
    echo "$(openssl_aes_mb_per_s) $(openssl_aes_mb_per_s -decrypt)" \
        "$(openssl_aes_mb_per_s -elapsed) $(openssl_aes_mb_per_s -elapsed -decrypt)"
}

# Format a figure for the tables: throughput in whole MB/s, times to 0.01 ms.
mbps() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v }'; }

at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
verdict_at_least() { if at_least "$1" "$2"; then echo pass; else echo short; fi; }
verdict_at_most() { if at_least "$2" "$1"; then echo pass; else echo short; fi; }
higher() { calc '(a > b) ? a : b' a="$1" b="$2"; }
column_of() { if [ "$1" = wall ]; then echo 1; else echo 2; fi; }

# --- Build ours first, so the compiler is not running during measurements.
target_dir=${CARGO_TARGET_DIR:-$repo_root/target}
log "building the bench_ratios example (release)"
(cd "$repo_root" && cargo build --quiet --release -p gauzian-crypto --example bench_ratios)
ours_bin="$target_dir/release/examples/bench_ratios"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A openssl ours ratio

# --- OpenSSL: AES-256-GCM, measured before and after ours; the higher figure
# of the two counts, which favours OpenSSL.
log "openssl speed aes-256-gcm: encrypt and decrypt, by CPU and wall-clock time, ${seconds} s each"
read -r aes1_seal_cpu aes1_open_cpu aes1_seal_wall aes1_open_wall <<<"$(openssl_aes_all)"

# --- OpenSSL: PBKDF2-HMAC-SHA256, 310,000 iterations. One process per
# derivation, so the median of the same command at 1 iteration (process
# start-up and argument parsing) is subtracted.
log "openssl kdf PBKDF2: ${runs} runs at 310000 iterations and ${runs} at 1"
kdf() {
    openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:correct-horse-battery-staple \
        -kdfopt salt:gauzian-bench-salt -kdfopt "iter:$1" PBKDF2
}
: >"$work/kdf-310k"
: >"$work/kdf-1"
for _ in $(seq "$runs"); do
    time_cmd kdf 310000 >>"$work/kdf-310k"
    time_cmd kdf 1 >>"$work/kdf-1"
done
for clock in wall cpu; do
    column=$(column_of "$clock")
    openssl[kdf_raw_$clock]=$(median_of "$work/kdf-310k" "$column")
    openssl[kdf_baseline_$clock]=$(median_of "$work/kdf-1" "$column")
    openssl[kdf_$clock]=$(calc 'a - b' a="${openssl[kdf_raw_$clock]}" b="${openssl[kdf_baseline_$clock]}")
done

# --- OpenSSL: RSA-4096 key generation. A start-up of a few milliseconds is
# left in, against a generation time of about a second.
log "openssl genpkey RSA-4096: ${keygen_runs} runs"
: >"$work/genpkey"
for _ in $(seq "$keygen_runs"); do
    time_cmd openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 \
        -out "$work/generated.pem" >>"$work/genpkey"
done
for clock in wall cpu; do
    column=$(column_of "$clock")
    openssl[keygen_$clock]=$(median_of "$work/genpkey" "$column")
    openssl[keygen_min_$clock]=$(min_of "$work/genpkey" "$column")
    openssl[keygen_max_$clock]=$(max_of "$work/genpkey" "$column")
done

# --- OpenSSL: RSA-OAEP (SHA-256, MGF1-SHA-256) decryption of a 32-byte key.
# `openssl pkeyutl` decrypts once per process, so start-up would dominate.
# The figure of record subtracts a baseline measured the same way: the same
# command with the same private key file, encrypting instead of decrypting.
# The baseline keeps a public-key operation, so the difference slightly
# understates OpenSSL's decryption time, which makes the target stricter.
# `openssl speed rsa4096` (many private-key operations in one process,
# PKCS#1 v1.5 signing) is reported beside it as a cross-check.
log "openssl pkeyutl RSA-OAEP: ${runs} blocks of 10 decryptions and of 10 baseline runs"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$work/key.pem" 2>/dev/null
head -c 32 /dev/urandom >"$work/record-key"
oaep=(-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256)
openssl pkeyutl -encrypt -inkey "$work/key.pem" "${oaep[@]}" -in "$work/record-key" -out "$work/wrapped"
openssl pkeyutl -decrypt -inkey "$work/key.pem" "${oaep[@]}" -in "$work/wrapped" -out "$work/unwrapped"
if ! cmp -s "$work/record-key" "$work/unwrapped"; then
    echo "bench-crypto: openssl RSA-OAEP round trip returned a different key" >&2
    exit 1
fi
: >"$work/decrypt"
: >"$work/baseline"
for _ in $(seq "$runs"); do
    time_loop 10 openssl pkeyutl -decrypt -inkey "$work/key.pem" "${oaep[@]}" \
        -in "$work/wrapped" >>"$work/decrypt"
    time_loop 10 openssl pkeyutl -encrypt -inkey "$work/key.pem" "${oaep[@]}" \
        -in "$work/record-key" >>"$work/baseline"
done
for clock in wall cpu; do
    column=$(column_of "$clock")
    openssl[decrypt_raw_$clock]=$(median_of "$work/decrypt" "$column")
    openssl[decrypt_baseline_$clock]=$(median_of "$work/baseline" "$column")
    openssl[oaep_$clock]=$(calc 'a - b' a="${openssl[decrypt_raw_$clock]}" b="${openssl[decrypt_baseline_$clock]}")
done
log "openssl speed rsa4096: ${seconds} s"
openssl_sign_per_s=$(openssl speed -seconds "$seconds" rsa4096 2>/dev/null |
    awk '$1 == "rsa" && $2 == "4096" { print $6 }')
openssl_sign_ms=$(calc '1000 / a' a="$openssl_sign_per_s")

# --- Ours, in one process.
log "gauzian-crypto bench_ratios (about a minute)"
"$ours_bin" --keygen-runs "$keygen_runs" >"$work/ours"
while read -r name value; do ours[$name]=$value; done <"$work/ours"
for name in seal_5MiB_mb_per_s_cpu open_5MiB_mb_per_s_cpu pbkdf2_310k_ms_cpu \
    rsa4096_keygen_ms_cpu oaep_unwrap_ms_cpu; do
    if [ -z "${ours[$name]:-}" ]; then
        echo "bench-crypto: bench_ratios printed no $name (it reads /proc/thread-self/schedstat)" >&2
        exit 1
    fi
done

log "openssl speed aes-256-gcm again"
read -r aes2_seal_cpu aes2_open_cpu aes2_seal_wall aes2_open_wall <<<"$(openssl_aes_all)"
openssl[seal_cpu]=$(higher "$aes1_seal_cpu" "$aes2_seal_cpu")
openssl[open_cpu]=$(higher "$aes1_open_cpu" "$aes2_open_cpu")
openssl[seal_wall]=$(higher "$aes1_seal_wall" "$aes2_seal_wall")
openssl[open_wall]=$(higher "$aes1_open_wall" "$aes2_open_wall")

load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Ratios, ours ÷ OpenSSL, for both clocks.
for clock in cpu wall; do
    ratio[seal_$clock]=$(calc 'a / b' a="${ours[seal_5MiB_mb_per_s_$clock]}" b="${openssl[seal_$clock]}")
    ratio[open_$clock]=$(calc 'a / b' a="${ours[open_5MiB_mb_per_s_$clock]}" b="${openssl[open_$clock]}")
    ratio[kdf_$clock]=$(calc 'a / b' a="${ours[pbkdf2_310k_ms_$clock]}" b="${openssl[kdf_$clock]}")
    ratio[keygen_$clock]=$(calc 'a / b' a="${ours[rsa4096_keygen_ms_$clock]}" b="${openssl[keygen_$clock]}")
    ratio[oaep_$clock]=$(calc 'a / b' a="${ours[oaep_unwrap_ms_$clock]}" b="${openssl[oaep_$clock]}")
done
oaep_cross_ratio=$(calc 'a / b' a="${ours[oaep_unwrap_ms_cpu]}" b="$openssl_sign_ms")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
cpu_flags=$(awk -F': ' '/^flags/ { print $2; exit }' /proc/cpuinfo | tr ' ' '\n' |
    grep -E '^(aes|vaes|pclmulqdq|vpclmulqdq|avx2|avx512f|sha_ni)$' | tr '\n' ' ' | sed 's/ $//')
command_line="scripts/bench-crypto.sh --seconds $seconds --runs $runs --keygen-runs $keygen_runs"

# One table row: operation, OpenSSL figure, ours, ratio and its unit, then
# target and verdict when given.
row() {
    local line="| $1 | $2 | $3 | $4× $5 |"
    if [ $# -gt 5 ]; then line="$line $6 | $7 |"; fi
    echo "$line"
}

{
    echo '<!-- bench-crypto:start -->'
    echo '## Crypto core against OpenSSL'
    echo
    echo "Written by \`$command_line\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    echo '| machine | |'
    echo '| --- | --- |'
    echo "| CPU | $cpu_model; $(nproc) cores (\`nproc\`); flags: $cpu_flags |"
    echo "| OpenSSL | $(openssl version) |"
    echo "| Rust | $(rustc --version); release profile of the workspace, no \`target-cpu\` |"
    echo "| load average (1, 5, 15 min) | before: $load_before; after: $load_after |"
    echo
    cat <<'TEXT'
The machine is shared with other builds and its figures move by up to 2×
between runs, so each ratio compares figures measured within this one run.
The figures of record are CPU time, the time the operation ran on a core,
which other processes disturb far less than wall-clock time; `openssl speed`
divides by CPU user time by default too. Our figures are single-threaded,
measured through the public API (native backend, aws-lc-rs) by
`crates/gauzian-crypto/examples/bench_ratios.rs`, which reads the thread's CPU
time from `/proc/thread-self/schedstat` around each operation. For an OpenSSL
command, the CPU time is the user plus system time of its process.

TEXT
    echo '| operation | OpenSSL | gauzian-crypto | ratio (ours ÷ OpenSSL) | target | result |'
    echo '| --- | --- | --- | --- | --- | --- |'
    row 'AES-256-GCM seal, 5 MiB chunk' "$(mbps "${openssl[seal_cpu]}") MB/s" \
        "$(mbps "${ours[seal_5MiB_mb_per_s_cpu]}") MB/s" "${ratio[seal_cpu]}" throughput \
        '≥ 1.0×' "$(verdict_at_least "${ratio[seal_cpu]}" 1.0)"
    row 'AES-256-GCM open, 5 MiB chunk' "$(mbps "${openssl[open_cpu]}") MB/s" \
        "$(mbps "${ours[open_5MiB_mb_per_s_cpu]}") MB/s" "${ratio[open_cpu]}" throughput \
        '≥ 1.0×' "$(verdict_at_least "${ratio[open_cpu]}" 1.0)"
    row 'PBKDF2-HMAC-SHA256, 310,000 iterations' "$(ms "${openssl[kdf_cpu]}") ms" \
        "$(ms "${ours[pbkdf2_310k_ms_cpu]}") ms" "${ratio[kdf_cpu]}" time \
        '≤ 1.0×' "$(verdict_at_most "${ratio[kdf_cpu]}" 1.0)"
    row "RSA-4096 key generation, median of $keygen_runs" "$(ms "${openssl[keygen_cpu]}") ms" \
        "$(ms "${ours[rsa4096_keygen_ms_cpu]}") ms" "${ratio[keygen_cpu]}" time \
        '≤ 1.5×' "$(verdict_at_most "${ratio[keygen_cpu]}" 1.5)"
    row 'RSA-OAEP-SHA256 unwrap of a 32-byte key' "$(ms "${openssl[oaep_cpu]}") ms" \
        "$(ms "${ours[oaep_unwrap_ms_cpu]}") ms" "${ratio[oaep_cpu]}" time \
        '≤ 2.0×' "$(verdict_at_most "${ratio[oaep_cpu]}" 2.0)"
    echo
    echo 'The same operations in wall-clock time, for information only: on a busy'
    echo 'machine they measure the neighbours as much as the code.'
    echo
    echo '| operation | OpenSSL | gauzian-crypto | ratio (ours ÷ OpenSSL) |'
    echo '| --- | --- | --- | --- |'
    row 'AES-256-GCM seal, 5 MiB chunk' "$(mbps "${openssl[seal_wall]}") MB/s" \
        "$(mbps "${ours[seal_5MiB_mb_per_s_wall]}") MB/s" "${ratio[seal_wall]}" throughput
    row 'AES-256-GCM open, 5 MiB chunk' "$(mbps "${openssl[open_wall]}") MB/s" \
        "$(mbps "${ours[open_5MiB_mb_per_s_wall]}") MB/s" "${ratio[open_wall]}" throughput
    row 'PBKDF2-HMAC-SHA256, 310,000 iterations' "$(ms "${openssl[kdf_wall]}") ms" \
        "$(ms "${ours[pbkdf2_310k_ms_wall]}") ms" "${ratio[kdf_wall]}" time
    row "RSA-4096 key generation, median of $keygen_runs" "$(ms "${openssl[keygen_wall]}") ms" \
        "$(ms "${ours[rsa4096_keygen_ms_wall]}") ms" "${ratio[keygen_wall]}" time
    row 'RSA-OAEP-SHA256 unwrap of a 32-byte key' "$(ms "${openssl[oaep_wall]}") ms" \
        "$(ms "${ours[oaep_unwrap_ms_wall]}") ms" "${ratio[oaep_wall]}" time
    echo
    echo 'How each OpenSSL figure was taken (MB is 10^6 bytes):'
    echo
    cat <<TEXT
- AES-256-GCM: \`openssl speed -evp aes-256-gcm -bytes 5242880 -seconds $seconds\`,
  with \`-decrypt\` for opening and \`-elapsed\` for wall-clock time, run once
  before and once after our measurements; the higher figure of the two counts
  (CPU time, seal: $aes1_seal_cpu and $aes2_seal_cpu MB/s; open: $aes1_open_cpu
  and $aes2_open_cpu MB/s). \`openssl speed\` reports the mean over its whole
  run, where ours is the median of single chunks.
- PBKDF2: \`openssl kdf -keylen 32 -kdfopt digest:SHA256 ... -kdfopt iter:310000 PBKDF2\`,
  one process per derivation: the median of $runs processes
  ($(ms "${openssl[kdf_raw_cpu]}") ms CPU) minus the median of the same command at 1
  iteration ($(ms "${openssl[kdf_baseline_cpu]}") ms CPU, mostly process start-up).
- RSA-4096 key generation: \`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096\`,
  the median of $keygen_runs processes, start-up included. CPU time, OpenSSL:
  min $(ms "${openssl[keygen_min_cpu]}") ms, max $(ms "${openssl[keygen_max_cpu]}") ms; ours:
  min $(ms "${ours[rsa4096_keygen_min_ms_cpu]}") ms, max $(ms "${ours[rsa4096_keygen_max_ms_cpu]}") ms.
- RSA-OAEP unwrap: \`openssl pkeyutl -decrypt\` with \`rsa_padding_mode:oaep\`,
  \`rsa_oaep_md:sha256\` and \`rsa_mgf1_md:sha256\` on a 32-byte key, one
  process per decryption, so process start-up is subtracted. Processes run in
  alternating blocks of 10 decryptions and 10 baseline runs, and each block is
  timed as a whole. The figure is the median over $runs blocks of the mean
  decryption ($(ms "${openssl[decrypt_raw_cpu]}") ms CPU) minus the same median for a
  baseline, \`openssl pkeyutl -encrypt\` with the same private key file
  ($(ms "${openssl[decrypt_baseline_cpu]}") ms CPU). The baseline
  keeps one public-key operation, so the difference understates OpenSSL's
  time a little, which makes the target stricter. Cross-check with many
  private-key operations in one process: \`openssl speed -seconds $seconds rsa4096\`
  signs in $openssl_sign_ms ms of CPU time, against which ours is
  $oaep_cross_ratio×.
TEXT
    echo '<!-- bench-crypto:end -->'
} >"$work/section"

if [ "$write" = 0 ]; then
    cat "$work/section"
    exit 0
fi

# Replace the section between the markers, or append it to the document.
if [ -f "$output" ] && grep -q '^<!-- bench-crypto:start -->$' "$output"; then
    awk -v section="$work/section" '
        /^<!-- bench-crypto:start -->$/ { while ((getline line < section) > 0) print line; skip = 1; next }
        /^<!-- bench-crypto:end -->$/ { skip = 0; next }
        !skip { print }
    ' "$output" >"$work/updated"
    cp "$work/updated" "$output"
else
    mkdir -p "$(dirname "$output")"
    if [ ! -s "$output" ]; then
        printf '# Benchmarks\n\n' >"$output"
    else
        echo >>"$output"
    fi
    cat "$work/section" >>"$output"
fi
log "wrote $output"
cat "$work/section"
