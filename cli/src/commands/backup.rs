//! `backup` and `restore`: an incremental copy of a local folder into a
//! remote one, and the way back.
//!
//! A file is unchanged when the remote copy's sealed metadata has the same
//! size and modification time. When only the time differs, the SHA-256 of the
//! local file decides. A changed file replaces the remote copy, which goes to
//! the trash.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result, bail};
use gauzian_client::download::DownloadOptions;
use gauzian_client::upload::UploadOptions;
use gauzian_client::{ClientError, Drive, Entry};
use serde_json::json;

use crate::app::App;
use crate::commands::transfer::{FolderCache, UploadJob, UploadPlan, collect_folder, upload_one};
use crate::output::{self, human_bytes};

/// Action of a backup on one local file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    New,
    Changed,
    Unchanged,
}

/// Options of `gauzian backup`.
#[derive(Debug)]
pub struct BackupOptions<'a> {
    pub excludes: &'a [String],
    pub dry_run: bool,
    pub parallelism: usize,
}

pub async fn backup(
    app: &App,
    source: &Path,
    remote: &str,
    options: &BackupOptions<'_>,
) -> Result<()> {
    if !source.is_dir() {
        bail!(
            "{}: not a folder; backup copies a folder's content",
            source.display()
        );
    }
    let mut builder = ignore::gitignore::GitignoreBuilder::new(source);
    for pattern in options.excludes {
        builder
            .add_line(None, pattern)
            .with_context(|| format!("invalid --exclude pattern {pattern:?}"))?;
    }
    let mut plan = UploadPlan {
        exclude: Some(builder.build().context("invalid --exclude patterns")?),
        ..UploadPlan::default()
    };
    plan.add_folder(source, Vec::new());

    let drive = app.open_drive().await?;
    let target = match drive.resolve(remote).await {
        Ok(entry) if entry.is_folder() => Some(entry),
        Ok(entry) => bail!("{}: not a folder", entry.path),
        Err(error) if error.is_not_found() => None,
        Err(error) => return Err(error.into()),
    };
    let mut remote_files = RemoteFiles::default();
    if let Some(target) = &target {
        remote_files.load(&drive, target, &plan.folders).await?;
    }

    let mut decisions = Vec::with_capacity(plan.files.len());
    for job in &plan.files {
        decisions.push(decide(job, remote_files.get(&job.folders, &job.name))?);
    }
    let count = |wanted| {
        decisions
            .iter()
            .filter(|&&decision| decision == wanted)
            .count()
    };
    let (new, changed, unchanged) = (
        count(Decision::New),
        count(Decision::Changed),
        count(Decision::Unchanged),
    );

    let mut failed = plan.failures.len();
    for (path, reason) in &plan.failures {
        eprintln!("error: {}: {reason}", path.display());
    }
    let mut bytes_sent = 0u64;
    if options.dry_run {
        for (job, decision) in plan.files.iter().zip(&decisions) {
            if *decision != Decision::Unchanged && !app.global.json {
                let label = if *decision == Decision::New {
                    "new"
                } else {
                    "changed"
                };
                output::line(&format!("{label} {}", job.local.display()))?;
            }
        }
    } else {
        let target = match target {
            Some(target) => target,
            None => drive.ensure_path(remote).await?,
        };
        let mut cache = FolderCache {
            folders: HashMap::from([(Vec::new(), target)]),
        };
        for folders in &plan.folders {
            cache.ensure(&drive, folders).await?;
        }
        let to_send: Vec<&UploadJob> = plan
            .files
            .iter()
            .zip(&decisions)
            .filter(|(_, decision)| **decision != Decision::Unchanged)
            .map(|(job, _)| job)
            .collect();
        let reporter = app.reporter(to_send.iter().map(|job| job.size).sum(), to_send.len());
        // The remote folders were listed above, so uploads skip listing
        // them again for each file.
        let upload_options = UploadOptions {
            parallelism: options.parallelism,
            check_existing: false,
            ..UploadOptions::default()
        };
        for (job, decision) in plan.files.iter().zip(&decisions) {
            match decision {
                Decision::Unchanged => {}
                Decision::Changed => {
                    let previous = remote_files.get(&job.folders, &job.name);
                    match replace(
                        &drive,
                        &mut cache,
                        job,
                        previous,
                        &upload_options,
                        &reporter,
                    )
                    .await
                    {
                        Ok(()) => bytes_sent += job.size,
                        Err(error) => {
                            reporter.error(&format!("error: {}: {error}", job.local.display()));
                            failed += 1;
                        }
                    }
                }
                Decision::New => {
                    match upload_one(app, &drive, &mut cache, job, &upload_options, &reporter).await
                    {
                        Ok(_) => bytes_sent += job.size,
                        Err(error) => {
                            reporter.error(&format!("error: {}: {error}", job.local.display()));
                            failed += 1;
                        }
                    }
                }
            }
        }
        reporter.finish();
    }

    if app.global.json {
        output::json(&json!({
            "dry_run": options.dry_run,
            "new": new,
            "changed": changed,
            "unchanged": unchanged,
            "failed": failed,
            "bytes_sent": bytes_sent,
        }))?;
    } else {
        let verb = if options.dry_run {
            "would send"
        } else {
            "sent"
        };
        app.message(&format!(
            "{new} new, {changed} changed, {unchanged} unchanged, {failed} failed; {verb} {}",
            human_bytes(if options.dry_run {
                plan.files
                    .iter()
                    .zip(&decisions)
                    .filter(|(_, d)| **d != Decision::Unchanged)
                    .map(|(job, _)| job.size)
                    .sum()
            } else {
                bytes_sent
            })
        ));
    }
    output::batch_result(failed, plan.failures.len() + plan.files.len())
}

/// Replaces a changed remote file: uploads the new content under a
/// temporary name, moves the previous copy to the trash (where it can be
/// restored from), then gives the new file its name. A failure at any step
/// leaves the previous copy reachable, in place or in the trash.
async fn replace(
    drive: &Drive,
    cache: &mut FolderCache,
    job: &UploadJob,
    previous: Option<&Entry>,
    options: &UploadOptions,
    reporter: &crate::progress::Reporter,
) -> Result<(), ClientError> {
    let parent = cache.ensure(drive, &job.folders).await?;
    let temporary_name = format!(".gauzian-backup-{}", uuid::Uuid::new_v4());
    let progress = reporter.file(&job.name, job.size);
    let uploaded = drive
        .upload_file(
            &parent,
            &job.local,
            &temporary_name,
            options,
            &progress,
            &(),
        )
        .await;
    progress.finish();
    let uploaded = uploaded?;

    if let Some(previous) = previous {
        drive.trash_entry(previous).await?;
    }
    drive
        .move_entry(&uploaded, &parent, &parent, &job.name)
        .await?;
    Ok(())
}

/// The remote files below the backup target, by folder path and name.
#[derive(Debug, Default)]
struct RemoteFiles {
    folders: HashMap<Vec<String>, HashMap<String, Entry>>,
}

impl RemoteFiles {
    /// Lists the target and every remote folder matching a local one.
    async fn load(
        &mut self,
        drive: &Drive,
        target: &Entry,
        local_folders: &[Vec<String>],
    ) -> Result<()> {
        let mut found: HashMap<Vec<String>, Entry> = HashMap::from([(Vec::new(), target.clone())]);
        let mut ordered: Vec<&Vec<String>> = local_folders.iter().collect();
        ordered.sort_by_key(|path| path.len());
        if ordered.first().is_none_or(|path| !path.is_empty()) {
            ordered.insert(0, &EMPTY_PATH);
        }
        for path in ordered {
            let Some(folder) = found.get(path).cloned() else {
                continue;
            };
            let listing = drive.list(&folder).await?;
            let mut children = HashMap::new();
            for entry in listing.entries {
                if entry.is_folder() {
                    let mut below = path.clone();
                    below.push(entry.name().to_owned());
                    found.insert(below, entry.clone());
                }
                children.entry(entry.name().to_owned()).or_insert(entry);
            }
            self.folders.insert(path.clone(), children);
        }
        Ok(())
    }

    fn get(&self, folders: &[String], name: &str) -> Option<&Entry> {
        self.folders.get(folders)?.get(name)
    }
}

static EMPTY_PATH: Vec<String> = Vec::new();

/// Compares a local file with its remote copy.
fn decide(job: &UploadJob, remote: Option<&Entry>) -> Result<Decision> {
    let Some(remote) = remote else {
        return Ok(Decision::New);
    };
    if remote.is_folder() || remote.metadata.size != Some(job.size) {
        return Ok(Decision::Changed);
    }
    let modified_at = std::fs::metadata(&job.local)
        .and_then(|info| info.modified())
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| i64::try_from(since.as_millis()).ok());
    if modified_at.is_some() && modified_at == remote.metadata.modified_at {
        return Ok(Decision::Unchanged);
    }
    let Some(remote_digest) = remote.metadata.sha256 else {
        return Ok(Decision::Changed);
    };
    let local_digest = sha256_of(&job.local)?;
    Ok(if local_digest == remote_digest {
        Decision::Unchanged
    } else {
        Decision::Changed
    })
}

fn sha256_of(path: &Path) -> Result<[u8; 32]> {
    use sha2::Digest as _;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut block = vec![0u8; 1 << 20];
    loop {
        let count = file
            .read(&mut block)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if count == 0 {
            break;
        }
        hasher.update(&block[..count]);
    }
    Ok(hasher.finalize().into())
}

/// Options of `gauzian restore`.
#[derive(Debug)]
pub struct RestoreOptions {
    pub overwrite: bool,
    pub parallelism: usize,
}

pub async fn restore(
    app: &App,
    remote: &str,
    destination: &Path,
    options: &RestoreOptions,
) -> Result<()> {
    let drive = app.open_drive().await?;
    let folder = drive.resolve_folder(remote).await?;
    let mut jobs = Vec::new();
    let mut failures = Vec::new();
    collect_folder(
        &drive,
        folder,
        destination.to_owned(),
        &mut jobs,
        &mut failures,
    )
    .await?;
    for (path, reason) in &failures {
        eprintln!("error: {path}: {reason}");
    }

    // Files already there with the same content are left alone.
    let mut unchanged = 0;
    jobs.retain(|job| {
        let same = std::fs::metadata(&job.target)
            .is_ok_and(|info| Some(info.len()) == job.entry.metadata.size)
            && job.entry.metadata.sha256.is_some()
            && sha256_of(&job.target).ok() == job.entry.metadata.sha256;
        unchanged += usize::from(same);
        !same
    });

    let reporter = app.reporter(
        jobs.iter().filter_map(|job| job.entry.metadata.size).sum(),
        jobs.len(),
    );
    let download_options = DownloadOptions {
        parallelism: options.parallelism,
        overwrite: options.overwrite,
    };
    let mut failed = failures.len();
    let mut restored = 0;
    let mut bytes = 0;
    for job in &jobs {
        let progress = reporter.file(job.entry.name(), job.entry.metadata.size.unwrap_or(0));
        let outcome = drive
            .download_file(&job.entry, &job.target, &download_options, &progress)
            .await;
        progress.finish();
        match outcome {
            Ok(size) => {
                restored += 1;
                bytes += size;
            }
            Err(error) => {
                reporter.error(&format!("error: {error}"));
                failed += 1;
            }
        }
    }
    reporter.finish();

    if app.global.json {
        output::json(
            &json!({ "restored": restored, "unchanged": unchanged, "failed": failed, "bytes": bytes }),
        )?;
    } else {
        app.message(&format!(
            "{restored} restored, {unchanged} unchanged, {failed} failed; {} received",
            human_bytes(bytes)
        ));
    }
    output::batch_result(failed, failures.len() + jobs.len() + unchanged)
}
