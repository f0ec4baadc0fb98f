//! Measures the operations that `scripts/bench-crypto.sh` compares with
//! OpenSSL, through the public API on one thread, and prints their medians.
//!
//! ```text
//! cargo run --release -p gauzian-crypto --example bench_ratios -- [--keygen-runs N]
//! ```
//!
//! Prints one `name value` line per figure on stdout, each in wall-clock time
//! (`_wall`) and in the thread's CPU time (`_cpu`). MB is 10^6 bytes and
//! times are in milliseconds. Progress goes to stderr. The detailed,
//! statistically analysed benchmarks are the Criterion ones in
//! `benches/core.rs`.

// Setup failures (a key that cannot be generated) end the measurement, and a
// panic with its message is the clearest way to report them here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use gauzian_crypto::chunk::{self, CHUNK_HEADER_LEN, CHUNK_SIZE, ChunkPosition};
use gauzian_crypto::kdf::{self, DEFAULT_ITERATIONS, KdfParams};
use gauzian_crypto::keypair;
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::{NodeId, Password, PrivateKey, VersionId};

const FILE_ID: NodeId = NodeId::from_bytes([1; 16]);
const VERSION_ID: VersionId = VersionId::from_bytes([2; 16]);

/// Timed repetitions of each operation (after a few untimed warm-up runs).
struct Runs {
    chunk: usize,
    pbkdf2: usize,
    keygen: usize,
    oaep: usize,
}

const USAGE: &str =
    "usage: bench_ratios [--chunk-runs N] [--pbkdf2-runs N] [--keygen-runs N] [--oaep-runs N]";

fn parse_args() -> Result<Runs, String> {
    let mut runs = Runs {
        chunk: 100,
        pbkdf2: 21,
        keygen: 21,
        oaep: 101,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--chunk-runs" => &mut runs.chunk,
            "--pbkdf2-runs" => &mut runs.pbkdf2,
            "--keygen-runs" => &mut runs.keygen,
            "--oaep-runs" => &mut runs.oaep,
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        };
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a number of runs\n{USAGE}"))?;
        *slot = value
            .parse()
            .ok()
            .filter(|&count: &usize| count > 0)
            .ok_or_else(|| format!("{flag}: {value:?} is not a positive integer"))?;
    }
    Ok(runs)
}

/// Median of the samples, in the samples' unit.
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let middle = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[middle - 1] + samples[middle]) / 2.0
    } else {
        samples[middle]
    }
}

/// CPU time this thread has run, in nanoseconds, from the first field of
/// `/proc/thread-self/schedstat` (Linux only). `None` where unreadable.
fn thread_cpu_ns() -> Option<u64> {
    // The kernel updates this figure only at scheduler events. A yield is
    // one, so the reading is exact rather than up to one tick old.
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Durations of timed runs in milliseconds: wall-clock, and CPU time of this
/// thread, which other processes on a shared machine disturb far less.
/// `cpu` is empty where the CPU time cannot be read.
struct Samples {
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

/// Runs `operation` `warm_up` times untimed, then `runs` times timed.
/// `prepare` runs before each call, outside the timed section.
fn time_runs<T, P, O>(warm_up: usize, runs: usize, mut prepare: P, mut operation: O) -> Samples
where
    P: FnMut() -> T,
    O: FnMut(T),
{
    for _ in 0..warm_up {
        operation(prepare());
    }
    let mut samples = Samples {
        wall: Vec::with_capacity(runs),
        cpu: Vec::with_capacity(runs),
    };
    for _ in 0..runs {
        let input = prepare();
        let cpu_start = thread_cpu_ns();
        let start = Instant::now();
        operation(input);
        let wall = start.elapsed();
        let cpu_end = thread_cpu_ns();

        samples.wall.push(wall.as_secs_f64() * 1e3);
        if let (Some(cpu_start), Some(cpu_end)) = (cpu_start, cpu_end) {
            samples
                .cpu
                .push(cpu_end.saturating_sub(cpu_start) as f64 / 1e6);
        }
    }
    if samples.cpu.len() != runs {
        samples.cpu.clear();
    }
    samples
}

/// Prints the median of each clock as `{name}_wall` and `{name}_cpu`, after
/// `convert` turns milliseconds into the reported unit.
fn report(name: &str, samples: &mut Samples, convert: impl Fn(f64) -> f64) {
    println!("{name}_wall {:.3}", convert(median(&mut samples.wall)));
    if samples.cpu.is_empty() {
        eprintln!("bench_ratios: no CPU time for {name}: /proc/thread-self/schedstat unreadable");
        return;
    }
    println!("{name}_cpu {:.3}", convert(median(&mut samples.cpu)));
}

fn megabytes_per_second(bytes: usize, milliseconds: f64) -> f64 {
    bytes as f64 / (milliseconds / 1e3) / 1e6
}

fn run(runs: &Runs) {
    let mut rng = rand::rng();

    eprintln!(
        "sealing and opening a 5 MiB chunk, {} runs each",
        runs.chunk
    );
    let content_key = NodeKey::generate(&mut rng).derive_content_key(&FILE_ID, &VERSION_ID);
    let position = ChunkPosition {
        file_id: FILE_ID,
        version_id: VERSION_ID,
        index: 0,
        is_final: false,
    };
    let mut buffer = Vec::with_capacity(chunk::MAX_SEALED_CHUNK_LEN);
    buffer.resize(CHUNK_HEADER_LEN, 0);
    buffer.extend((0..CHUNK_SIZE).map(|index| index as u8));
    // Sealing in place turns the buffer into a sealed chunk. Truncating it
    // back to header plus plaintext costs nothing, so no copy is needed.
    let mut seal_ms = time_runs(
        5,
        runs.chunk,
        || (),
        |()| {
            buffer.truncate(CHUNK_HEADER_LEN + CHUNK_SIZE);
            chunk::seal_chunk_in_place(&content_key, &position, &mut buffer, &mut rng).unwrap();
        },
    );
    let sealed = buffer.clone();
    // Opening consumes its buffer, so each run opens a copy made untimed.
    let mut open_ms = time_runs(
        5,
        runs.chunk,
        || sealed.clone(),
        |mut copy| {
            chunk::open_chunk_in_place(&content_key, &FILE_ID, &VERSION_ID, 0, &mut copy).unwrap();
            black_box(copy);
        },
    );

    eprintln!(
        "PBKDF2-HMAC-SHA256 at {DEFAULT_ITERATIONS} iterations, {} runs",
        runs.pbkdf2
    );
    let password = Password::from("correct horse battery staple");
    let params = KdfParams::new(DEFAULT_ITERATIONS, &[5; kdf::SALT_LEN]).unwrap();
    let mut pbkdf2_ms = time_runs(
        1,
        runs.pbkdf2,
        || (),
        |()| {
            black_box(kdf::derive_master_key(&password, &params).unwrap());
        },
    );

    eprintln!("RSA-4096 key generation, {} runs", runs.keygen);
    let mut keygen_ms = time_runs(
        0,
        runs.keygen,
        || (),
        |()| {
            black_box(PrivateKey::generate().unwrap());
        },
    );

    eprintln!(
        "RSA-OAEP unwrap of the 32-byte record key, {} runs",
        runs.oaep
    );
    let private_key = PrivateKey::generate().unwrap();
    let record_key = RecordKey::generate(&mut rng);
    let wrapped =
        keypair::wrap_record_key(private_key.public_key(), &record_key, &mut rng).unwrap();
    let mut unwrap_ms = time_runs(
        3,
        runs.oaep,
        || (),
        |()| {
            black_box(keypair::unwrap_record_key(&private_key, &wrapped).unwrap());
        },
    );

    let throughput = |milliseconds| megabytes_per_second(CHUNK_SIZE, milliseconds);
    report("seal_5MiB_mb_per_s", &mut seal_ms, throughput);
    report("open_5MiB_mb_per_s", &mut open_ms, throughput);
    report("pbkdf2_310k_ms", &mut pbkdf2_ms, |ms| ms);
    report("rsa4096_keygen_ms", &mut keygen_ms, |ms| ms);
    // `report` sorted the samples, so the extremes are at either end.
    for (clock, sorted) in [("wall", &keygen_ms.wall), ("cpu", &keygen_ms.cpu)] {
        if let (Some(min), Some(max)) = (sorted.first(), sorted.last()) {
            println!("rsa4096_keygen_min_ms_{clock} {min:.3}");
            println!("rsa4096_keygen_max_ms_{clock} {max:.3}");
        }
    }
    println!("rsa4096_keygen_runs {}", keygen_ms.wall.len());
    report("oaep_unwrap_ms", &mut unwrap_ms, |ms| ms);
}

fn main() -> ExitCode {
    match parse_args() {
        Ok(runs) => {
            run(&runs);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench_ratios: {message}");
            ExitCode::from(2)
        }
    }
}
