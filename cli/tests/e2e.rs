//! End-to-end tests: the real `gauzian-server` on loopback with a temporary
//! data directory, driven through the real `gauzian` binary on real files.
//!
//! The server binary must be built in the same target directory and profile
//! as the test (`cargo build --workspace --bins`).
//!
//! With `GAUZIAN_TEST_CLI_DISTRIBUTED=1` and the distributed test variables
//! of the server suite set (scripts/test.sh sets them), every server keeps
//! its metadata in a fresh PostgreSQL database, its chunks in the S3 bucket
//! and its revocations and limits in Redis.

// The helpers below run only inside tests, where a failed step should panic
// with its location; clippy treats only `#[test]` functions as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::Rng;
use tempfile::TempDir;

const MIB: usize = 1024 * 1024;
const PASSWORD: &str = "correct horse battery staple";
/// Maximum time a single command may run before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// A `gauzian-server` process, killed when dropped.
struct Server {
    child: Child,
    url: String,
    data_dir: TempDir,
    distributed: Option<Distributed>,
}

/// Backends of a server of the distributed run, kept across a restart.
struct Distributed {
    database: String,
    env: Vec<(String, String)>,
}

fn test_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} must be set for the distributed run"))
}

/// Runs one statement on the PostgreSQL admin database with `psql`.
fn psql(statement: &str) {
    let output = Command::new("psql")
        .arg(test_var("GAUZIAN_TEST_POSTGRES_URL"))
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-c", statement])
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Distributed {
    /// Creates a fresh database and Redis key prefix for the distributed run,
    /// or returns `None` outside it.
    fn from_env() -> Option<Self> {
        std::env::var_os("GAUZIAN_TEST_CLI_DISTRIBUTED")?;
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let database = format!("gauzian_cli_{suffix}");
        psql(&format!("CREATE DATABASE {database}"));
        let admin_url = test_var("GAUZIAN_TEST_POSTGRES_URL");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        let mut env = vec![
            ("DATABASE_URL".to_owned(), format!("{base}/{database}")),
            ("REDIS_URL".to_owned(), test_var("GAUZIAN_TEST_REDIS_URL")),
            (
                "REDIS_KEY_PREFIX".to_owned(),
                format!("gauzian-cli-{suffix}"),
            ),
        ];
        for name in ["ENDPOINT", "BUCKET", "REGION", "ACCESS_KEY", "SECRET_KEY"] {
            env.push((
                format!("S3_{name}"),
                test_var(&format!("GAUZIAN_TEST_S3_{name}")),
            ));
        }
        Some(Self { database, env })
    }

    fn var(&self, name: &str) -> &str {
        &self.env.iter().find(|(key, _)| key == name).unwrap().1
    }

    fn bucket(&self) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(self.var("S3_ENDPOINT"))
            .with_allow_http(true)
            .with_bucket_name(self.var("S3_BUCKET"))
            .with_region(self.var("S3_REGION"))
            .with_access_key_id(self.var("S3_ACCESS_KEY"))
            .with_secret_access_key(self.var("S3_SECRET_KEY"))
            .with_virtual_hosted_style_request(false)
            .build()
            .unwrap()
    }
}

fn block_on<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

impl Server {
    fn start() -> Self {
        Self::start_on(0, tempfile::tempdir().unwrap(), Distributed::from_env())
    }

    fn start_on(port: u16, data_dir: TempDir, distributed: Option<Distributed>) -> Self {
        let cli = Path::new(env!("CARGO_BIN_EXE_gauzian"));
        let binary = cli.with_file_name("gauzian-server");
        assert!(
            binary.exists(),
            "{} is missing: run `cargo build --workspace --bins` (same profile and target directory as the tests) first",
            binary.display()
        );
        let mut command = Command::new(&binary);
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--data-dir")
            .arg(data_dir.path())
            .env_remove("DATA_DIR")
            .env_remove("DATABASE_URL")
            .env_remove("S3_BUCKET")
            .env_remove("REDIS_URL");
        if let Some(distributed) = &distributed {
            command.envs(distributed.env.iter().map(|(key, value)| (key, value)));
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();

        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = sender.send(url.trim().to_owned());
                }
            }
        });
        let url = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("gauzian-server printed no `listening on` line within 60 s");
            }
        };
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "unexpected address {url}"
        );
        Self {
            child,
            url,
            data_dir,
            distributed,
        }
    }

    /// Stops the server, runs `between`, and starts it again on the same port,
    /// data directory and backends.
    fn restart_after(self, between: impl FnOnce()) -> Self {
        let port: u16 = self.url.rsplit(':').next().unwrap().parse().unwrap();
        let mut this = self;
        let _ = this.child.kill();
        let _ = this.child.wait();
        between();
        let data_dir = std::mem::replace(&mut this.data_dir, tempfile::tempdir().unwrap());
        let distributed = this.distributed.take();
        drop(this);
        Self::start_on(port, data_dir, distributed)
    }

    /// Lists every stored chunk as (location, size): a file under the data
    /// directory, or an object key in the bucket.
    fn stored_chunks(&self) -> Vec<(String, u64)> {
        if let Some(distributed) = &self.distributed {
            use futures::TryStreamExt as _;
            use object_store::ObjectStore as _;
            // Chunks of all the distributed run's servers share the bucket;
            // this server's are those of the versions its database names.
            let objects: Vec<object_store::ObjectMeta> = block_on(
                distributed
                    .bucket()
                    .list(Some(&object_store::path::Path::from("chunks")))
                    .try_collect(),
            )
            .unwrap();
            let versions = self.version_ids();
            return objects
                .into_iter()
                .filter(|meta| {
                    versions
                        .iter()
                        .any(|id| meta.location.as_ref().contains(id))
                })
                .map(|meta| (meta.location.to_string(), meta.size))
                .collect();
        }
        let mut files = Vec::new();
        let mut pending = vec![self.data_dir.path().join("chunks")];
        while let Some(directory) = pending.pop() {
            for entry in std::fs::read_dir(&directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let size = std::fs::metadata(&path).map_or(0, |info| info.len());
                    files.push((path.to_string_lossy().into_owned(), size));
                }
            }
        }
        files
    }

    /// Ids of the file versions in this server's PostgreSQL database.
    fn version_ids(&self) -> Vec<String> {
        let distributed = self.distributed.as_ref().unwrap();
        let output = Command::new("psql")
            .arg(distributed.var("DATABASE_URL"))
            .args(["-q", "-t", "-A", "-c", "SELECT id FROM file_versions"])
            .output()
            .expect("run psql");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Flips one bit of a stored chunk that `stored_chunks` named.
    fn alter_chunk(&self, location: &str, offset: usize) {
        if let Some(distributed) = &self.distributed {
            use object_store::ObjectStoreExt as _;
            let store = distributed.bucket();
            let key = object_store::path::Path::from(location);
            block_on(async {
                let mut bytes = store
                    .get(&key)
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .to_vec();
                bytes[offset] ^= 0x01;
                store.put(&key, bytes.into()).await.unwrap();
            });
            return;
        }
        let mut sealed = std::fs::read(location).unwrap();
        sealed[offset] ^= 0x01;
        std::fs::write(location, &sealed).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(distributed) = self.distributed.take() {
            psql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                distributed.database
            ));
        }
    }
}

/// One user of the CLI: a configuration directory and a password file.
struct User {
    email: String,
    server_url: String,
    home: TempDir,
}

impl User {
    fn new(server: &Server, email: &str, password: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join("password"), format!("{password}\n")).unwrap();
        Self {
            email: email.to_owned(),
            server_url: server.url.clone(),
            home,
        }
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn password_file(&self) -> PathBuf {
        self.home.path().join("password")
    }

    /// Runs `gauzian ARGS` and returns its output, failing after
    /// [`COMMAND_TIMEOUT`].
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_password(args, &self.password_file())
    }

    fn run_with_password(&self, args: &[&str], password_file: &Path) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gauzian"))
            .args(args)
            .env("GAUZIAN_CONFIG_DIR", self.config_dir())
            .env("GAUZIAN_SERVER", &self.server_url)
            .env("GAUZIAN_PASSWORD_FILE", password_file)
            .env_remove("GAUZIAN_PROFILE")
            .env_remove("GAUZIAN_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("gauzian {args:?} ran longer than {COMMAND_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "gauzian {args:?} failed with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn register(&self) {
        let recovery = self.home.path().join("recovery-key.txt");
        self.ok(&[
            "register",
            &self.email,
            "--recovery-key-file",
            recovery.to_str().unwrap(),
        ]);
    }
}

fn random_bytes(length: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; length];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn files_round_trip_byte_identical() {
    let server = Server::start();
    let user = User::new(&server, "ada@example.com", PASSWORD);
    user.register();

    let recovery = user.home.path().join("recovery-key.txt");
    assert_eq!(mode_of(&recovery), 0o600);
    let recovery_text = std::fs::read_to_string(&recovery).unwrap();
    assert_eq!(recovery_text.trim().len(), 56 + 13, "{recovery_text:?}");
    let session = user.config_dir().join("session.json");
    assert_eq!(mode_of(&session), 0o600);
    let session_text = std::fs::read_to_string(&session).unwrap();
    assert!(!session_text.contains(PASSWORD));
    assert!(!session_text.contains(recovery_text.trim()));

    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.bin", Vec::new()),
        ("one byte", random_bytes(1)),
        ("five MiB minus one", random_bytes(5 * MIB - 1)),
        ("ten MiB", random_bytes(10 * MIB)),
        ("été – résumé.txt", random_bytes(5 * MIB)),
        ("日本語.bin", random_bytes(5 * MIB + 1)),
        ("Ελληνικά και العربية.dat", random_bytes(23 * MIB)),
    ];
    let source = user.home.path().join("source");
    std::fs::create_dir(&source).unwrap();
    let mut upload_args = vec!["upload".to_owned()];
    for (name, data) in &files {
        let path = source.join(name);
        std::fs::write(&path, data).unwrap();
        upload_args.push(path.to_str().unwrap().to_owned());
    }
    upload_args.push("/docs".to_owned());

    user.ok(&["mkdir", "/docs"]);
    let upload_args: Vec<&str> = upload_args.iter().map(String::as_str).collect();
    user.ok(&upload_args);

    let listing: serde_json::Value =
        serde_json::from_str(&user.ok(&["ls", "/docs", "--json"])).unwrap();
    let entries = listing["entries"].as_array().unwrap();
    assert_eq!(entries.len(), files.len());
    for (name, data) in &files {
        let entry = entries
            .iter()
            .find(|entry| entry["name"] == *name)
            .unwrap_or_else(|| panic!("{name} missing from {listing}"));
        assert_eq!(entry["size"], data.len() as u64, "{name}");
        assert_eq!(entry["kind"], "file");
    }

    let target = user.home.path().join("downloads");
    std::fs::create_dir(&target).unwrap();
    for (name, data) in &files {
        let remote = format!("/docs/{name}");
        user.ok(&["download", &remote, target.to_str().unwrap()]);
        let downloaded = std::fs::read(target.join(name)).unwrap();
        assert!(downloaded == *data, "{name} differs after the round trip");
        let source_time = std::fs::metadata(source.join(name))
            .unwrap()
            .modified()
            .unwrap();
        let target_time = std::fs::metadata(target.join(name))
            .unwrap()
            .modified()
            .unwrap();
        let drift = source_time
            .duration_since(target_time)
            .unwrap_or_else(|error| error.duration());
        assert!(
            drift < Duration::from_millis(1),
            "{name}: modification time not restored"
        );
    }

    let again = user.run(&["download", "/docs/one byte", target.to_str().unwrap()]);
    assert!(
        !again.status.success(),
        "download overwrote a file without --force"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    user.ok(&[
        "download",
        "/docs/one byte",
        target.to_str().unwrap(),
        "--force",
    ]);
}

#[test]
fn folder_upload_and_download_recursive() {
    let server = Server::start();
    let user = User::new(&server, "grace@example.com", PASSWORD);
    user.register();

    let tree = user.home.path().join("tree");
    std::fs::create_dir_all(tree.join("a/b/c")).unwrap();
    std::fs::create_dir_all(tree.join("empty")).unwrap();
    std::fs::write(tree.join("top.txt"), b"top").unwrap();
    std::fs::write(tree.join("a/b/c/deep.txt"), b"deep").unwrap();
    user.ok(&["upload", tree.to_str().unwrap(), "/"]);

    let listing: serde_json::Value =
        serde_json::from_str(&user.ok(&["ls", "/tree/a/b/c", "--json"])).unwrap();
    assert_eq!(listing["entries"][0]["name"], "deep.txt");

    let restored = user.home.path().join("restored");
    user.ok(&["download", "/tree", restored.to_str().unwrap()]);
    assert_eq!(std::fs::read(restored.join("top.txt")).unwrap(), b"top");
    assert_eq!(
        std::fs::read(restored.join("a/b/c/deep.txt")).unwrap(),
        b"deep"
    );
    assert!(restored.join("empty").is_dir());
}

#[test]
fn wrong_password_fails_clearly() {
    let server = Server::start();
    let user = User::new(&server, "alan@example.com", PASSWORD);
    user.register();
    let wrong = user.home.path().join("wrong-password");
    std::fs::write(&wrong, "not the password\n").unwrap();

    let listing = user.run_with_password(&["ls", "/"], &wrong);
    assert_eq!(listing.status.code(), Some(4));
    let message = String::from_utf8_lossy(&listing.stderr);
    assert!(message.contains("wrong password"), "{message}");
    assert!(!message.contains("not the password"), "{message}");

    let login = user.run_with_password(&["login", "alan@example.com"], &wrong);
    assert_eq!(login.status.code(), Some(4));
    let message = String::from_utf8_lossy(&login.stderr);
    assert!(message.contains("wrong email or password"), "{message}");

    user.ok(&["logout"]);
    assert!(!user.config_dir().join("session.json").exists());
    let after_logout = user.run(&["ls", "/"]);
    assert_eq!(after_logout.status.code(), Some(4));
    let message = String::from_utf8_lossy(&after_logout.stderr);
    assert!(message.contains("gauzian login"), "{message}");
}

#[test]
fn tampered_chunk_fails_without_output() {
    let server = Server::start();
    let user = User::new(&server, "barbara@example.com", PASSWORD);
    user.register();

    let data = random_bytes(5 * MIB + 4096);
    let local = user.home.path().join("secret.bin");
    std::fs::write(&local, &data).unwrap();
    user.ok(&["upload", local.to_str().unwrap(), "/"]);

    // The second chunk contains 4096 plaintext bytes plus 30 bytes of overhead
    // (version, flags, nonce, tag); no other stored file has that size.
    let (chunk, _) = server
        .stored_chunks()
        .into_iter()
        .find(|(_, size)| *size == 4096 + 30)
        .expect("no stored chunk has the size of the second chunk");
    server.alter_chunk(&chunk, 100);

    let target = user.home.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let output = user.run(&["download", "/secret.bin", target.to_str().unwrap()]);
    assert!(!output.status.success(), "a tampered download succeeded");
    let message = String::from_utf8_lossy(&output.stderr);
    // The server checks each stored chunk's SHA-256 and rejects an altered
    // one. A server that served it anyway would fail the client's AES-GCM
    // check instead, so either message is a correct failure.
    assert!(
        message.contains("corrupted") || message.contains("failed to decrypt"),
        "{message}"
    );
    let left: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
    assert!(left.is_empty(), "the failed download left {left:?}");
}

#[test]
fn backup_twice_sends_nothing_new() {
    let server = Server::start();
    let user = User::new(&server, "edsger@example.com", PASSWORD);
    user.register();

    let source = user.home.path().join("photos");
    std::fs::create_dir_all(source.join("2026/été")).unwrap();
    std::fs::create_dir_all(source.join("cache")).unwrap();
    std::fs::write(source.join("2026/été/plage.jpg"), random_bytes(MIB + 7)).unwrap();
    std::fs::write(source.join("notes.txt"), b"notes").unwrap();
    std::fs::write(source.join("cache/skip.tmp"), b"excluded").unwrap();
    let source_arg = source.to_str().unwrap();

    let first: serde_json::Value = serde_json::from_str(&user.ok(&[
        "backup",
        source_arg,
        "/backup/photos",
        "--exclude",
        "cache/",
        "--json",
    ]))
    .unwrap();
    assert_eq!(first["new"], 2, "{first}");
    assert_eq!(first["bytes_sent"], (MIB + 7 + 5) as u64, "{first}");

    let second: serde_json::Value = serde_json::from_str(&user.ok(&[
        "backup",
        source_arg,
        "/backup/photos",
        "--exclude",
        "cache/",
        "--json",
    ]))
    .unwrap();
    assert_eq!(second["new"], 0, "{second}");
    assert_eq!(second["unchanged"], 2, "{second}");
    assert_eq!(second["bytes_sent"], 0, "{second}");

    std::fs::write(source.join("notes.txt"), b"new notes").unwrap();
    let third: serde_json::Value = serde_json::from_str(&user.ok(&[
        "backup",
        source_arg,
        "/backup/photos",
        "--exclude",
        "cache/",
        "--json",
    ]))
    .unwrap();
    assert_eq!(third["changed"], 1, "{third}");
    assert_eq!(third["bytes_sent"], 9, "{third}");
    let trash: serde_json::Value =
        serde_json::from_str(&user.ok(&["trash", "list", "--json"])).unwrap();
    assert_eq!(
        trash["entries"][0]["path"], "/backup/photos/notes.txt",
        "{trash}"
    );

    let restored = user.home.path().join("restored");
    let summary: serde_json::Value = serde_json::from_str(&user.ok(&[
        "restore",
        "/backup/photos",
        restored.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(summary["restored"], 2, "{summary}");
    assert_eq!(
        std::fs::read(restored.join("2026/été/plage.jpg")).unwrap(),
        std::fs::read(source.join("2026/été/plage.jpg")).unwrap()
    );
    assert_eq!(
        std::fs::read(restored.join("notes.txt")).unwrap(),
        b"new notes"
    );
    assert!(
        !restored.join("cache").exists(),
        "an excluded folder was backed up"
    );
}

#[test]
fn interrupted_upload_resumes_after_restart() {
    let server = Server::start();
    let user = User::new(&server, "frances@example.com", PASSWORD);
    user.register();

    let data = random_bytes(60 * MIB);
    let local = user.home.path().join("large.bin");
    std::fs::write(&local, &data).unwrap();

    // Starts the upload, and stops the server once a first chunk is stored.
    let mut upload = Command::new(env!("CARGO_BIN_EXE_gauzian"))
        .args(["upload", local.to_str().unwrap(), "/", "--parallel", "1"])
        .env("GAUZIAN_CONFIG_DIR", user.config_dir())
        .env("GAUZIAN_SERVER", &user.server_url)
        .env("GAUZIAN_PASSWORD_FILE", user.password_file())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !server
        .stored_chunks()
        .iter()
        .any(|(_, size)| *size == (5 * MIB + 30) as u64)
    {
        assert!(Instant::now() < deadline, "no chunk was stored within 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    let server = server.restart_after(|| {
        // The client retries for about 15 s, then gives up and keeps its
        // pending upload record.
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while upload.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the interrupted upload never ended"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let interrupted = upload.wait_with_output().unwrap();
    assert!(
        !interrupted.status.success(),
        "the upload finished although the server stopped"
    );
    let pending = std::fs::read_dir(user.config_dir().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(pending, 1, "no pending upload was recorded");

    let resumed = user.run(&["upload", local.to_str().unwrap(), "/", "-v"]);
    let log = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{log}");
    assert!(log.contains("resuming upload"), "{log}");
    let pending = std::fs::read_dir(user.config_dir().join("uploads"))
        .unwrap()
        .count();
    assert_eq!(pending, 0, "the pending upload record was not removed");

    let target = user.home.path().join("large.out");
    user.ok(&["download", "/large.bin", target.to_str().unwrap()]);
    assert!(
        std::fs::read(&target).unwrap() == data,
        "the resumed upload differs"
    );
    drop(server);
}

#[test]
fn move_rename_trash_and_restore() {
    let server = Server::start();
    let user = User::new(&server, "hedy@example.com", PASSWORD);
    user.register();
    let local = user.home.path().join("draft.txt");
    std::fs::write(&local, b"draft").unwrap();
    user.ok(&["mkdir", "/inbox"]);
    user.ok(&["mkdir", "/archive/2026", "-p"]);
    user.ok(&["upload", local.to_str().unwrap(), "/inbox"]);

    user.ok(&["mv", "/inbox/draft.txt", "/archive/2026/final – été.txt"]);
    let names = |remote: &str| -> Vec<String> {
        let listing: serde_json::Value =
            serde_json::from_str(&user.ok(&["ls", remote, "--json"])).unwrap();
        listing["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names("/inbox").is_empty());
    assert_eq!(names("/archive/2026"), ["final – été.txt"]);

    let into_itself = user.run(&["mv", "/archive", "/archive/2026"]);
    assert!(!into_itself.status.success(), "a folder moved into itself");

    user.ok(&["rm", "/archive/2026/final – été.txt"]);
    assert!(names("/archive/2026").is_empty());
    let trash: serde_json::Value =
        serde_json::from_str(&user.ok(&["trash", "list", "--json"])).unwrap();
    assert_eq!(
        trash["entries"][0]["path"], "/archive/2026/final – été.txt",
        "{trash}"
    );

    user.ok(&["trash", "restore", "/archive/2026/final – été.txt"]);
    let target = user.home.path().join("back.txt");
    user.ok(&[
        "download",
        "/archive/2026/final – été.txt",
        target.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&target).unwrap(), b"draft");

    user.ok(&["rm", "/archive"]);
    user.ok(&["trash", "empty", "--yes"]);
    let trash: serde_json::Value =
        serde_json::from_str(&user.ok(&["trash", "list", "--json"])).unwrap();
    assert!(trash["entries"].as_array().unwrap().is_empty(), "{trash}");
    let missing = user.run(&["ls", "/archive"]);
    assert!(!missing.status.success());
}

#[test]
fn share_with_viewer_then_revoke() {
    let server = Server::start();
    let owner = User::new(&server, "owner@example.com", PASSWORD);
    let viewer = User::new(&server, "viewer@example.com", "another long password");
    owner.register();
    viewer.register();

    let report = owner.home.path().join("rapport été.pdf");
    let data = random_bytes(MIB + 3);
    std::fs::write(&report, &data).unwrap();
    owner.ok(&["mkdir", "/team"]);
    owner.ok(&["upload", report.to_str().unwrap(), "/team"]);

    let whoami: serde_json::Value =
        serde_json::from_str(&viewer.ok(&["whoami", "--json"])).unwrap();
    let fingerprint = whoami["fingerprint"].as_str().unwrap().to_owned();
    let wrong = owner.run(&[
        "share",
        "/team",
        "viewer@example.com",
        "--role",
        "viewer",
        "--fingerprint",
        "00000000000000000000000000000000",
    ]);
    assert!(
        !wrong.status.success(),
        "a share went through with a wrong fingerprint"
    );
    let created: serde_json::Value = serde_json::from_str(&owner.ok(&[
        "share",
        "/team",
        "viewer@example.com",
        "--role",
        "viewer",
        "--fingerprint",
        &fingerprint,
        "--json",
    ]))
    .unwrap();
    let share_id = created["id"].as_str().unwrap().to_owned();

    let shares: serde_json::Value =
        serde_json::from_str(&viewer.ok(&["shares", "--json"])).unwrap();
    assert_eq!(shares["incoming"][0]["id"], share_id.as_str(), "{shares}");
    assert_eq!(shares["incoming"][0]["status"], "pending", "{shares}");
    viewer.ok(&["accept", &share_id]);

    let shared: serde_json::Value =
        serde_json::from_str(&viewer.ok(&["ls", "shared:", "--json"])).unwrap();
    assert_eq!(shared["entries"][0]["name"], "team", "{shared}");
    let listing: serde_json::Value =
        serde_json::from_str(&viewer.ok(&["ls", "shared:team", "--json"])).unwrap();
    assert_eq!(
        listing["entries"][0]["name"], "rapport été.pdf",
        "{listing}"
    );
    let target = viewer.home.path().join("copy.pdf");
    viewer.ok(&[
        "download",
        "shared:team/rapport été.pdf",
        target.to_str().unwrap(),
    ]);
    assert!(
        std::fs::read(&target).unwrap() == data,
        "the shared file differs"
    );

    let note = viewer.home.path().join("note.txt");
    std::fs::write(&note, b"from the viewer").unwrap();
    let refused = viewer.run(&["upload", note.to_str().unwrap(), "shared:team"]);
    assert!(!refused.status.success(), "a viewer uploaded into a share");

    owner.ok(&["unshare", "/team", "viewer@example.com"]);
    let after = viewer.run(&[
        "download",
        "shared:team/rapport été.pdf",
        viewer.home.path().join("again.pdf").to_str().unwrap(),
    ]);
    assert!(
        !after.status.success(),
        "a revoked share still served its file"
    );
}

#[test]
fn passwd_and_recover_keep_files() {
    let server = Server::start();
    let user = User::new(&server, "margaret@example.com", PASSWORD);
    user.register();
    let local = user.home.path().join("keep.txt");
    std::fs::write(&local, b"keep me").unwrap();
    user.ok(&["upload", local.to_str().unwrap(), "/"]);

    let second = user.home.path().join("second-password");
    std::fs::write(&second, "a second long password\n").unwrap();
    user.ok(&["passwd", "--new-password-file", second.to_str().unwrap()]);
    let old = user.run(&["login", "margaret@example.com"]);
    assert_eq!(old.status.code(), Some(4), "the old password still logs in");
    let target = user.home.path().join("after-passwd.txt");
    let download = user.run_with_password(
        &["download", "/keep.txt", target.to_str().unwrap()],
        &second,
    );
    assert!(
        download.status.success(),
        "{}",
        String::from_utf8_lossy(&download.stderr)
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");

    let third = user.home.path().join("third-password");
    std::fs::write(&third, "a third long password\n").unwrap();
    let recovery = user.home.path().join("recovery-key.txt");
    let recover = user.run(&[
        "recover",
        "margaret@example.com",
        "--recovery-key-file",
        recovery.to_str().unwrap(),
        "--new-password-file",
        third.to_str().unwrap(),
    ]);
    assert!(
        recover.status.success(),
        "{}",
        String::from_utf8_lossy(&recover.stderr)
    );
    let target = user.home.path().join("after-recover.txt");
    let download =
        user.run_with_password(&["download", "/keep.txt", target.to_str().unwrap()], &third);
    assert!(
        download.status.success(),
        "{}",
        String::from_utf8_lossy(&download.stderr)
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
}

#[test]
fn register_keeps_existing_recovery_file() {
    let server = Server::start();
    let user = User::new(&server, "nadia@example.com", PASSWORD);
    let recovery = user.home.path().join("recovery-key.txt");
    std::fs::write(&recovery, "an earlier key\n").unwrap();
    let output = user.run(&[
        "register",
        "nadia@example.com",
        "--recovery-key-file",
        recovery.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("already exists"), "{message}");
    assert!(
        !message.contains("Generating keys"),
        "fails before generating keys: {message}"
    );
    assert_eq!(
        std::fs::read_to_string(&recovery).unwrap(),
        "an earlier key\n"
    );
    let login = user.run(&["login", "nadia@example.com"]);
    assert!(!login.status.success(), "nothing was registered");
}

#[test]
fn upload_existing_name_fails_rest_continues() {
    let server = Server::start();
    let user = User::new(&server, "ken@example.com", PASSWORD);
    user.register();
    let first = user.home.path().join("first.txt");
    let second = user.home.path().join("second.txt");
    std::fs::write(&first, b"1").unwrap();
    std::fs::write(&second, b"2").unwrap();
    user.ok(&["upload", first.to_str().unwrap(), "/"]);

    let batch = user.run(&[
        "upload",
        first.to_str().unwrap(),
        second.to_str().unwrap(),
        "/",
        "--json",
    ]);
    assert_eq!(
        batch.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&batch.stderr)
    );
    let results: serde_json::Value = serde_json::from_slice(&batch.stdout).unwrap();
    assert_eq!(results[0]["status"], "failed", "{results}");
    assert_eq!(results[1]["status"], "uploaded", "{results}");
    let message = String::from_utf8_lossy(&batch.stderr);
    assert!(message.contains("/first.txt: already exists"), "{message}");
}

/// A loopback HTTP proxy in front of the server that flips one byte in the
/// body of every response to a request whose path contains `chunks/1`: a
/// server that serves an altered chunk without noticing.
struct TamperingProxy {
    url: String,
}

impl TamperingProxy {
    fn start(upstream: &str) -> Self {
        use std::io::{Read, Write};
        use std::net::{TcpListener, TcpStream};

        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());

        /// Reads one HTTP/1.1 request: head and Content-Length body.
        fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).ok()? == 0 {
                    return None;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).ok()?;
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            stream.read_exact(&mut body).ok()?;
            Some((head, body))
        }

        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { break };
                let upstream = upstream.clone();
                std::thread::spawn(move || {
                    let Some((head, body)) = read_request(&mut client) else {
                        return;
                    };
                    let tamper = head
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .contains("/chunks/1 ");
                    // One request per upstream connection, read to the end.
                    let head = head.replacen("\r\n", "\r\nConnection: close\r\n", 1);
                    let mut server = TcpStream::connect(&upstream).unwrap();
                    server.write_all(head.as_bytes()).unwrap();
                    server.write_all(&body).unwrap();
                    let mut response = Vec::new();
                    server.read_to_end(&mut response).unwrap();

                    let body_start = response
                        .windows(4)
                        .position(|window| window == b"\r\n\r\n")
                        .map(|position| position + 4)
                        .unwrap_or(response.len());
                    if tamper && response.len() > body_start + 100 {
                        response[body_start + 100] ^= 0x01;
                    }
                    let (head, body) = response.split_at(body_start);
                    let head = String::from_utf8_lossy(head).replacen(
                        "\r\n",
                        "\r\nconnection: close\r\n",
                        1,
                    );
                    let _ = client.write_all(head.as_bytes());
                    let _ = client.write_all(body);
                });
            }
        });
        Self { url }
    }
}

#[test]
fn tampered_chunk_in_transit_leaves_no_file() {
    let server = Server::start();
    let user = User::new(&server, "radia@example.com", PASSWORD);
    user.register();
    let data = random_bytes(11 * MIB);
    let local = user.home.path().join("secret.bin");
    std::fs::write(&local, &data).unwrap();
    user.ok(&["upload", local.to_str().unwrap(), "/"]);

    let proxy = TamperingProxy::start(&server.url);
    let target = user.home.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let mut through_proxy = User::new(&server, "radia@example.com", PASSWORD);
    through_proxy.server_url = proxy.url.clone();
    let config = through_proxy.config_dir();
    std::fs::create_dir_all(&config).unwrap();
    let session = std::fs::read_to_string(user.config_dir().join("session.json")).unwrap();
    std::fs::write(
        config.join("session.json"),
        session.replace(&server.url, &proxy.url),
    )
    .unwrap();

    let output = through_proxy.run(&["download", "/secret.bin", target.to_str().unwrap()]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a tampered chunk was accepted");
    assert!(message.contains("chunk failed to decrypt"), "{message}");
    let left: Vec<_> = std::fs::read_dir(&target).unwrap().collect();
    assert!(left.is_empty(), "the failed download left {left:?}");
}
