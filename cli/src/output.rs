//! Data on stdout, as text or JSON, with write errors (a broken pipe
//! included) returned instead of panicking.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

/// Writes one line of data to stdout.
pub fn line(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()?;
    Ok(())
}

/// Writes a JSON document to stdout, on one line.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    line(&serde_json::to_string(value)?)
}

/// Some items of a batch failed; each was reported already.
#[derive(Debug)]
pub struct BatchFailed {
    /// Items that failed.
    pub failed: usize,
    /// Items attempted.
    pub total: usize,
}

impl std::fmt::Display for BatchFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} items failed", self.failed, self.total)
    }
}

impl std::error::Error for BatchFailed {}

/// Returns an error when any item of a batch failed.
pub fn batch_result(failed: usize, total: usize) -> Result<()> {
    if failed == 0 {
        Ok(())
    } else {
        Err(BatchFailed { failed, total }.into())
    }
}

/// Formats a byte count for people: `0 B`, `1.5 KiB`, `23.0 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(23 * 1024 * 1024), "23.0 MiB");
    }
}
