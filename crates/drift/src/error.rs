//! The crate's error type.

/// Everything that can go wrong in `aaiti-drift`. Every variant names what was wrong and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value fed to a detector or test was NaN or infinite.
    #[error("non-finite value {value} at index {index} of {what}")]
    NonFinite {
        /// Which input ("stream", "reference sample", column name, ...).
        what: String,
        /// 0-based position of the bad value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A value outside the domain a detector accepts (e.g. an error indicator that is not 0 or 1).
    #[error("value {value} at index {index} is outside {expected} for {detector}")]
    OutOfDomain {
        /// The detector or routine.
        detector: &'static str,
        /// What was expected, e.g. "[0, 1]".
        expected: &'static str,
        /// 0-based position in the stream (number of updates so far).
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A sample that must not be empty was empty.
    #[error("{what} is empty")]
    Empty {
        /// Which sample.
        what: String,
    },
    /// A sample too small for the requested computation (e.g. a window larger than the data).
    #[error("{what} needs at least {needed} values, got {got}")]
    TooFew {
        /// What was being computed.
        what: String,
        /// Minimum size required.
        needed: usize,
        /// Size supplied.
        got: usize,
    },
    /// A parameter outside its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The supplied value, formatted.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Reference and current feature matrices disagree on columns.
    #[error("feature mismatch: {detail}")]
    FeatureMismatch {
        /// What differs (counts or names).
        detail: String,
    },
    /// Two inputs that must have equal length do not.
    #[error("length mismatch: {what} has {left} vs {right}")]
    LengthMismatch {
        /// What was compared.
        what: String,
        /// First length.
        left: usize,
        /// Second length.
        right: usize,
    },
    /// An unknown detector, test or option name (from configuration or the CLI).
    #[error("unknown {kind} {name:?}; expected one of: {expected}")]
    Unknown {
        /// What kind of name ("detector", "test", "parameter").
        kind: &'static str,
        /// The name given.
        name: String,
        /// The accepted names.
        expected: String,
    },
    /// A numerical routine could not produce a finite answer.
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The routine.
        what: &'static str,
        /// Details.
        detail: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Checks that every value is finite; names the first bad one.
pub(crate) fn check_finite(what: &str, xs: &[f64]) -> Result<()> {
    // blocks of 16 without early exit (vectorised), the position only in a block that fails
    let clean = |c: &[f64]| c.iter().fold(true, |ok, x| ok & x.is_finite());
    let mut chunks = xs.chunks_exact(16);
    if chunks.all(clean) && clean(chunks.remainder()) {
        return Ok(());
    }
    match xs.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(Error::NonFinite {
            what: what.to_string(),
            index,
            value: xs[index],
        }),
    }
}

/// Checks that a sample is non-empty and finite.
pub(crate) fn check_sample(what: &str, xs: &[f64]) -> Result<()> {
    if xs.is_empty() {
        return Err(Error::Empty {
            what: what.to_string(),
        });
    }
    check_finite(what, xs)
}

/// Builds an [`Error::InvalidParameter`].
pub(crate) fn invalid(
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> Error {
    Error::InvalidParameter {
        name,
        value: value.to_string(),
        reason,
    }
}
