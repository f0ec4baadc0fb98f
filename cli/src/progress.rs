//! Progress bars and per-file messages on stderr. Bars appear only when
//! stderr is a terminal, and never with `--json` or `-q`.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

const FILE_TEMPLATE: &str =
    "{wide_msg} {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} ETA {eta:>3}";
const TOTAL_TEMPLATE: &str =
    "[{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} ({msg})";

/// The bars of one command: an overall bar for a batch, one bar per file.
#[derive(Debug)]
pub struct Reporter {
    multi: Option<MultiProgress>,
    total: Option<ProgressBar>,
    quiet: bool,
}

impl Reporter {
    /// Starts a reporter for `files` files of `total_bytes` bytes in all.
    pub fn new(show_bars: bool, quiet: bool, total_bytes: u64, files: usize) -> Self {
        if !show_bars || quiet || !std::io::stderr().is_terminal() {
            return Self {
                multi: None,
                total: None,
                quiet,
            };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let total = (files > 1).then(|| {
            let bar = multi.add(ProgressBar::new(total_bytes));
            if let Ok(style) = ProgressStyle::with_template(TOTAL_TEMPLATE) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("{files} files"));
            bar
        });
        Self {
            multi: Some(multi),
            total,
            quiet,
        }
    }

    /// Starts the bar of one file.
    pub fn file(&self, label: &str, size: u64) -> FileProgress {
        let bar = self.multi.as_ref().map(|multi| {
            let bar =
                multi.insert_from_back(usize::from(self.total.is_some()), ProgressBar::new(size));
            if let Ok(style) = ProgressStyle::with_template(FILE_TEMPLATE) {
                bar.set_style(style);
            }
            bar.set_message(label.to_owned());
            bar
        });
        FileProgress {
            bar,
            total: self.total.clone(),
        }
    }

    /// Prints a people-facing line on stderr without tearing the bars.
    pub fn message(&self, line: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(line);
            }
            None => eprintln!("{line}"),
        }
    }

    /// Prints an error line on stderr, also with `-q`.
    pub fn error(&self, line: &str) {
        match &self.multi {
            Some(multi) => multi.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes every bar.
    pub fn finish(&self) {
        if let Some(total) = &self.total {
            total.finish_and_clear();
        }
        if let Some(multi) = &self.multi {
            let _ = multi.clear();
        }
    }
}

/// The progress of one file, fed by the client's transfer engines.
#[derive(Debug)]
pub struct FileProgress {
    bar: Option<ProgressBar>,
    total: Option<ProgressBar>,
}

impl FileProgress {
    /// Removes the file's bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl gauzian_client::Progress for FileProgress {
    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
        if let Some(total) = &self.total {
            total.inc(bytes);
        }
    }
}
