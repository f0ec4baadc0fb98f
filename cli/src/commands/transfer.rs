//! `upload` and `download`, of files and whole folders. A failure on one file
//! is reported and counted, and the rest of the batch goes on.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use gauzian_client::download::{DownloadOptions, local_target};
use gauzian_client::upload::{UploadObserver, UploadOptions};
use gauzian_client::{ClientError, Drive, Entry, names};
use serde_json::{Value, json};

use crate::app::App;
use crate::output::{self, human_bytes};
use crate::progress::Reporter;

/// A local file to upload, with the folders between the remote target and it.
#[derive(Debug)]
pub(crate) struct UploadJob {
    pub local: PathBuf,
    pub folders: Vec<String>,
    pub name: String,
    pub size: u64,
}

/// Result of the local walk: folders to create (empty ones included),
/// files to send, and paths that cannot be uploaded.
#[derive(Debug, Default)]
pub(crate) struct UploadPlan {
    pub folders: Vec<Vec<String>>,
    pub files: Vec<UploadJob>,
    pub failures: Vec<(PathBuf, String)>,
    /// Paths left out of folder walks (gitignore semantics).
    pub exclude: Option<ignore::gitignore::Gitignore>,
}

impl UploadPlan {
    /// Adds a command-line path: a file, or a folder and everything below it.
    fn add(&mut self, path: &Path) {
        let name = match file_name(path) {
            Ok(name) => name,
            Err(reason) => return self.failures.push((path.to_owned(), reason)),
        };
        match std::fs::metadata(path) {
            Ok(info) if info.is_dir() => self.add_folder(path, vec![name]),
            Ok(info) if info.is_file() => self.add_file(path, Vec::new(), name, info.len()),
            Ok(_) => self
                .failures
                .push((path.to_owned(), "not a regular file or folder".to_owned())),
            Err(error) => self.failures.push((path.to_owned(), error.to_string())),
        }
    }

    fn add_file(&mut self, path: &Path, folders: Vec<String>, name: String, size: u64) {
        match path.canonicalize() {
            Ok(local) => self.files.push(UploadJob {
                local,
                folders,
                name,
                size,
            }),
            Err(error) => self.failures.push((path.to_owned(), error.to_string())),
        }
    }

    /// Walks a folder depth first, in name order. Symbolic links inside it are
    /// skipped, so a link loop cannot make the walk endless.
    pub fn add_folder(&mut self, path: &Path, folders: Vec<String>) {
        self.folders.push(folders.clone());
        let mut children: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect(),
            Err(error) => return self.failures.push((path.to_owned(), error.to_string())),
        };
        children.sort();
        for child in children {
            let name = match file_name(&child) {
                Ok(name) => name,
                Err(reason) => {
                    self.failures.push((child, reason));
                    continue;
                }
            };
            let info = std::fs::symlink_metadata(&child);
            if let (Some(exclude), Ok(info)) = (&self.exclude, &info)
                && exclude.matched(&child, info.is_dir()).is_ignore()
            {
                continue;
            }
            match info {
                Ok(info) if info.is_dir() => {
                    let mut below = folders.clone();
                    below.push(name);
                    self.add_folder(&child, below);
                }
                Ok(info) if info.is_file() => {
                    self.add_file(&child, folders.clone(), name, info.len())
                }
                Ok(info) if info.file_type().is_symlink() => {
                    tracing::warn!(path = %child.display(), "skipping a symbolic link");
                }
                Ok(_) => self
                    .failures
                    .push((child, "not a regular file or folder".to_owned())),
                Err(error) => self.failures.push((child, error.to_string())),
            }
        }
    }
}

/// The last component of a local path as UTF-8, NFC-normalized.
fn file_name(path: &Path) -> std::result::Result<String, String> {
    let absolute = if path.file_name().is_none() {
        path.canonicalize().map_err(|error| error.to_string())?
    } else {
        path.to_owned()
    };
    let name = absolute
        .file_name()
        .ok_or_else(|| "the path has no file name".to_owned())?
        .to_str()
        .ok_or_else(|| "the file name is not valid UTF-8".to_owned())?;
    Ok(names::normalize(name))
}

/// Remote folders created or found during a batch, by path below the target.
pub(crate) struct FolderCache {
    pub folders: HashMap<Vec<String>, Entry>,
}

impl FolderCache {
    pub async fn ensure(&mut self, drive: &Drive, path: &[String]) -> Result<Entry, ClientError> {
        for depth in 1..=path.len() {
            if self.folders.contains_key(&path[..depth]) {
                continue;
            }
            let parent = self.folders[&path[..depth - 1]].clone();
            let folder = drive.ensure_folder(&parent, &path[depth - 1]).await?;
            self.folders.insert(path[..depth].to_vec(), folder);
        }
        Ok(self.folders[path].clone())
    }
}

pub async fn upload(app: &App, paths: &[String], parallelism: usize) -> Result<()> {
    let Some((remote, locals)) = paths.split_last() else {
        bail!("give at least one local path and a remote folder");
    };
    let mut plan = UploadPlan::default();
    for local in locals {
        plan.add(Path::new(local));
    }

    let drive = app.open_drive().await?;
    let target = drive.resolve_folder(remote).await.with_context(|| {
        format!("{remote}: the remote folder must exist; create it with `gauzian mkdir`")
    })?;
    let mut cache = FolderCache {
        folders: HashMap::from([(Vec::new(), target)]),
    };

    let total_bytes = plan.files.iter().map(|job| job.size).sum();
    let reporter = app.reporter(total_bytes, plan.files.len());
    let mut results: Vec<Value> = Vec::new();
    let mut failed = 0;
    for (path, reason) in &plan.failures {
        reporter.error(&format!("error: {}: {reason}", path.display()));
        results.push(json!({ "local": path, "status": "failed", "error": reason }));
        failed += 1;
    }
    for folders in &plan.folders {
        if let Err(error) = cache.ensure(&drive, folders).await {
            reporter.error(&format!("error: {error}"));
            results.push(json!({ "remote": folders.join("/"), "status": "failed", "error": error.to_string() }));
            failed += 1;
        }
    }

    // Each remote folder is listed once for the whole batch, and the names
    // taken in it are checked here instead of by every upload.
    let options = UploadOptions {
        parallelism,
        check_existing: false,
        ..UploadOptions::default()
    };
    let mut taken: HashMap<Vec<String>, HashSet<String>> = HashMap::new();
    for job in &plan.files {
        let outcome = async {
            let names = match taken.entry(job.folders.clone()) {
                std::collections::hash_map::Entry::Occupied(names) => names.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let folder = cache.ensure(&drive, &job.folders).await?;
                    let listing = drive.list(&folder).await?;
                    slot.insert(
                        listing
                            .entries
                            .iter()
                            .map(|entry| entry.name().to_owned())
                            .collect(),
                    )
                }
            };
            if names.contains(&job.name) {
                let folder = &cache.folders[&job.folders];
                return Err(ClientError::AlreadyExists {
                    path: names::join_remote(&folder.path, &job.name),
                });
            }
            let entry = upload_one(app, &drive, &mut cache, job, &options, &reporter).await?;
            names.insert(job.name.clone());
            Ok(entry)
        }
        .await;
        match outcome {
            Ok(entry) => {
                reporter.message(&format!(
                    "uploaded {} → {} ({})",
                    job.local.display(),
                    entry.path,
                    human_bytes(job.size)
                ));
                results.push(json!({
                    "local": job.local,
                    "remote": entry.path,
                    "id": entry.id(),
                    "status": "uploaded",
                    "size": job.size,
                }));
            }
            Err(error) => {
                reporter.error(&format!("error: {}: {error}", job.local.display()));
                results.push(
                    json!({ "local": job.local, "status": "failed", "error": error.to_string() }),
                );
                failed += 1;
            }
        }
    }
    reporter.finish();

    if app.global.json {
        output::json(&results)?;
    }
    output::batch_result(
        failed,
        plan.failures.len() + plan.folders.len() + plan.files.len(),
    )
}

/// Uploads one file, resuming an upload that an earlier run left pending.
pub(crate) async fn upload_one(
    app: &App,
    drive: &Drive,
    cache: &mut FolderCache,
    job: &UploadJob,
    options: &UploadOptions,
    reporter: &Reporter,
) -> Result<Entry, ClientError> {
    let parent = cache.ensure(drive, &job.folders).await?;
    let progress = reporter.file(&job.name, job.size);
    let outcome = async {
        if let Some(pending) = app.profile.find_pending_upload(parent.id(), &job.local, &job.name) {
            match drive.resume_upload(&parent, &pending, options, &progress, &app.profile).await {
                Ok(entry) => return Ok(entry),
                Err(error @ (ClientError::FileChanged { .. } | ClientError::Api { status: 404, .. })) => {
                    tracing::info!(version = %pending.version_id, %error, "the pending upload cannot resume, starting again");
                    if let Err(error) = drive.api().cancel_upload(pending.version_id).await {
                        tracing::info!(version = %pending.version_id, %error, "cancelling the stale upload failed");
                    }
                    app.profile.ended(&pending);
                }
                Err(error) => return Err(error),
            }
        }
        drive
            .upload_file(&parent, &job.local, &job.name, options, &progress, &app.profile)
            .await
    }
    .await;
    progress.finish();
    outcome
}

/// A remote file to download and its local target.
#[derive(Debug)]
pub(crate) struct DownloadJob {
    pub entry: Entry,
    pub target: PathBuf,
}

pub async fn download(
    app: &App,
    remote: &str,
    local: &Path,
    force: bool,
    parallelism: usize,
) -> Result<()> {
    let drive = app.open_drive().await?;
    let entry = drive.resolve(remote).await?;
    let mut jobs = Vec::new();
    let mut failures: Vec<(String, String)> = Vec::new();

    if entry.is_folder() {
        let root_target = if local.is_dir() && entry.node.parent_id.is_some() {
            local_target(local, &entry)?
        } else {
            local.to_owned()
        };
        collect_folder(&drive, entry, root_target, &mut jobs, &mut failures).await?;
    } else {
        let target = if local.is_dir() {
            local_target(local, &entry)?
        } else {
            local.to_owned()
        };
        jobs.push(DownloadJob { entry, target });
    }

    let total_bytes = jobs.iter().filter_map(|job| job.entry.metadata.size).sum();
    let reporter = app.reporter(total_bytes, jobs.len());
    let mut results: Vec<Value> = Vec::new();
    for (path, reason) in &failures {
        reporter.error(&format!("error: {path}: {reason}"));
        results.push(json!({ "remote": path, "status": "failed", "error": reason }));
    }
    let options = DownloadOptions {
        parallelism,
        overwrite: force,
    };
    let mut failed = failures.len();
    for job in &jobs {
        let progress = reporter.file(job.entry.name(), job.entry.metadata.size.unwrap_or(0));
        let outcome = drive
            .download_file(&job.entry, &job.target, &options, &progress)
            .await;
        progress.finish();
        match outcome {
            Ok(size) => {
                reporter.message(&format!(
                    "downloaded {} → {} ({})",
                    job.entry.path,
                    job.target.display(),
                    human_bytes(size)
                ));
                results.push(json!({
                    "remote": job.entry.path,
                    "local": job.target,
                    "status": "downloaded",
                    "size": size,
                }));
            }
            Err(error) => {
                reporter.error(&format!("error: {error}"));
                results.push(json!({ "remote": job.entry.path, "status": "failed", "error": error.to_string() }));
                failed += 1;
            }
        }
    }
    reporter.finish();

    if app.global.json {
        output::json(&results)?;
    }
    output::batch_result(failed, failures.len() + jobs.len())
}

/// Walks a remote folder, creates its local folders and lists its files.
/// Children with unsafe names or that fail to open are recorded as failures
/// and skipped.
pub(crate) async fn collect_folder(
    drive: &Drive,
    root: Entry,
    root_target: PathBuf,
    jobs: &mut Vec<DownloadJob>,
    failures: &mut Vec<(String, String)>,
) -> Result<()> {
    let mut queue = vec![(root, root_target)];
    while let Some((folder, directory)) = queue.pop() {
        match std::fs::create_dir(&directory) {
            Ok(()) => {}
            Err(error)
                if error.kind() == std::io::ErrorKind::AlreadyExists && directory.is_dir() => {}
            Err(error) => {
                failures.push((
                    folder.path.clone(),
                    format!("cannot create {}: {error}", directory.display()),
                ));
                continue;
            }
        }
        let listing = match drive.list(&folder).await {
            Ok(listing) => listing,
            Err(error) => {
                failures.push((folder.path.clone(), error.to_string()));
                continue;
            }
        };
        for (id, error) in listing.failures {
            failures.push((format!("{} (node {id})", folder.path), error.to_string()));
        }
        for child in listing.entries {
            let target = match local_target(&directory, &child) {
                Ok(target) => target,
                Err(error) => {
                    failures.push((folder.path.clone(), error.to_string()));
                    continue;
                }
            };
            if child.is_folder() {
                queue.push((child, target));
            } else {
                jobs.push(DownloadJob {
                    entry: child,
                    target,
                });
            }
        }
    }
    Ok(())
}
