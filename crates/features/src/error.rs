//! The crate's error type.

/// Everything that can go wrong in `aaiti-features`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter value is outside the range the function accepts (TA-Lib's ranges).
    #[error("{function}: parameter `{name}` = {value} is invalid; expected {expected}")]
    InvalidParameter {
        /// TA-Lib function name (e.g. `RSI`); empty when not yet known.
        function: String,
        /// Parameter name (TA-Lib's, e.g. `timeperiod`).
        name: String,
        /// The value given.
        value: String,
        /// The valid range or set, e.g. `an integer in 2..=100000`.
        expected: String,
    },
    /// A parameter name the function does not have.
    #[error("{function}: unknown parameter `{name}`; valid parameters: {valid}")]
    UnknownParameter {
        /// TA-Lib function name.
        function: String,
        /// The unknown name.
        name: String,
        /// The function's parameters, comma separated.
        valid: String,
    },
    /// A function name that is not in the catalog.
    #[error("unknown indicator function `{name}` (use TA-Lib function names such as RSI or MACD)")]
    UnknownFunction {
        /// The name given.
        name: String,
    },
    /// A textual indicator or parameter specification could not be parsed.
    #[error("cannot parse {input:?}: {reason}")]
    Parse {
        /// The text.
        input: String,
        /// What was wrong.
        reason: String,
    },
    /// A feature-set specification is inconsistent.
    #[error("feature spec: {0}")]
    Spec(String),
    /// Shapes or column names do not match.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A feature that is not available.
    #[error("{what} is not supported: {reason}")]
    Unsupported {
        /// What was asked for.
        what: String,
        /// Why it is not available.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An error from `aaiti-core` (bars, datasets).
    #[error(transparent)]
    Core(#[from] aaiti_core::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Fills in the function name of parameter errors that do not carry one yet.
    #[must_use]
    pub(crate) fn in_function(mut self, f: &str) -> Self {
        match &mut self {
            Self::InvalidParameter { function, .. } | Self::UnknownParameter { function, .. }
                if function.is_empty() =>
            {
                f.clone_into(function);
            }
            _ => {}
        }
        self
    }
}
