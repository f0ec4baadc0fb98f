//! `share`, `shares`, `accept`, `decline`, `unshare`.

use std::io::{IsTerminal, Write};

use anyhow::{Result, bail};
use gauzian_client::api::{Share, ShareRole, ShareStatus};
use gauzian_client::{ClientError, Drive};
use gauzian_crypto::Fingerprint;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::App;
use crate::cli::Role;
use crate::output;

pub async fn share(
    app: &App,
    remote: &str,
    email: &str,
    role: Role,
    pinned: Option<&str>,
) -> Result<()> {
    let drive = app.open_drive().await?;
    let entry = drive.resolve(remote).await?;
    let recipient = drive.recipient(email).await?;
    let fingerprint = recipient.public_key.fingerprint();

    // The fingerprint is computed here from the key that will be used, so a
    // server that substitutes its own key is caught by the comparison.
    match pinned {
        Some(pinned) => {
            if Fingerprint::parse(pinned)? != fingerprint {
                bail!(
                    "the key of {email} has fingerprint {fingerprint}, not {pinned}: nothing was shared; check the fingerprint with {email}"
                );
            }
        }
        None => {
            eprintln!("Key fingerprint of {email}: {fingerprint}");
            if std::io::stdin().is_terminal() {
                let mut terminal = std::io::stderr();
                write!(
                    terminal,
                    "Does {email} see the same fingerprint (compare it with them directly)? [y/N] "
                )?;
                terminal.flush()?;
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    bail!("nothing was shared");
                }
            }
        }
    }

    let role = match role {
        Role::Viewer => ShareRole::Viewer,
        Role::Editor => ShareRole::Editor,
    };
    let created = drive.share(&entry, &recipient, role).await?;
    if app.global.json {
        output::json(&json!({
            "id": created.id,
            "remote": entry.path,
            "recipient": created.recipient_email,
            "role": created.role,
            "status": created.status,
            "fingerprint": fingerprint.to_string(),
        }))?;
    } else {
        app.message(&format!(
            "Shared {} with {} as {:?} (share {}); they accept it with `gauzian accept {}`.",
            entry.path, created.recipient_email, created.role, created.id, created.id
        ));
    }
    Ok(())
}

/// JSON form of a share, with the name or path when it opens.
fn share_json(share: &Share, shown: &str) -> Value {
    json!({
        "id": share.id,
        "node_id": share.node_id,
        "name": shown,
        "kind": share.node_kind,
        "owner": share.owner_email,
        "recipient": share.recipient_email,
        "role": share.role,
        "status": share.status,
        "created_at": share.created_at,
    })
}

pub async fn list(app: &App) -> Result<()> {
    let drive = app.open_drive().await?;
    let incoming = drive.api().incoming_shares().await?;
    let outgoing = drive.api().outgoing_shares().await?;

    let mut incoming_rows = Vec::new();
    for share in &incoming {
        // A pending share grants no access yet, so its name cannot be read
        // before `accept`.
        if share.status == ShareStatus::Pending {
            incoming_rows.push((share, "(name shown once accepted)".to_owned()));
            continue;
        }
        let shown = match drive.open_share(share).await {
            Ok(entry) => entry.path,
            Err(error) => format!("(cannot be opened: {error})"),
        };
        incoming_rows.push((share, shown));
    }
    let mut outgoing_rows = Vec::new();
    for share in &outgoing {
        let shown = match open_own(&drive, share).await {
            Ok(path) => path,
            Err(error) => format!("(cannot be opened: {error})"),
        };
        outgoing_rows.push((share, shown));
    }

    if app.global.json {
        let incoming: Vec<Value> = incoming_rows
            .iter()
            .map(|(share, shown)| share_json(share, shown))
            .collect();
        let outgoing: Vec<Value> = outgoing_rows
            .iter()
            .map(|(share, shown)| share_json(share, shown))
            .collect();
        return output::json(&json!({ "incoming": incoming, "outgoing": outgoing }));
    }
    for (share, shown) in &incoming_rows {
        output::line(&format!(
            "incoming {} {:?} {:?} from {} {shown}",
            share.id, share.status, share.role, share.owner_email
        ))?;
    }
    for (share, shown) in &outgoing_rows {
        output::line(&format!(
            "outgoing {} {:?} {:?} to {} {shown}",
            share.id, share.status, share.role, share.recipient_email
        ))?;
    }
    Ok(())
}

/// Path of a node this account owns and shared.
async fn open_own(drive: &Drive, share: &Share) -> Result<String, ClientError> {
    let node = drive.api().node(share.node_id).await?;
    Ok(drive.open_node(node).await?.path)
}

pub async fn accept(app: &App, id: Uuid) -> Result<()> {
    let drive = app.open_drive().await?;
    let share = drive.api().accept_share(id).await?;
    let entry = drive.open_share(&share).await?;
    if app.global.json {
        output::json(&share_json(&share, &entry.path))?;
    } else {
        app.message(&format!(
            "Accepted {} from {}; it is at {}",
            entry.name(),
            share.owner_email,
            entry.path
        ));
    }
    Ok(())
}

pub async fn decline(app: &App, id: Uuid) -> Result<()> {
    let drive = app.open_drive().await?;
    let incoming = drive.api().incoming_shares().await?;
    if !incoming.iter().any(|share| share.id == id) {
        return Err(ClientError::NotFound {
            path: format!("incoming share {id}"),
        }
        .into());
    }
    drive.api().delete_share(id).await?;
    if app.global.json {
        output::json(&json!({ "id": id, "status": "declined" }))?;
    } else {
        app.message(&format!("Declined share {id}."));
    }
    Ok(())
}

pub async fn unshare(app: &App, target: &str, email: Option<&str>) -> Result<()> {
    let drive = app.open_drive().await?;
    let outgoing = drive.api().outgoing_shares().await?;
    let revoked: Vec<&Share> = match (Uuid::parse_str(target), email) {
        (Ok(id), None) => outgoing.iter().filter(|share| share.id == id).collect(),
        (_, Some(email)) => {
            let entry = drive.resolve(target).await?;
            outgoing
                .iter()
                .filter(|share| {
                    share.node_id == entry.id()
                        && share.recipient_email.eq_ignore_ascii_case(email.trim())
                })
                .collect()
        }
        (Err(_), None) => {
            bail!("give a share id, or the shared path followed by the recipient's email")
        }
    };
    if revoked.is_empty() {
        bail!(
            "no share of yours matches {target}{}",
            email
                .map(|email| format!(" with {email}"))
                .unwrap_or_default()
        );
    }
    for share in &revoked {
        drive.api().delete_share(share.id).await?;
        app.message(&format!(
            "Revoked share {} with {}.",
            share.id, share.recipient_email
        ));
    }
    if app.global.json {
        let ids: Vec<Uuid> = revoked.iter().map(|share| share.id).collect();
        output::json(&json!({ "revoked": ids }))?;
    }
    Ok(())
}
