//! One module per group of commands.

mod account;
mod backup;
mod drive;
mod organize;
mod shares;
mod transfer;

use anyhow::Result;

use crate::app::App;
use crate::cli::Command;

/// Runs one command.
pub async fn dispatch(app: &App, command: Command) -> Result<()> {
    match command {
        Command::Register {
            email,
            recovery_key_file,
        } => account::register(app, &email, recovery_key_file.as_deref()).await,
        Command::Login { email } => account::login(app, &email).await,
        Command::Logout => account::logout(app).await,
        Command::Whoami => account::whoami(app).await,
        Command::Passwd { new_password_file } => {
            account::passwd(app, new_password_file.as_deref()).await
        }
        Command::Recover {
            email,
            recovery_key_file,
            new_password_file,
        } => {
            account::recover(
                app,
                &email,
                recovery_key_file.as_deref(),
                new_password_file.as_deref(),
            )
            .await
        }
        Command::Ls { remote } => drive::ls(app, &remote).await,
        Command::Mkdir { remote, parents } => drive::mkdir(app, &remote, parents).await,
        Command::Upload { paths, parallel } => transfer::upload(app, &paths, parallel.into()).await,
        Command::Download {
            remote,
            local,
            force,
            parallel,
        } => transfer::download(app, &remote, &local, force, parallel.into()).await,
        Command::Mv {
            source,
            destination,
        } => organize::mv(app, &source, &destination).await,
        Command::Rm { remotes } => organize::rm(app, &remotes).await,
        Command::Trash { action } => organize::trash(app, action).await,
        Command::Share {
            remote,
            email,
            role,
            fingerprint,
        } => shares::share(app, &remote, &email, role, fingerprint.as_deref()).await,
        Command::Shares => shares::list(app).await,
        Command::Accept { id } => shares::accept(app, id).await,
        Command::Decline { id } => shares::decline(app, id).await,
        Command::Unshare { target, email } => shares::unshare(app, &target, email.as_deref()).await,
        Command::Backup {
            source,
            remote,
            exclude,
            dry_run,
            parallel,
        } => {
            let options = backup::BackupOptions {
                excludes: &exclude,
                dry_run,
                parallelism: parallel.into(),
            };
            backup::backup(app, &source, &remote, &options).await
        }
        Command::Restore {
            remote,
            destination,
            force,
            parallel,
        } => {
            let options = backup::RestoreOptions {
                overwrite: force,
                parallelism: parallel.into(),
            };
            backup::restore(app, &remote, &destination, &options).await
        }
        // Handled before the runtime starts.
        Command::Completions { .. } => Ok(()),
    }
}
