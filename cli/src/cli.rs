//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const EXIT_CODES: &str = "\
Exit status:
  0  success
  1  the command failed
  2  invalid arguments
  3  some files of a batch failed (each is reported on stderr, or in --json)
  4  not logged in, session expired, or wrong email or password";

/// End-to-end-encrypted drive: every name and byte is encrypted before it
/// leaves this machine.
#[derive(Debug, Parser)]
#[command(name = "gauzian", version, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Server base URL [default: the logged-in server, else http://127.0.0.1:8080]
    #[arg(long, global = true, env = "GAUZIAN_SERVER", value_name = "URL")]
    pub server: Option<String>,

    /// Account profile, for several accounts on one machine
    #[arg(
        long,
        global = true,
        env = "GAUZIAN_PROFILE",
        default_value = "default"
    )]
    pub profile: String,

    /// Read the password from the first line of FILE instead of prompting
    #[arg(
        long,
        global = true,
        env = "GAUZIAN_PASSWORD_FILE",
        value_name = "FILE"
    )]
    pub password_file: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (and no progress bars)
    #[arg(long, global = true)]
    pub json: bool,

    /// Print only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more on stderr (-vv for debug logs)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account and log in to it
    Register {
        /// Account email
        email: String,
        /// Write the recovery key to FILE (mode 0600) instead of showing it;
        /// for scripts. The file must not exist.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
    },
    /// Log in and store the session token in the configuration directory
    Login {
        /// Account email
        email: String,
    },
    /// Revoke the session on the server and delete the local session file
    Logout,
    /// Show the logged-in account
    Whoami,
    /// Change the password; files and shares stay as they are
    Passwd {
        /// Read the new password from the first line of FILE instead of
        /// prompting
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Set a new password with the recovery key, after forgetting the old one
    Recover {
        /// Account email
        email: String,
        /// Read the recovery key from FILE instead of prompting
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<PathBuf>,
        /// Read the new password from the first line of FILE instead of
        /// prompting
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// List a folder, or show one file
    Ls {
        /// Remote path
        #[arg(default_value = "/")]
        remote: String,
    },
    /// Create a folder
    Mkdir {
        /// Remote path of the new folder
        remote: String,
        /// Create missing parent folders too, and succeed if it exists
        #[arg(short, long)]
        parents: bool,
    },
    /// Upload files and folders (recursively) into a remote folder
    #[command(override_usage = "gauzian upload [OPTIONS] LOCAL... REMOTE_DIR")]
    Upload {
        /// Local files or folders, then the existing remote folder
        #[arg(required = true, num_args = 2.., value_name = "PATH")]
        paths: Vec<String>,
        /// Chunks sent at the same time per file
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        parallel: u16,
    },
    /// Download a remote file or folder (recursively)
    Download {
        /// Remote path
        remote: String,
        /// Local target: a file name, or an existing folder to download into
        local: PathBuf,
        /// Overwrite existing local files
        #[arg(short, long)]
        force: bool,
        /// Chunks fetched at the same time per file
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        parallel: u16,
    },
    /// Move or rename a file or folder
    Mv {
        /// Remote path to move
        source: String,
        /// Existing remote folder to move into, or the new path
        destination: String,
    },
    /// Move files or folders to the trash
    Rm {
        /// Remote paths
        #[arg(required = true)]
        remotes: Vec<String>,
    },
    /// List, restore or empty the trash
    Trash {
        #[command(subcommand)]
        action: TrashAction,
    },
    /// Share a file or folder with another account
    Share {
        /// Remote path to share
        remote: String,
        /// Email of the account to share with
        email: String,
        /// Role granted on the node and everything below it
        #[arg(long, value_enum, default_value_t = Role::Viewer)]
        role: Role,
        /// Expected key fingerprint of the recipient (32 hex digits); the
        /// share is refused when the server returns another key
        #[arg(long, value_name = "FINGERPRINT")]
        fingerprint: Option<String>,
    },
    /// List shares made to this account and by it
    Shares,
    /// Accept a share made to this account; it is then reachable as
    /// `shared:NAME/...`
    Accept {
        /// Share id, as `gauzian shares` prints it
        id: uuid::Uuid,
    },
    /// Decline (or leave) a share made to this account
    Decline {
        /// Share id
        id: uuid::Uuid,
    },
    /// Revoke a share this account made
    Unshare {
        /// Share id, or the shared remote path followed by EMAIL
        target: String,
        /// Recipient email, when TARGET is a path
        email: Option<String>,
    },
    /// Copy a local folder's content into a remote folder, sending only new
    /// and changed files
    Backup {
        /// Local folder
        source: PathBuf,
        /// Remote folder, created when missing
        remote: String,
        /// Leave out paths matching PATTERN (gitignore syntax; repeatable)
        #[arg(long, value_name = "PATTERN")]
        exclude: Vec<String>,
        /// Print what would be sent, and send nothing
        #[arg(long)]
        dry_run: bool,
        /// Chunks sent at the same time per file
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        parallel: u16,
    },
    /// Bring a remote folder's content back into a local folder
    Restore {
        /// Remote folder
        remote: String,
        /// Local folder, created when missing
        destination: PathBuf,
        /// Overwrite local files whose content differs
        #[arg(short, long)]
        force: bool,
        /// Chunks fetched at the same time per file
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
        parallel: u16,
    },
    /// Print a shell completion script
    Completions {
        /// Shell to generate for
        shell: clap_complete::Shell,
    },
}

/// Role of a share.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Role {
    /// Reads the node and everything below it
    Viewer,
    /// Also adds, renames, moves and deletes below it
    Editor,
}

#[derive(Debug, Subcommand)]
pub enum TrashAction {
    /// List what is in the trash, with the path each item had
    List,
    /// Put items back where they were, by path (as `trash list` shows it) or id
    Restore {
        /// Former remote paths or node ids
        #[arg(required = true)]
        items: Vec<String>,
    },
    /// Delete everything in the trash for good
    Empty {
        /// Do not ask for confirmation
        #[arg(long)]
        yes: bool,
    },
}
