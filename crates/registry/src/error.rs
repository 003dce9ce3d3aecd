//! The registry's error type: semantic variants that every backend maps its driver errors into.

/// Result alias for registry operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a registry call.
///
/// Backends map their private driver errors into these semantic variants (the `object_store`
/// pattern), so callers can match on `NotFound`/`AlreadyExists`/`Conflict` whatever the backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The entity does not exist.
    #[error("{entity} not found: {key}")]
    NotFound {
        /// Kind of entity ("model", "run", "alias", ...).
        entity: &'static str,
        /// The key that was looked up.
        key: String,
    },
    /// An entity with the same unique key already exists (e.g. the same name + version).
    #[error("{entity} already exists: {key}")]
    AlreadyExists {
        /// Kind of entity.
        entity: &'static str,
        /// The duplicated key.
        key: String,
    },
    /// An optimistic-concurrency precondition failed (the row changed since it was read).
    #[error("conflict on {entity} {key}: {message}")]
    Conflict {
        /// Kind of entity.
        entity: &'static str,
        /// The key of the entity.
        key: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A lifecycle transition that the state machine does not allow.
    #[error("invalid status transition for model {model}: {from} -> {to}")]
    InvalidTransition {
        /// The model.
        model: String,
        /// Current status.
        from: String,
        /// Requested status.
        to: String,
    },
    /// Stored data failed an integrity check: checksum mismatch, broken audit hash chain.
    #[error("integrity check failed for {what}: {message}")]
    Integrity {
        /// What was checked (artifact key, audit event seq, ...).
        what: String,
        /// Expected vs found.
        message: String,
    },
    /// An argument was invalid (bad semver, empty name, NaN where not allowed, ...).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The offending field or argument.
        field: &'static str,
        /// Why it is invalid.
        message: String,
    },
    /// An artifact key or name that could escape its prefix (path traversal) or is malformed.
    #[error("invalid artifact key {key:?}: {message}")]
    InvalidKey {
        /// The rejected key.
        key: String,
        /// Why it was rejected.
        message: String,
    },
    /// The database schema was written by a newer version of this crate.
    #[error(
        "database schema version {found} is newer than this build supports ({supported}); upgrade aaiti"
    )]
    SchemaTooNew {
        /// Newest migration recorded in the database.
        found: String,
        /// Newest migration this build knows.
        supported: String,
    },
    /// Any other backend failure (I/O, driver, connection), with its source.
    #[error("{backend} backend error: {source}")]
    Backend {
        /// Which backend ("sqlite", "postgres", "object_store", "memory").
        backend: &'static str,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(entity: &'static str, key: impl std::fmt::Display) -> Self {
        Self::NotFound {
            entity,
            key: key.to_string(),
        }
    }
    /// Shorthand for [`Error::AlreadyExists`].
    pub fn already_exists(entity: &'static str, key: impl std::fmt::Display) -> Self {
        Self::AlreadyExists {
            entity,
            key: key.to_string(),
        }
    }
    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            message: message.into(),
        }
    }
    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(
        entity: &'static str,
        key: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Self::Conflict {
            entity,
            key: key.to_string(),
            message: message.into(),
        }
    }
    /// Shorthand for [`Error::Integrity`].
    pub fn integrity(what: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Integrity {
            what: what.into(),
            message: message.into(),
        }
    }
    /// Wraps a backend error.
    pub fn backend(
        backend: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Backend {
            backend,
            source: source.into(),
        }
    }
}
