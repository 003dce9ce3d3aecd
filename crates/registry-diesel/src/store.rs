//! [`DieselRegistry`]: opening, migrations, retries, and the [`ModelRegistry`] implementation.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use aaiti_core::clock::Clock;
use aaiti_registry::{
    AliasChange, AliasOptions, ArtifactRecord, ChainReport, Direction, EdgeKind, Error, Event,
    EventQuery, FeatureImportance, HistoryOptions, LineageEdge, LineageHop, LineageOptions,
    MetricPoint, Model, ModelId, ModelPatch, ModelRegistry, ModelStatus, ModelSummary, NewArtifact,
    NewEvent, NewModel, NewRun, Page, PerformanceRecord, Query, RegisterOptions, Result, Run,
    RunId, RunStatus, WriteOptions, truncate_micros,
};
use chrono::{DateTime, Utc};
use diesel::connection::{Connection, SimpleConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

#[cfg(feature = "postgres")]
use diesel::pg::PgConnection;
#[cfg(feature = "sqlite")]
use diesel::sqlite::SqliteConnection;

use crate::conn::{Conn, Kind, TxConn, TxErr, TxResult, backoff, map_db, retryable};
use crate::ops;

/// Embedded SQLite migrations (`migrations/sqlite`).
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Embedded PostgreSQL migrations (`migrations/postgres`).
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Options of [`DieselRegistry::open_with`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// PostgreSQL only: use (and create) this schema via `search_path` (isolates tests/tenants).
    pub pg_schema: Option<String>,
    /// SQLite only: `synchronous=FULL` instead of `NORMAL` (WAL + NORMAL is durable against
    /// process crashes; FULL also against power loss).
    pub sqlite_synchronous_full: bool,
    /// How long to keep retrying lock/serialisation failures before giving up (default 120 s).
    pub lock_retry_budget: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            pg_schema: None,
            sqlite_synchronous_full: false,
            lock_retry_budget: Duration::from_secs(120),
        }
    }
}

/// A registry stored in SQLite or PostgreSQL through diesel.
///
/// One connection per instance, guarded by a mutex (SQLite has one writer anyway; for PostgreSQL
/// open one instance per worker thread or process). Every call is one transaction; transient lock
/// and serialisation failures are retried with jittered backoff, never surfaced.
pub struct DieselRegistry {
    conn: Mutex<Conn>,
    kind: Kind,
    clock: Arc<dyn Clock>,
    key_cache: Mutex<HashMap<String, i64>>,
    retry_budget: Duration,
}

impl std::fmt::Debug for DieselRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselRegistry")
            .field("backend", &self.kind.name())
            .finish_non_exhaustive()
    }
}

/// Runs `$body` with `$c` bound to the concrete connection in a write (`write`) or read
/// (`read`) transaction, retrying transient lock failures.
macro_rules! tx {
    ($self:ident, $mode:ident, |$c:ident| $body:expr) => {{
        $self.retry(|guard: &mut Conn| -> TxResult<_> {
            match guard {
                #[cfg(feature = "sqlite")]
                Conn::Sqlite(conn) => tx!(@$mode conn, |$c: &mut SqliteConnection| $body),
                #[cfg(feature = "postgres")]
                Conn::Pg(conn) => tx!(@$mode conn, |$c: &mut PgConnection| $body),
            }
        })
    }};
    (@write $conn:ident, |$c:ident : $t:ty| $body:expr) => {
        TxConn::write_transaction($conn, |$c: $t| $body)
    };
    (@read $conn:ident, |$c:ident : $t:ty| $body:expr) => {
        TxConn::read_transaction($conn, |$c: $t| $body)
    };
}

fn bad_url(url: &str) -> Error {
    Error::invalid(
        "database url",
        format!("{url:?}: expected sqlite://PATH, sqlite::memory: or postgres://..."),
    )
}

impl DieselRegistry {
    /// Opens (creating and migrating if needed) the registry at `url`:
    /// `sqlite://relative/or/absolute/path.db`, `sqlite::memory:`, or `postgres://...` /
    /// `postgresql://...` (feature `postgres`).
    ///
    /// # Errors
    /// `InvalidInput` for an unsupported URL or a backend not compiled in, `SchemaTooNew` when the
    /// database was migrated by a newer aaiti, `Backend` for connection failures.
    pub fn open(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_with(url, clock, OpenOptions::default())
    }

    /// [`DieselRegistry::open`] with options.
    ///
    /// # Errors
    /// As [`DieselRegistry::open`].
    pub fn open_with(url: &str, clock: Arc<dyn Clock>, opts: OpenOptions) -> Result<Self> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            match Self::try_open(url, &opts) {
                Ok((conn, kind)) => {
                    return Ok(Self {
                        conn: Mutex::new(conn),
                        kind,
                        clock,
                        key_cache: Mutex::new(HashMap::new()),
                        retry_budget: opts.lock_retry_budget,
                    });
                }
                Err(TxErr::Db(e))
                    if retryable(&e) && started.elapsed() < opts.lock_retry_budget =>
                {
                    std::thread::sleep(backoff(attempt));
                    attempt += 1;
                }
                Err(TxErr::Db(e)) => return Err(map_db(backend_of(url), e)),
                Err(TxErr::Reg(e)) => return Err(e),
            }
        }
    }

    fn try_open(url: &str, opts: &OpenOptions) -> TxResult<(Conn, Kind)> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| (url == "sqlite::memory:").then_some(":memory:"))
        {
            #[cfg(feature = "sqlite")]
            {
                return open_sqlite(path, opts).map(|c| (Conn::Sqlite(c), Kind::Sqlite));
            }
            #[cfg(not(feature = "sqlite"))]
            {
                let _ = (path, opts);
                return Err(TxErr::Reg(Error::invalid(
                    "database url",
                    "built without feature `sqlite`",
                )));
            }
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            {
                return open_pg(url, opts).map(|c| (Conn::Pg(c), Kind::Postgres));
            }
            #[cfg(not(feature = "postgres"))]
            {
                return Err(TxErr::Reg(Error::invalid(
                    "database url",
                    "built without feature `postgres`",
                )));
            }
        }
        Err(TxErr::Reg(bad_url(url)))
    }

    fn now(&self) -> DateTime<Utc> {
        truncate_micros(self.clock.now())
    }

    fn lock(&self) -> Result<MutexGuard<'_, Conn>> {
        self.conn
            .lock()
            .map_err(|_| Error::backend(self.kind.name(), "connection mutex poisoned"))
    }

    fn retry<T>(&self, mut f: impl FnMut(&mut Conn) -> TxResult<T>) -> Result<T> {
        let started = Instant::now();
        let mut attempt = 0;
        let mut guard = self.lock()?;
        loop {
            match f(&mut guard) {
                Ok(v) => return Ok(v),
                Err(TxErr::Reg(e)) => return Err(e),
                Err(TxErr::Db(e)) if retryable(&e) && started.elapsed() < self.retry_budget => {
                    std::thread::sleep(backoff(attempt));
                    attempt += 1;
                }
                Err(TxErr::Db(e)) => return Err(map_db(self.kind.name(), e)),
            }
        }
    }

    /// Which backend this is ("sqlite" or "postgres").
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        self.kind.name()
    }

    /// Runs raw SQL (statements separated by `;`), for administration and tests such as
    /// simulating tampering. Not part of the registry API.
    ///
    /// # Errors
    /// `Backend` with the database's message.
    pub fn execute_raw(&self, sql: &str) -> Result<()> {
        let mut g = self.lock()?;
        let r = match &mut *g {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => c.batch_execute(sql),
            #[cfg(feature = "postgres")]
            Conn::Pg(c) => c.batch_execute(sql),
        };
        r.map_err(|e| Error::backend(self.kind.name(), e))
    }
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    }
}

fn mig_err(backend: &'static str, e: impl std::fmt::Display) -> TxErr {
    TxErr::Reg(Error::backend(backend, format!("migration failed: {e}")))
}

/// Refuses databases migrated by a newer build: any applied version unknown to this build.
fn check_not_newer<C, DB>(
    c: &mut C,
    migrations: &EmbeddedMigrations,
    backend: &'static str,
) -> TxResult<()>
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    use diesel::migration::MigrationSource;
    let known: Vec<String> = MigrationSource::<DB>::migrations(migrations)
        .map_err(|e| mig_err(backend, e))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = c.applied_migrations().map_err(|e| mig_err(backend, e))?;
    if let Some(newest) = applied
        .iter()
        .map(ToString::to_string)
        .filter(|v| !known.contains(v))
        .max()
    {
        return Err(TxErr::Reg(Error::SchemaTooNew {
            found: newest,
            supported: known.iter().max().cloned().unwrap_or_default(),
        }));
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
fn open_sqlite(path: &str, opts: &OpenOptions) -> TxResult<SqliteConnection> {
    let mut c = SqliteConnection::establish(path).map_err(|e| {
        TxErr::Reg(Error::backend(
            "sqlite",
            format!("cannot open {path:?}: {e}"),
        ))
    })?;
    let sync = if opts.sqlite_synchronous_full {
        "FULL"
    } else {
        "NORMAL"
    };
    c.batch_execute(&format!(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -32768; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;"
    ))?;
    // Migrations under an exclusive lock: concurrent first opens serialise here and the loser
    // finds nothing pending (no "table already exists" race).
    c.exclusive_transaction(|c| -> TxResult<()> {
        check_not_newer(c, &SQLITE_MIGRATIONS, "sqlite")?;
        c.run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| mig_err("sqlite", e))?;
        Ok(())
    })?;
    Ok(c)
}

#[cfg(feature = "postgres")]
fn open_pg(url: &str, opts: &OpenOptions) -> TxResult<PgConnection> {
    let mut c = PgConnection::establish(url)
        .map_err(|e| TxErr::Reg(Error::backend("postgres", format!("cannot connect: {e}"))))?;
    if let Some(s) = &opts.pg_schema {
        if !s.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') || s.is_empty() {
            return Err(TxErr::Reg(Error::invalid(
                "pg_schema",
                format!("{s:?}: use [A-Za-z0-9_]+"),
            )));
        }
        // `CREATE SCHEMA IF NOT EXISTS` is not race-free in PostgreSQL (two first opens can
        // both try to insert the schema: unique violation on pg_namespace), so it runs under
        // a transaction-scoped advisory lock.
        c.transaction(|c| -> TxResult<()> {
            c.batch_execute(&format!(
                "SELECT pg_advisory_xact_lock(7243010); CREATE SCHEMA IF NOT EXISTS {s}"
            ))?;
            Ok(())
        })?;
        c.batch_execute(&format!("SET search_path TO {s}"))?;
    }
    // Migrations under a transaction-scoped advisory lock: concurrent opens serialise.
    c.transaction(|c| -> TxResult<()> {
        c.batch_execute("SELECT pg_advisory_xact_lock(7243011)")?;
        check_not_newer(c, &POSTGRES_MIGRATIONS, "postgres")?;
        c.run_pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(|e| mig_err("postgres", e))?;
        Ok(())
    })?;
    Ok(c)
}

impl ModelRegistry for DieselRegistry {
    fn backend(&self) -> &'static str {
        self.kind.name()
    }

    fn register_model(&self, model: NewModel, opts: RegisterOptions) -> Result<Model> {
        aaiti_registry::validate_new_model(&model)?;
        let now = self.now();
        let id = opts.id.unwrap_or_else(|| aaiti_registry::new_model_id(now));
        tx!(self, write, |c| ops::register(
            c,
            &model,
            id,
            opts.reason.as_ref(),
            now
        ))
    }

    fn get_model(&self, id: ModelId) -> Result<Model> {
        tx!(self, read, |c| ops::get_model(c, id))
    }

    fn get_model_version(&self, name: &str, version: &str) -> Result<Model> {
        let v = aaiti_registry::parse_version(version)?;
        tx!(self, read, |c| ops::get_model_version(c, name, &v))
    }

    fn latest_model(&self, name: &str, status: Option<ModelStatus>) -> Result<Model> {
        tx!(self, read, |c| ops::latest_model(c, name, status))
    }

    fn update_model(&self, id: ModelId, patch: ModelPatch, opts: WriteOptions) -> Result<Model> {
        aaiti_registry::validate_patch(&patch)?;
        let now = self.now();
        tx!(self, write, |c| ops::update(c, id, &patch, &opts, now))
    }

    fn transition(&self, id: ModelId, to: ModelStatus, opts: WriteOptions) -> Result<Model> {
        let now = self.now();
        tx!(self, write, |c| ops::transition(c, id, to, &opts, now))
    }

    fn search_models(&self, query: &Query) -> Result<Page<Model>> {
        tx!(self, read, |c| ops::search_models(c, query))
    }

    fn add_lineage(
        &self,
        parent: ModelId,
        child: ModelId,
        kind: EdgeKind,
        opts: WriteOptions,
    ) -> Result<LineageEdge> {
        let now = self.now();
        tx!(self, write, |c| ops::add_lineage(
            c, parent, child, kind, &opts, now
        ))
    }

    fn lineage(
        &self,
        id: ModelId,
        direction: Direction,
        opts: &LineageOptions,
    ) -> Result<Vec<LineageHop>> {
        tx!(self, read, |c| ops::lineage(c, id, direction, opts))
    }

    fn edges(&self, id: ModelId) -> Result<Vec<LineageEdge>> {
        tx!(self, read, |c| ops::edges(c, id))
    }

    fn record_performance(&self, id: ModelId, records: &[PerformanceRecord]) -> Result<()> {
        tx!(self, write, |c| ops::record_performance(c, id, records))
    }

    fn performance_history(
        &self,
        id: ModelId,
        opts: &HistoryOptions,
    ) -> Result<Vec<PerformanceRecord>> {
        tx!(self, read, |c| ops::performance_history(c, id, opts))
    }

    fn put_feature_importances(&self, id: ModelId, rows: &[FeatureImportance]) -> Result<()> {
        aaiti_registry::validate_importances(rows)?;
        tx!(self, write, |c| ops::put_features(c, id, rows))
    }

    fn feature_importances(&self, id: ModelId) -> Result<Vec<FeatureImportance>> {
        tx!(self, read, |c| ops::features(c, id))
    }

    fn summaries(&self) -> Result<Vec<ModelSummary>> {
        tx!(self, read, |c| ops::summaries(c))
    }

    fn create_runs(&self, runs: Vec<NewRun>) -> Result<Vec<Run>> {
        for r in &runs {
            aaiti_registry::validate_new_run(r)?;
        }
        let now = self.now();
        tx!(self, write, |c| ops::create_runs(c, &runs, now))
    }

    fn get_run(&self, id: RunId) -> Result<Run> {
        tx!(self, read, |c| ops::get_run(c, id))
    }

    fn log_params(&self, run: RunId, params: &BTreeMap<String, String>) -> Result<()> {
        aaiti_registry::validate_params(params.iter())?;
        tx!(self, write, |c| ops::log_params(c, run, params))
    }

    fn log_metrics(&self, run: RunId, points: &[MetricPoint]) -> Result<()> {
        aaiti_registry::validate_metric_batch(run, points)?;
        let cache = self
            .key_cache
            .lock()
            .map_err(|_| Error::backend(self.kind.name(), "cache mutex poisoned"))?
            .clone();
        let ids = tx!(self, write, |c| ops::log_metrics(c, run, points, &cache))?;
        // Only committed key ids enter the cache.
        if let Ok(mut k) = self.key_cache.lock() {
            k.extend(ids);
        }
        Ok(())
    }

    fn metric_history(
        &self,
        run: RunId,
        key: &str,
        opts: &HistoryOptions,
    ) -> Result<Vec<MetricPoint>> {
        tx!(self, read, |c| ops::metric_history(c, run, key, opts))
    }

    fn finish_run(&self, run: RunId, status: RunStatus) -> Result<Run> {
        let now = self.now();
        tx!(self, write, |c| ops::finish_run(c, run, status, now))
    }

    fn search_runs(&self, query: &Query) -> Result<Page<Run>> {
        tx!(self, read, |c| ops::search_runs(c, query))
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        target: Option<ModelId>,
        opts: AliasOptions,
    ) -> Result<AliasChange> {
        aaiti_registry::validate_name("model name", name)?;
        aaiti_registry::validate_name("alias", alias)?;
        let now = self.now();
        tx!(self, write, |c| ops::set_alias(
            c, name, alias, target, &opts, now
        ))
    }

    fn resolve_alias(&self, name: &str, alias: &str, at: Option<DateTime<Utc>>) -> Result<Model> {
        tx!(self, read, |c| ops::resolve_alias(c, name, alias, at))
    }

    fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasChange>> {
        tx!(self, read, |c| ops::alias_history(c, name, alias))
    }

    fn aliases(&self, name: &str) -> Result<BTreeMap<String, ModelId>> {
        tx!(self, read, |c| ops::aliases(c, name))
    }

    fn record_artifact(&self, artifact: NewArtifact, opts: WriteOptions) -> Result<ArtifactRecord> {
        aaiti_registry::validate_key(&artifact.name)?;
        aaiti_registry::validate_key(&artifact.uri)?;
        let now = self.now();
        let id = aaiti_registry::new_model_id(now);
        tx!(self, write, |c| ops::record_artifact(
            c, &artifact, id, &opts, now
        ))
    }

    fn artifacts(&self, model: ModelId) -> Result<Vec<ArtifactRecord>> {
        tx!(self, read, |c| ops::artifacts(c, Some(model)))
    }

    fn all_artifacts(&self) -> Result<Vec<ArtifactRecord>> {
        tx!(self, read, |c| ops::artifacts(c, None))
    }

    fn touch_artifact(&self, id: uuid::Uuid) -> Result<ArtifactRecord> {
        let now = self.now();
        tx!(self, write, |c| ops::touch_artifact(c, id, now))
    }

    fn append_event(&self, event: NewEvent) -> Result<Event> {
        aaiti_registry::validate_event(&event)?;
        let now = self.now();
        tx!(self, write, |c| {
            ops::lock_head(c)?;
            ops::append_event(c, now, event.clone())
        })
    }

    fn events(&self, query: &EventQuery) -> Result<Vec<Event>> {
        tx!(self, read, |c| ops::events(c, query))
    }

    fn verify_chain(&self) -> Result<ChainReport> {
        tx!(self, read, |c| ops::verify_chain(c))
    }
}
