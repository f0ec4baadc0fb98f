//! `ls`, `mkdir`.

use std::time::{Duration, UNIX_EPOCH};

use anyhow::Result;
use gauzian_client::{Entry, names};
use serde_json::{Value, json};

use crate::app::App;
use crate::output;

/// JSON form of an entry, as `ls --json` prints it.
pub fn entry_json(entry: &Entry) -> Value {
    json!({
        "name": entry.name(),
        "path": entry.path,
        "id": entry.id(),
        "kind": if entry.is_folder() { "folder" } else { "file" },
        "size": entry.metadata.size,
        "mime_type": entry.metadata.mime_type,
        "modified_at": entry.metadata.modified_at,
        "sha256": entry.metadata.sha256.map(|digest| digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>()),
    })
}

/// One `ls` line: kind, size, modification time (UTC), name.
fn entry_line(entry: &Entry) -> String {
    let kind = if entry.is_folder() { 'd' } else { '-' };
    let size = match entry.metadata.size {
        Some(size) if !entry.is_folder() => size.to_string(),
        _ => "-".to_owned(),
    };
    let modified = entry
        .metadata
        .modified_at
        .or(Some(entry.node.updated_at))
        .and_then(|ms| u64::try_from(ms).ok())
        .map(|ms| {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
        })
        .unwrap_or_else(|| "-".to_owned());
    let name = entry.name();
    let shown = if name.chars().any(char::is_control) {
        names::display_name(name)
    } else {
        name.to_owned()
    };
    let suffix = if entry.is_folder() { "/" } else { "" };
    format!("{kind} {size:>12} {modified} {shown}{suffix}")
}

pub async fn ls(app: &App, remote: &str) -> Result<()> {
    let drive = app.open_drive().await?;
    if remote.trim_end_matches('/') == gauzian_client::shares::SHARED_PREFIX {
        return list_accepted_shares(app, &drive).await;
    }
    let target = drive.resolve(remote).await?;
    if !target.is_folder() {
        if app.global.json {
            output::json(
                &json!({ "path": target.path, "entries": [entry_json(&target)], "failures": [] }),
            )?;
        } else {
            output::line(&entry_line(&target))?;
        }
        return Ok(());
    }

    let listing = drive.list(&target).await?;
    for (id, error) in &listing.failures {
        eprintln!(
            "error: {}: node {id} cannot be opened: {error}",
            target.path
        );
    }
    if app.global.json {
        let entries: Vec<Value> = listing.entries.iter().map(entry_json).collect();
        let failures: Vec<Value> = listing
            .failures
            .iter()
            .map(|(id, error)| json!({ "id": id, "error": error.to_string() }))
            .collect();
        output::json(&json!({ "path": target.path, "entries": entries, "failures": failures }))?;
    } else {
        for entry in &listing.entries {
            output::line(&entry_line(entry))?;
        }
    }
    output::batch_result(
        listing.failures.len(),
        listing.failures.len() + listing.entries.len(),
    )
}

/// Lists the shares accepted from other users, as `ls shared:` shows them.
async fn list_accepted_shares(app: &App, drive: &gauzian_client::Drive) -> Result<()> {
    let mut entries = Vec::new();
    let mut failed = 0;
    let shares = drive.api().incoming_shares().await?;
    let accepted: Vec<_> = shares
        .iter()
        .filter(|share| share.status == gauzian_client::api::ShareStatus::Accepted)
        .collect();
    for share in &accepted {
        match drive.open_share(share).await {
            Ok(entry) => entries.push(entry),
            Err(error) => {
                eprintln!("error: share {}: {error}", share.id);
                failed += 1;
            }
        }
    }
    if app.global.json {
        let entries: Vec<Value> = entries.iter().map(entry_json).collect();
        output::json(&json!({ "path": "shared:", "entries": entries }))?;
    } else {
        for entry in &entries {
            output::line(&entry_line(entry))?;
        }
    }
    output::batch_result(failed, accepted.len())
}

/// Splits a remote path into its parent's path and its last component:
/// `/a/b` into `/a` and `b`, `shared:docs/x` into `shared:docs` and `x`.
pub fn split_parent(remote: &str) -> Result<(String, String)> {
    let trimmed = remote.trim_end_matches('/');
    let (parent, name) = match trimmed.rsplit_once('/') {
        Some((parent, name)) => (parent, name),
        None if trimmed.starts_with(gauzian_client::shares::SHARED_PREFIX)
            || trimmed.is_empty() =>
        {
            anyhow::bail!(
                "{remote}: a root folder or a share itself cannot be created, moved or deleted here"
            );
        }
        None => ("/", trimmed),
    };
    names::check_name(name)?;
    let parent = if parent.is_empty() { "/" } else { parent };
    Ok((parent.to_owned(), names::normalize(name)))
}

pub async fn mkdir(app: &App, remote: &str, parents: bool) -> Result<()> {
    let drive = app.open_drive().await?;
    let (parent_path, name) = split_parent(remote)?;
    let parent = if parents {
        drive.ensure_path(&parent_path).await?
    } else {
        drive.resolve_folder(&parent_path).await.map_err(|error| {
            let hint = if error.is_not_found() {
                "; pass -p to create missing parents"
            } else {
                ""
            };
            anyhow::anyhow!("{error}{hint}")
        })?
    };
    let folder = if parents {
        drive.ensure_folder(&parent, &name).await?
    } else {
        drive.create_folder(&parent, &name).await?
    };

    if app.global.json {
        output::json(&entry_json(&folder))?;
    } else {
        app.message(&format!("Created {}", folder.path));
    }
    Ok(())
}
