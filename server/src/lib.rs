//! `gauzian-server`: the zero-knowledge server of Gauzian.
//!
//! It stores accounts, the drive tree and encrypted chunks, and enforces who
//! may fetch what. Every key, wrapped key, metadata blob and chunk is opaque
//! bytes here: the crate does not depend on `gauzian-crypto`.
//!
//! The binary is `main.rs`; this library exists so that integration tests
//! can start a server in process:
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let config = gauzian_server::Config::for_data_dir("/tmp/gauzian-test");
//! let server = gauzian_server::Server::bind(&config).await?;
//! println!("listening on http://{}", server.local_addr()?);
//! server.run(std::future::pending()).await
//! # }
//! ```
//!
//! | module | owns |
//! | --- | --- |
//! | [`config`] | flags and environment variables |
//! | `startup` | data directory, JWT secret, database, listener |
//! | `app` | router and middleware |
//! | `auth` | pre-login, registration, login, logout, account, sessions |
//! | `drive` | folders, nodes, listings |
//! | `uploads` | chunked uploads |
//! | `files` | manifests and chunk downloads |
//! | `trash` | trash listing, restore and purge |
//! | `shares` | public keys, shares and their roles |
//! | `health` | liveness and readiness probes |
//! | `access` | roles on nodes |
//! | `limits` | per-IP request limits |
//! | `metrics` | Prometheus metrics |
//! | `openapi` | the OpenAPI document |
//! | `web` | the web app's files and the security headers |
//! | `db`, `storage` | metadata database and chunk files |

mod access;
mod app;
mod auth;
pub mod config;
mod db;
mod drive;
mod error;
mod extract;
mod files;
mod health;
mod limits;
mod metrics;
mod openapi;
mod redis_store;
mod shares;
mod startup;
mod state;
mod storage;
pub mod telemetry;
mod trash;
mod uploads;
mod web;

pub use config::{Config, LogFormat};
pub use startup::Server;
