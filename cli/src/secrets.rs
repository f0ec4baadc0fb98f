//! Passwords and the recovery key: read from a file or a no-echo prompt,
//! wiped after use, and never printed except the recovery key, once, on the
//! terminal.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use gauzian_crypto::Password;
use gauzian_crypto::recovery::RecoveryKey;
use zeroize::Zeroizing;

/// Shortest password accepted at registration.
const MIN_PASSWORD_CHARS: usize = 10;

/// Reads the account password: the first line of `file` when given, else a
/// prompt on the terminal.
pub fn read_password(file: Option<&Path>, email: &str) -> Result<Password> {
    if let Some(file) = file {
        return read_password_file(file);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "no password: pass --password-file FILE (or set GAUZIAN_PASSWORD_FILE) when not on a terminal"
        );
    }
    let typed = Zeroizing::new(
        rpassword::prompt_password(format!("Password for {email}: "))
            .context("cannot read the password from the terminal")?,
    );
    Ok(Password::new(typed.to_string()))
}

/// Reads a new password for registration, asking twice on a terminal.
pub fn read_new_password(file: Option<&Path>, email: &str) -> Result<Password> {
    let password = match file {
        Some(file) => read_password_file(file)?,
        None => {
            let first = read_password(None, email)?;
            let second = Zeroizing::new(
                rpassword::prompt_password("Repeat the password: ")
                    .context("cannot read the password from the terminal")?,
            );
            if first.expose_secret() != second.as_str() {
                bail!("the two passwords differ; nothing was registered");
            }
            first
        }
    };
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password is too short: use at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

fn read_password_file(file: &Path) -> Result<Password> {
    let text = Zeroizing::new(
        std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the password file {}", file.display()))?,
    );
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!("the password file {} is empty", file.display());
    }
    Ok(Password::new(line.to_owned()))
}

/// Fails early, before keys are generated, when the recovery key could be
/// neither written to a file nor shown on a terminal.
pub fn check_recovery_key_delivery(file: Option<&Path>) -> Result<()> {
    match file {
        None if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() => {
            bail!("cannot show the recovery key: not on a terminal; pass --recovery-key-file FILE")
        }
        // The key is written with create_new, so an existing file would
        // fail only after the keys were generated.
        Some(file) if file.exists() => bail!(
            "the recovery key file {} already exists: choose a new path, so that no earlier key is lost",
            file.display()
        ),
        _ => Ok(()),
    }
}

/// Hands the recovery key to the user: written to `file` (mode 0600) for
/// scripts, or shown once on the terminal with a confirmation that it was
/// saved. Returns an error, before anything is registered, when neither works.
pub fn deliver_recovery_key(key: &RecoveryKey, file: Option<&Path>) -> Result<()> {
    let text = key.to_display_string();
    if let Some(file) = file {
        let mut contents = Zeroizing::new(text.as_bytes().to_vec());
        contents.push(b'\n');
        return crate::config::create_private(file, &contents);
    }
    check_recovery_key_delivery(None)?;

    let mut terminal = std::io::stderr();
    writeln!(
        terminal,
        "\nYour recovery key (shown once; it resets a forgotten password without losing data):\n\n    {}\n\nStore it somewhere safe, away from this computer.",
        text.as_str()
    )?;
    write!(terminal, "Type 'saved' once you have stored it: ")?;
    terminal.flush()?;
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("cannot read the confirmation")?;
    if answer.trim() != "saved" {
        bail!("the recovery key was not confirmed; nothing was registered");
    }
    Ok(())
}

/// Reads a recovery key from `file`, or from a no-echo prompt, and checks
/// its checksum before anything is sent.
pub fn read_recovery_key(file: Option<&Path>) -> Result<RecoveryKey> {
    let text = match file {
        Some(file) => Zeroizing::new(
            std::fs::read_to_string(file)
                .with_context(|| format!("cannot read the recovery key file {}", file.display()))?,
        ),
        None => {
            if !std::io::stdin().is_terminal() {
                bail!("no recovery key: pass --recovery-key-file FILE when not on a terminal");
            }
            Zeroizing::new(
                rpassword::prompt_password("Recovery key: ")
                    .context("cannot read the recovery key from the terminal")?,
            )
        }
    };
    Ok(RecoveryKey::parse(&text)?)
}
