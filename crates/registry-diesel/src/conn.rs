//! The connection layer: one small trait, [`RegConn`], implemented for each diesel connection,
//! so the registry logic (`ops.rs`) is written once and monomorphised per backend.
//!
//! SQL is written once with `?` placeholders; PostgreSQL gets them renumbered to `$1, $2, ...`.

use aaiti_registry::Error;
use diesel::QueryableByName;
use diesel::connection::Connection;
use diesel::query_dsl::RunQueryDsl;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Binary, Bool, Double, Nullable, Text};

#[cfg(feature = "postgres")]
use diesel::pg::{Pg, PgConnection};
#[cfg(feature = "sqlite")]
use diesel::sqlite::{Sqlite, SqliteConnection};

/// Which SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    #[cfg(feature = "sqlite")]
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Kind::Sqlite => "sqlite",
            #[cfg(feature = "postgres")]
            Kind::Postgres => "postgres",
        }
    }
}

/// A bind value.
#[derive(Debug, Clone)]
pub(crate) enum B {
    I(i64),
    OI(Option<i64>),
    F(Option<f64>),
    T(String),
    OT(Option<String>),
    Bo(bool),
    /// BLOB (SQLite metric chunks).
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Bl(Vec<u8>),
}

/// Error inside a transaction: a driver error (maybe retryable) or a registry error (never).
#[derive(Debug)]
pub(crate) enum TxErr {
    Db(DieselError),
    Reg(Error),
}

impl From<DieselError> for TxErr {
    fn from(e: DieselError) -> Self {
        TxErr::Db(e)
    }
}

impl From<Error> for TxErr {
    fn from(e: Error) -> Self {
        TxErr::Reg(e)
    }
}

pub(crate) type TxResult<T> = std::result::Result<T, TxErr>;

/// Whether a driver error is a transient lock/serialisation failure worth retrying.
pub(crate) fn retryable(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(kind, info) => {
            let msg = info.message().to_ascii_lowercase();
            matches!(kind, DatabaseErrorKind::SerializationFailure)
                || msg.contains("database is locked")
                || msg.contains("database is busy")
                || msg.contains("database table is locked")
                || msg.contains("deadlock detected")
                || msg.contains("could not serialize")
        }
        _ => false,
    }
}

/// Maps a driver error to a registry error.
pub(crate) fn map_db(kind: &'static str, e: DieselError) -> Error {
    match e {
        DieselError::NotFound => Error::not_found("row", "query returned no row"),
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Error::already_exists("row", info.message().to_owned())
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
            Error::not_found("referenced row", info.message().to_owned())
        }
        other => Error::backend(kind, other),
    }
}

/// Rows loadable on every enabled backend.
#[cfg(all(feature = "sqlite", feature = "postgres"))]
pub(crate) trait AnyRow: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static {}
#[cfg(all(feature = "sqlite", feature = "postgres"))]
impl<T: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static> AnyRow for T {}
#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
pub(crate) trait AnyRow: QueryableByName<Sqlite> + 'static {}
#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
impl<T: QueryableByName<Sqlite> + 'static> AnyRow for T {}
#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
pub(crate) trait AnyRow: QueryableByName<Pg> + 'static {}
#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
impl<T: QueryableByName<Pg> + 'static> AnyRow for T {}

/// What the registry logic needs from a connection.
pub(crate) trait RegConn {
    fn kind(&self) -> Kind;
    fn load<R: AnyRow>(&mut self, sql: &str, binds: &[B]) -> Result<Vec<R>, DieselError>;
    fn exec(&mut self, sql: &str, binds: &[B]) -> Result<usize, DieselError>;
    /// Inserts metric points in row mode: PostgreSQL, one binary `COPY FROM STDIN` (SQLite stores
    /// points in packed chunks instead, see `ops::store_chunks`). A duplicate `(run, key, step)`
    /// is a `UniqueViolation`.
    #[cfg(feature = "postgres")]
    fn insert_points(&mut self, rows: Vec<PointIns>) -> Result<(), DieselError> {
        let _ = rows;
        Err(DieselError::QueryBuilderError(
            "row-mode point insert is implemented for PostgreSQL only".into(),
        ))
    }
}

/// One metric point in row mode: `(run, key id, step) -> (timestamp, value)`; `value` `None`
/// encodes NaN.
#[cfg(feature = "postgres")]
#[derive(Debug, Clone, Copy, diesel::Insertable)]
#[diesel(table_name = pg_tables::run_metrics)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct PointIns {
    pub(crate) run_id: i64,
    pub(crate) key_id: i64,
    pub(crate) step: i64,
    pub(crate) ts_us: i64,
    pub(crate) value: Option<f64>,
}

/// diesel table definitions used only by PostgreSQL `COPY` (the rest of the crate writes SQL
/// text). Unqualified, so they follow `search_path` like every other statement.
#[cfg(feature = "postgres")]
pub(crate) mod pg_tables {
    diesel::table! {
        run_metrics (run_id, key_id, step) {
            run_id -> BigInt,
            key_id -> BigInt,
            step -> BigInt,
            ts_us -> BigInt,
            value -> Nullable<Double>,
        }
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b.clone() {
                B::I(v) => q.bind::<BigInt, _>(v),
                B::OI(v) => q.bind::<Nullable<BigInt>, _>(v),
                B::F(v) => q.bind::<Nullable<Double>, _>(v),
                B::T(v) => q.bind::<Text, _>(v),
                B::OT(v) => q.bind::<Nullable<Text>, _>(v),
                B::Bo(v) => q.bind::<Bool, _>(v),
                B::Bl(v) => q.bind::<Binary, _>(v),
            };
        }
        q
    }};
}

#[cfg(feature = "sqlite")]
impl RegConn for SqliteConnection {
    fn kind(&self) -> Kind {
        Kind::Sqlite
    }
    fn load<R: AnyRow>(&mut self, sql: &str, binds: &[B]) -> Result<Vec<R>, DieselError> {
        let q = bind_all!(diesel::sql_query(sql).into_boxed::<Sqlite>(), binds);
        q.load(self)
    }
    fn exec(&mut self, sql: &str, binds: &[B]) -> Result<usize, DieselError> {
        let q = bind_all!(diesel::sql_query(sql).into_boxed::<Sqlite>(), binds);
        q.execute(self)
    }
}

/// Renumbers `?` placeholders to `$1, $2, ...` (no SQL we write contains a literal `?`).
#[cfg(feature = "postgres")]
pub(crate) fn pg_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(feature = "postgres")]
impl RegConn for PgConnection {
    fn kind(&self) -> Kind {
        Kind::Postgres
    }
    fn load<R: AnyRow>(&mut self, sql: &str, binds: &[B]) -> Result<Vec<R>, DieselError> {
        let q = bind_all!(diesel::sql_query(pg_sql(sql)).into_boxed::<Pg>(), binds);
        q.load(self)
    }
    fn exec(&mut self, sql: &str, binds: &[B]) -> Result<usize, DieselError> {
        let q = bind_all!(diesel::sql_query(pg_sql(sql)).into_boxed::<Pg>(), binds);
        q.execute(self)
    }
    fn insert_points(&mut self, rows: Vec<PointIns>) -> Result<(), DieselError> {
        use diesel::ExecuteCopyFromDsl as _;
        if rows.is_empty() {
            return Ok(());
        }
        // Binary COPY: no SQL text to parse, no per-row bind overhead, exact float8 values.
        diesel::copy_from(pg_tables::run_metrics::table)
            .from_insertable(rows)
            .execute(self)
            .map(|_| ())
    }
}

/// The open connection.
pub(crate) enum Conn {
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteConnection),
    #[cfg(feature = "postgres")]
    Pg(PgConnection),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => f.write_str("Conn::Sqlite"),
            #[cfg(feature = "postgres")]
            Conn::Pg(_) => f.write_str("Conn::Pg"),
        }
    }
}

/// Transactions per connection type: writes on SQLite are `BEGIN IMMEDIATE` (the write lock is
/// taken up front, so a transaction never fails half-way on lock upgrade); PostgreSQL reads are
/// `REPEATABLE READ, READ ONLY` (one consistent snapshot for multi-query reads).
pub(crate) trait TxConn: Sized {
    fn write_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T>;
    fn read_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T>;
}

#[cfg(feature = "sqlite")]
impl TxConn for SqliteConnection {
    fn write_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T> {
        self.immediate_transaction(f)
    }
    fn read_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T> {
        self.transaction(f)
    }
}

#[cfg(feature = "postgres")]
impl TxConn for PgConnection {
    fn write_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T> {
        self.transaction(f)
    }
    fn read_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> TxResult<T>) -> TxResult<T> {
        self.build_transaction()
            .repeatable_read()
            .read_only()
            .run(f)
    }
}

/// Deterministic jittered backoff for lock retries (no wall clock, no global RNG).
pub(crate) fn backoff(attempt: u32) -> std::time::Duration {
    let base = 1u64 << attempt.min(6); // 1..64 ms
    let mut x = u64::from(std::process::id())
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(u64::from(attempt).wrapping_mul(1_442_695_040_888_963_407));
    x ^= x >> 33;
    std::time::Duration::from_micros(base * 1000 / 2 + x % (base * 1000))
}

/// Count of rows helper.
#[derive(QueryableByName, Debug)]
pub(crate) struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

/// Single i64 helper.
#[derive(QueryableByName, Debug)]
pub(crate) struct IdRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
}

/// Single text helper.
#[derive(QueryableByName, Debug)]
pub(crate) struct TextRow {
    #[diesel(sql_type = Text)]
    pub(crate) v: String,
}
