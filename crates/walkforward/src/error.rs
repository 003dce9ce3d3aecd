//! The crate's error type.

/// Everything that can go wrong in `aaiti-walkforward`.
///
/// Configuration errors carry the inequality that failed (`rule`) and the
/// values that broke it (`values`), so a message reads like
/// `infeasible split configuration: n_splits + 1 <= n_samples does not hold (n_splits=5, n_samples=4)`.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its domain (e.g. a fraction outside `(0, 1]`).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration cannot produce valid splits for this data; `rule` is
    /// the inequality that must hold.
    #[error("infeasible split configuration: {rule} does not hold ({values})")]
    Infeasible {
        /// The inequality that must hold, e.g. `"n_splits + 1 <= n_samples"`.
        rule: &'static str,
        /// The offending values, e.g. `"n_splits=5, n_samples=4"`.
        values: String,
    },
    /// Two inputs that must have the same length do not.
    #[error("length mismatch: {what} has length {got}, expected {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// Timestamps or label times are not ordered as required.
    #[error("unordered input: {what} at index {index}")]
    Unordered {
        /// What was expected (e.g. "timestamps must be strictly increasing").
        what: &'static str,
        /// First offending index.
        index: usize,
    },
    /// A non-finite value where a finite one is required.
    #[error("non-finite value in {what} at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// First offending index.
        index: usize,
    },
    /// Too little data for a statistic or a fold (e.g. `T < 3` for PSR).
    #[error("insufficient data: {what} (got {got}, need at least {need})")]
    InsufficientData {
        /// Which statistic/input.
        what: &'static str,
        /// How many were given.
        got: usize,
        /// How many are needed.
        need: usize,
    },
    /// A statistic is mathematically undefined for this input (e.g. zero variance).
    #[error("undefined statistic: {0}")]
    Undefined(String),
    /// A split referenced rows outside `0..n_samples`.
    #[error("split {split} references row {row} outside 0..{n_samples}")]
    OutOfBounds {
        /// Split id.
        split: usize,
        /// Offending row (end of range).
        row: usize,
        /// Number of rows.
        n_samples: usize,
    },
    /// The user's per-split closure failed.
    #[error("split {split} failed: {message}")]
    Evaluation {
        /// Split id.
        split: usize,
        /// The closure's error, rendered.
        message: String,
    },
    /// Writing a report or a plot failed.
    #[error("output error: {0}")]
    Output(String),
    /// A walk-forward run config (`[walkforward]` section or the training config) is invalid.
    #[error("config error: {0}")]
    Config(String),
    /// A step of the training pipeline (data, features, labels, scaler, model) failed.
    #[error("{step} failed: {message}")]
    Pipeline {
        /// Which step (e.g. `"loading bars"`, `"preparing features and labels"`).
        step: &'static str,
        /// The underlying error, rendered.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn infeasible(rule: &'static str, values: String) -> Error {
    Error::Infeasible { rule, values }
}

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
