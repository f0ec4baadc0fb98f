//! Logs in to a Gauzian server, prints the decrypted listing of a folder,
//! and optionally uploads a file into it, using the `gauzian-client` crate.
//!
//! ```text
//! GAUZIAN_EMAIL=ada@example.com GAUZIAN_PASSWORD_FILE=password.txt \
//!     cargo run -p gauzian-client --example list_drive -- http://127.0.0.1:8080 / [FILE]
//! ```

use std::path::Path;

use gauzian_client::upload::UploadOptions;
use gauzian_client::{Api, NoProgress, account};
use gauzian_crypto::Password;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let server = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let folder = args.next().unwrap_or_else(|| "/".to_owned());
    let upload = args.next();
    let email = std::env::var("GAUZIAN_EMAIL").map_err(|_| "set GAUZIAN_EMAIL")?;
    let password_file =
        std::env::var("GAUZIAN_PASSWORD_FILE").map_err(|_| "set GAUZIAN_PASSWORD_FILE")?;
    let password_text = std::fs::read_to_string(&password_file)?;
    let password = Password::new(password_text.lines().next().unwrap_or_default().to_owned());

    let api = Api::new(&server)?;
    let (_session, drive) = account::login(&api, &email, &password).await?;
    let folder = drive.resolve_folder(&folder).await?;

    if let Some(local) = upload {
        let local = Path::new(&local);
        let name = local
            .file_name()
            .and_then(|name| name.to_str())
            .ok_or("the file name is not valid UTF-8")?;
        let options = UploadOptions::default();
        let entry = drive
            .upload_file(&folder, local, name, &options, &NoProgress, &())
            .await?;
        println!("uploaded {}", entry.path);
    }

    let listing = drive.list(&folder).await?;
    for entry in &listing.entries {
        let kind = if entry.is_folder() { "folder" } else { "file" };
        let size = entry.metadata.size.unwrap_or(0);
        println!("{kind:6} {size:>12} {}", entry.path);
    }
    for (id, error) in &listing.failures {
        eprintln!("node {id} cannot be opened: {error}");
    }
    Ok(())
}
