//! Runs Wycheproof and WebCrypto test vector files through the core.
//!
//! ```text
//! cargo run -p gauzian-crypto --features hazmat --example vectors -- FILE...
//! ```
//!
//! Prints one line per file and a last line `N passed, M failed`; exits 1 on
//! any failure. A case marked `invalid` passes when it is rejected. Every
//! primitive runs through both backends (native and portable) where both
//! exist, and a case passes only when each backend gets it right.

use std::process::ExitCode;

#[path = "../tests/support/vector_runner.rs"]
mod vector_runner;

use vector_runner::run_file;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: vectors FILE...  (Wycheproof or webcrypto_*.json files)");
        return ExitCode::from(2);
    }

    let (mut passed, mut failed) = (0u64, 0u64);
    for path in &paths {
        match run_file(path) {
            Ok(tally) => {
                println!("{path}: {} passed, {} failed", tally.passed, tally.failed);
                for failure in tally.failures.iter().take(5) {
                    println!("  FAILED {failure}");
                }
                passed += tally.passed;
                failed += tally.failed;
            }
            Err(message) => {
                println!("{path}: cannot run: {message}");
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
