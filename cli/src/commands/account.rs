//! `register`, `login`, `logout`, `whoami`.

use std::path::Path;

use anyhow::{Context, Result};
use gauzian_client::account::{self, PreparedRegistration};
use gauzian_client::{Api, ClientError};
use gauzian_crypto::Fingerprint;
use serde_json::json;

use crate::app::App;
use crate::config::SessionFile;
use crate::{output, secrets};

pub async fn register(app: &App, email: &str, recovery_key_file: Option<&Path>) -> Result<()> {
    let server = app.server(None);
    let api = Api::new(&server)?;
    secrets::check_recovery_key_delivery(recovery_key_file)?;
    let password = secrets::read_new_password(app.global.password_file.as_deref(), email)?;

    app.message("Generating keys (RSA-4096 takes a few seconds)…");
    let prepared = PreparedRegistration::generate(email, &password).await?;
    let fingerprint = prepared.fingerprint();
    secrets::deliver_recovery_key(prepared.recovery_key(), recovery_key_file)?;

    let registered = match prepared.submit(&api).await {
        Ok(registered) => registered,
        Err(error) => {
            // The key written for this attempt belongs to no account.
            if let Some(file) = recovery_key_file {
                let _ = std::fs::remove_file(file);
            }
            return Err(error).with_context(|| format!("registering {email} on {server} failed"));
        }
    };

    let (session, _drive) = account::login(&api, email, &password).await?;
    app.profile.save_session(&SessionFile {
        server: api.server().to_owned(),
        email: email.trim().to_owned(),
        token: session.token.expose_secret().to_owned(),
        expires_at: session.expires_at,
    })?;

    if app.global.json {
        output::json(&json!({
            "user_id": registered.user_id,
            "email": email.trim(),
            "server": server,
            "fingerprint": fingerprint.to_string(),
        }))?;
    } else {
        app.message(&format!(
            "Registered {} on {server} and logged in.\nKey fingerprint: {fingerprint}",
            email.trim()
        ));
    }
    Ok(())
}

pub async fn login(app: &App, email: &str) -> Result<()> {
    let previous = app.profile.load_session().ok().flatten();
    let server = app.server(previous.as_ref());
    let api = Api::new(&server)?;
    let password = secrets::read_password(app.global.password_file.as_deref(), email)?;

    let (session, drive) = account::login(&api, email, &password)
        .await
        .with_context(|| format!("logging in to {server} as {email} failed"))?;
    app.profile.save_session(&SessionFile {
        server: api.server().to_owned(),
        email: email.trim().to_owned(),
        token: session.token.expose_secret().to_owned(),
        expires_at: session.expires_at,
    })?;

    if app.global.json {
        output::json(&json!({
            "user_id": drive.account().user_id,
            "email": drive.account().email,
            "server": server,
            "expires_at": session.expires_at,
        }))?;
    } else {
        app.message(&format!(
            "Logged in to {server} as {}.",
            drive.account().email
        ));
    }
    Ok(())
}

pub async fn logout(app: &App) -> Result<()> {
    let Some(session) = app.profile.load_session()? else {
        app.message("Not logged in.");
        return Ok(());
    };
    let api = Api::new(&session.server)?.with_token(session.token());
    match api.logout().await {
        Ok(()) | Err(ClientError::Unauthenticated) => {}
        Err(error) => {
            // The local session goes anyway; the token expires on its own.
            tracing::warn!(%error, "the server did not confirm the logout");
        }
    }
    app.profile.delete_session()?;
    if app.global.json {
        output::json(&json!({ "logged_out": session.email }))?;
    } else {
        app.message(&format!(
            "Logged out {} from {}.",
            session.email, session.server
        ));
    }
    Ok(())
}

pub async fn whoami(app: &App) -> Result<()> {
    let session = app.session()?;
    let api = Api::new(&session.server)?.with_token(session.token());
    let account = api.account().await?;
    let fingerprint = Fingerprint::of_spki(account.public_key.as_slice());

    if app.global.json {
        output::json(&json!({
            "user_id": account.user_id,
            "email": account.email,
            "server": session.server,
            "fingerprint": fingerprint.to_string(),
            "expires_at": session.expires_at,
        }))?;
    } else {
        output::line(&format!(
            "{}\nserver: {}\nuser id: {}\nkey fingerprint: {fingerprint}",
            account.email, session.server, account.user_id
        ))?;
    }
    Ok(())
}

pub async fn passwd(app: &App, new_password_file: Option<&Path>) -> Result<()> {
    let session = app.session()?;
    let api = Api::new(&session.server)?;
    let current = secrets::read_password(app.global.password_file.as_deref(), &session.email)?;
    let new = secrets::read_new_password(new_password_file, &session.email)?;

    let authenticated = api.clone().with_token(session.token());
    account::change_password(&authenticated, &current, &new)
        .await
        .context("changing the password failed; the old password still works")?;

    // The change ended every session: log in again with the new password.
    let (renewed, _drive) = account::login(&api, &session.email, &new).await?;
    app.profile.save_session(&SessionFile {
        server: session.server.clone(),
        email: session.email.clone(),
        token: renewed.token.expose_secret().to_owned(),
        expires_at: renewed.expires_at,
    })?;
    if app.global.json {
        output::json(&json!({ "email": session.email, "password_changed": true }))?;
    } else {
        app.message("Password changed. Other sessions of this account were logged out.");
    }
    Ok(())
}

pub async fn recover(
    app: &App,
    email: &str,
    recovery_key_file: Option<&Path>,
    new_password_file: Option<&Path>,
) -> Result<()> {
    let previous = app.profile.load_session().ok().flatten();
    let server = app.server(previous.as_ref());
    let api = Api::new(&server)?;
    let recovery_key = secrets::read_recovery_key(recovery_key_file)?;
    let new = secrets::read_new_password(new_password_file, email)?;

    match account::reset_password(&api, email, &recovery_key, &new).await {
        Ok(()) => {}
        Err(ClientError::InvalidCredentials) => {
            anyhow::bail!(
                "the server rejected the recovery key for {email}: check the email and the key you saved"
            );
        }
        Err(error) => return Err(error).context("resetting the password failed"),
    }

    let (session, _drive) = account::login(&api, email, &new).await?;
    app.profile.save_session(&SessionFile {
        server: api.server().to_owned(),
        email: email.trim().to_owned(),
        token: session.token.expose_secret().to_owned(),
        expires_at: session.expires_at,
    })?;
    if app.global.json {
        output::json(&json!({ "email": email.trim(), "password_reset": true }))?;
    } else {
        app.message(&format!(
            "New password set for {}; you are logged in. The recovery key stays the same.",
            email.trim()
        ));
    }
    Ok(())
}
