//! # aaiti-registry-diesel
//!
//! SQLite and PostgreSQL backends for [`aaiti_registry::ModelRegistry`], through diesel 2.3.
//!
//! - **Chosen at run time from a URL**: `sqlite://path/to/registry.db` (or `sqlite::memory:`)
//!   and `postgres://user@host/db`.
//! - **Migrations embedded per backend** (`migrations/sqlite`, `migrations/postgres`) and run on
//!   open, serialised across processes (SQLite `BEGIN EXCLUSIVE`, PostgreSQL advisory lock). A
//!   database migrated by a newer aaiti is refused with [`aaiti_registry::Error::SchemaTooNew`].
//! - **SQLite**: bundled library, WAL, `synchronous=NORMAL` (configurable), `BEGIN IMMEDIATE` for
//!   every write, `busy_timeout` plus jittered retry of lock errors: concurrent writer processes
//!   never see "database is locked".
//! - **PostgreSQL**: audited writes take the chain-head row lock first (one lock order, no
//!   deadlocks); serialisation failures are retried.
//! - **One SQL text for both backends**: `?` placeholders renumbered for PostgreSQL, `WITH
//!   RECURSIVE` lineage, `INSERT ... ON CONFLICT` upserts, `RETURNING`, no JSON operators; so a
//!   MySQL port only needs its own placeholders and upsert spelling.
//! - **Compact metrics**: a dictionary of metric keys; on SQLite, *chunk mode*: up to 1,024 points
//!   of a `(run, key)` series packed per row (delta-varint steps and timestamps, exact 8-byte
//!   values; ~11 bytes per point, a 10,000-point history is ~10 rows); on PostgreSQL a narrow
//!   `(run, key_id, step)` table written with binary `COPY FROM STDIN`. Summaries
//!   (last/min/max/count) are maintained per batch, so search never scans points.
//! - The append-only `registry_events` table is protected by `BEFORE UPDATE/DELETE` triggers on
//!   both backends, and hash-chained (see [`aaiti_registry::ChainVerifier`]).
//!
//! Why diesel: it is the workspace's chosen SQL layer, its `embed_migrations!` gives versioned,
//! compiled-in migrations, and its connection types handle SQLite/libpq safely. Queries are
//! `sql_query` with typed binds rather than the DSL so that one SQL text serves both backends and
//! tables of 40 columns need no `64-column-tables` feature.
//!
//! ## Example
//! ```
//! use std::sync::Arc;
//! use aaiti_core::clock::SystemClock;
//! use aaiti_registry::{ModelRegistry, NewModel, RegisterOptions};
//! use aaiti_registry_diesel::DieselRegistry;
//!
//! let dir = tempfile::tempdir()?;
//! let url = format!("sqlite://{}", dir.path().join("registry.db").display());
//! let reg = DieselRegistry::open(&url, Arc::new(SystemClock))?;
//! let m = reg.register_model(NewModel::new("btc-gbm", "gbm", "linfa", "alice"), RegisterOptions::default())?;
//! assert_eq!(reg.get_model(m.id)?.version.to_string(), "0.1.0");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Feature flags
//! - `sqlite` (default): SQLite, bundled (no system library needed).
//! - `postgres`: PostgreSQL through libpq (needs `libpq-dev` to build).

// The packed-chunk codec is used by the SQLite backend only.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
mod chunk;
mod conn;
mod ops;
mod rows;
mod store;

#[cfg(feature = "postgres")]
pub use crate::store::POSTGRES_MIGRATIONS;
#[cfg(feature = "sqlite")]
pub use crate::store::SQLITE_MIGRATIONS;
pub use crate::store::{DieselRegistry, OpenOptions};

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("aaiti-registry-diesel needs feature `sqlite` and/or `postgres`");
