//! The crate's error type.

/// Everything that can go wrong in configuration, metrics, the pipeline or persistence.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The TOML config could not be parsed (syntax, unknown key, wrong type); the message names
    /// the key and its line.
    #[error("config: {0}")]
    ConfigParse(String),
    /// A config value is out of range.
    #[error("config key `{key}` = {value}: {expected}")]
    ConfigValue {
        /// Dotted key, e.g. `split.train`.
        key: String,
        /// The value found.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// Two inputs of a metric have different lengths.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// The metric or routine.
        what: &'static str,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// A metric got no samples.
    #[error("{what}: no samples")]
    Empty {
        /// The metric.
        what: &'static str,
    },
    /// A non-finite input value.
    #[error("{what}: non-finite value {value} at index {index}")]
    NonFinite {
        /// The metric or routine.
        what: &'static str,
        /// Position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A metric is undefined on this input (e.g. ROC AUC with one class in `y_true`).
    #[error("{what}: {reason}")]
    Undefined {
        /// The metric.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The data cannot be split or trained on as configured.
    #[error("data: {0}")]
    Data(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A saved bundle is corrupt or of another format.
    #[error("bundle: {0}")]
    Bundle(String),
    /// From aaiti-core.
    #[error(transparent)]
    Core(#[from] aaiti_core::Error),
    /// From aaiti-features.
    #[error(transparent)]
    Features(#[from] aaiti_features::Error),
    /// From aaiti-models.
    #[error(transparent)]
    Models(#[from] aaiti_models::Error),
    /// From aaiti-registry.
    #[error(transparent)]
    Registry(#[from] aaiti_registry::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn value_err(key: &str, value: impl std::fmt::Display, expected: &str) -> Error {
    Error::ConfigValue {
        key: key.to_owned(),
        value: value.to_string(),
        expected: expected.to_owned(),
    }
}

pub(crate) fn check_len(what: &'static str, left: usize, right: usize) -> Result<()> {
    if left == right {
        Ok(())
    } else {
        Err(Error::LengthMismatch { what, left, right })
    }
}

pub(crate) fn check_finite(what: &'static str, x: &[f64]) -> Result<()> {
    match x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((index, &value)) => Err(Error::NonFinite { what, index, value }),
        None => Ok(()),
    }
}
