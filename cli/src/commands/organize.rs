//! `mv`, `rm` and `trash`.

use std::io::{IsTerminal, Write};

use anyhow::{Result, bail};
use gauzian_client::{ClientError, Drive, Entry, names};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::cli::TrashAction;
use crate::commands::drive::{entry_json, split_parent};
use crate::output;

pub async fn mv(app: &App, source: &str, destination: &str) -> Result<()> {
    let drive = app.open_drive().await?;
    let (source_parent, _) = split_parent(source)?;
    let parent = drive.resolve_folder(&source_parent).await?;
    let entry = drive.resolve(source).await?;

    let (new_parent, new_name) = match drive.resolve(destination).await {
        Ok(target) if target.is_folder() => (target, entry.name().to_owned()),
        Ok(target) if target.id() == entry.id() => {
            app.message(&format!("{} is already there", entry.path));
            return Ok(());
        }
        Ok(target) => return Err(ClientError::AlreadyExists { path: target.path }.into()),
        Err(error) if error.is_not_found() => {
            let (folder, name) = split_parent(destination)?;
            (drive.resolve_folder(&folder).await?, name)
        }
        Err(error) => return Err(error.into()),
    };
    if is_within(&new_parent, &entry) {
        bail!("{}: cannot move a folder into itself", entry.path);
    }

    let moved = drive
        .move_entry(&entry, &parent, &new_parent, &new_name)
        .await?;
    if app.global.json {
        output::json(&entry_json(&moved))?;
    } else {
        app.message(&format!("moved {} → {}", entry.path, moved.path));
    }
    Ok(())
}

/// Whether `folder` is `ancestor` or lies below it, from their paths (both
/// were resolved from the root in this run).
fn is_within(folder: &Entry, ancestor: &Entry) -> bool {
    let prefix = format!("{}/", ancestor.path.trim_end_matches('/'));
    folder.id() == ancestor.id() || folder.path.starts_with(&prefix)
}

pub async fn rm(app: &App, remotes: &[String]) -> Result<()> {
    let drive = app.open_drive().await?;
    let mut results: Vec<Value> = Vec::new();
    let mut failed = 0;
    for remote in remotes {
        let outcome = async {
            let entry = drive.resolve(remote).await?;
            drive.trash_entry(&entry).await?;
            Ok::<_, ClientError>(entry)
        }
        .await;
        match outcome {
            Ok(entry) => {
                app.message(&format!("moved {} to the trash", entry.path));
                results
                    .push(json!({ "remote": entry.path, "id": entry.id(), "status": "trashed" }));
            }
            Err(error) => {
                eprintln!("error: {remote}: {error}");
                results.push(
                    json!({ "remote": remote, "status": "failed", "error": error.to_string() }),
                );
                failed += 1;
            }
        }
    }
    if app.global.json {
        output::json(&results)?;
    }
    output::batch_result(failed, remotes.len())
}

pub async fn trash(app: &App, action: TrashAction) -> Result<()> {
    let drive = app.open_drive().await?;
    match action {
        TrashAction::List => list(app, &drive).await,
        TrashAction::Restore { items } => restore(app, &drive, &items).await,
        TrashAction::Empty { yes } => empty(app, &drive, yes).await,
    }
}

async fn list(app: &App, drive: &Drive) -> Result<()> {
    let (entries, failures) = drive.trash().await?;
    for (id, error) in &failures {
        eprintln!("error: trashed node {id} cannot be opened: {error}");
    }
    if app.global.json {
        let entries: Vec<Value> = entries.iter().map(entry_json).collect();
        let failures: Vec<Value> = failures
            .iter()
            .map(|(id, error)| json!({ "id": id, "error": error.to_string() }))
            .collect();
        output::json(&json!({ "entries": entries, "failures": failures }))?;
    } else {
        for entry in &entries {
            let kind = if entry.is_folder() { 'd' } else { '-' };
            output::line(&format!("{} {kind} {}", entry.id(), entry.path))?;
        }
    }
    output::batch_result(failures.len(), failures.len() + entries.len())
}

async fn restore(app: &App, drive: &Drive, items: &[String]) -> Result<()> {
    let (trashed, _) = drive.trash().await?;
    let mut results: Vec<Value> = Vec::new();
    let mut failed = 0;
    for item in items {
        let id = match Uuid::parse_str(item) {
            Ok(id) => Some(id),
            Err(_) => {
                let former_path = format!("/{}", names::split_remote_path(item)?.join("/"));
                trashed
                    .iter()
                    .find(|entry| entry.path == former_path)
                    .map(Entry::id)
            }
        };
        let outcome = match id {
            Some(id) => drive.restore_from_trash(id).await,
            None => Err(ClientError::NotFound {
                path: format!("{item} (in the trash)"),
            }),
        };
        match outcome {
            Ok(entry) => {
                app.message(&format!("restored {}", entry.path));
                results.push(json!({ "item": item, "remote": entry.path, "status": "restored" }));
            }
            Err(error) => {
                eprintln!("error: {error}");
                results
                    .push(json!({ "item": item, "status": "failed", "error": error.to_string() }));
                failed += 1;
            }
        }
    }
    if app.global.json {
        output::json(&results)?;
    }
    output::batch_result(failed, items.len())
}

async fn empty(app: &App, drive: &Drive, yes: bool) -> Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("emptying the trash deletes its files for good: pass --yes to confirm");
        }
        let mut terminal = std::io::stderr();
        write!(terminal, "Delete everything in the trash for good? [y/N] ")?;
        terminal.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("the trash was not emptied");
        }
    }
    drive.api().empty_trash().await?;
    if app.global.json {
        output::json(&json!({ "emptied": true }))?;
    } else {
        app.message("The trash is empty.");
    }
    Ok(())
}
