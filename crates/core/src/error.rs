//! The crate's error type.

use std::fmt;
use std::path::PathBuf;

/// Where a value came from: a 1-based line of a file, or a 0-based row of in-memory columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A 1-based line of a text file (the header is line 1, the first data row line 2).
    Line {
        /// The file, when known.
        path: Option<PathBuf>,
        /// 1-based line number.
        line: u64,
    },
    /// A 0-based row of in-memory columns (or of a Parquet file).
    Row(usize),
}

impl Location {
    /// The 1-based file line, if this location is one.
    #[must_use]
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::Line { line, .. } => Some(*line),
            Self::Row(_) => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line {
                path: Some(p),
                line,
            } => write!(f, "{}:{line}", p.display()),
            Self::Line { path: None, line } => write!(f, "line {line}"),
            Self::Row(r) => write!(f, "row {r}"),
        }
    }
}

/// What is wrong with one bar. Always wrapped in [`Error::Invalid`] with the bar's location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BarError {
    /// A field could not be parsed.
    #[error("column `{column}`: cannot parse {value:?} as {expected}")]
    Unparsable {
        /// Column name.
        column: String,
        /// The raw text.
        value: String,
        /// What was expected (e.g. "a number", "an ISO-8601 timestamp").
        expected: String,
    },
    /// A timestamp is earlier than the one before it.
    #[error(
        "column `{column}`: timestamp {value} is earlier than the previous one {previous} ({previous_location})"
    )]
    NonMonotonicTimestamp {
        /// Column name.
        column: String,
        /// This timestamp (RFC 3339).
        value: String,
        /// The previous timestamp (RFC 3339).
        previous: String,
        /// Where the previous one is.
        previous_location: Location,
    },
    /// A timestamp equals the one before it.
    #[error("column `{column}`: duplicate timestamp {value} (first at {first_location})")]
    DuplicateTimestamp {
        /// Column name.
        column: String,
        /// The timestamp (RFC 3339).
        value: String,
        /// Where it first occurred.
        first_location: Location,
    },
    /// `high < low`.
    #[error("column `high`: high {high} is below low {low}")]
    HighBelowLow {
        /// The high.
        high: f64,
        /// The low.
        low: f64,
    },
    /// Open or close outside `[low, high]`.
    #[error("column `{column}`: {value} is outside [low, high] = [{low}, {high}]")]
    OutsideRange {
        /// `open` or `close`.
        column: String,
        /// The value.
        value: f64,
        /// The bar's low.
        low: f64,
        /// The bar's high.
        high: f64,
    },
    /// A price is NaN or infinite.
    #[error("column `{column}`: price {value} is not finite")]
    NonFinitePrice {
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
    /// A price is zero or negative.
    #[error("column `{column}`: price {value} is not positive")]
    NonPositivePrice {
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
    /// Volume is negative.
    #[error("column `{column}`: volume {value} is negative")]
    NegativeVolume {
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
    /// Volume is NaN or infinite.
    #[error("column `{column}`: volume {value} is not finite")]
    NonFiniteVolume {
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
}

impl BarError {
    /// The column the error is about.
    #[must_use]
    pub fn column(&self) -> &str {
        match self {
            Self::Unparsable { column, .. }
            | Self::NonMonotonicTimestamp { column, .. }
            | Self::DuplicateTimestamp { column, .. }
            | Self::OutsideRange { column, .. }
            | Self::NonFinitePrice { column, .. }
            | Self::NonPositivePrice { column, .. }
            | Self::NegativeVolume { column, .. }
            | Self::NonFiniteVolume { column, .. } => column,
            Self::HighBelowLow { .. } => "high",
        }
    }
}

/// Errors of `aaiti-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A bar is invalid; `location` says where, `error` says what.
    #[error("{location}: {error}")]
    Invalid {
        /// Where the bad bar is.
        location: Location,
        /// What is wrong (boxed to keep `Result`s small).
        #[source]
        error: Box<BarError>,
    },
    /// A required column is not in the file's header.
    #[error("{}: missing column `{column}` (header has: {})", path.display(), header.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column that was looked for.
        column: String,
        /// The columns the header has.
        header: Vec<String>,
    },
    /// A data row has a different number of fields than the header.
    #[error("{location}: expected {expected} fields, found {found}")]
    FieldCount {
        /// Where.
        location: Location,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV reader or writer failed (malformed quoting, invalid UTF-8...).
    #[error("{location}: malformed CSV: {source}")]
    Csv {
        /// Where.
        location: Location,
        /// The csv crate's error.
        #[source]
        source: csv::Error,
    },
    /// A Parquet file could not be read or written.
    #[error("{}: parquet: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A timeframe string or value is invalid.
    #[error("invalid timeframe {value:?}: {reason}")]
    InvalidTimeframe {
        /// The text or value given.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// An operation needs the bars' timeframe, and none is set or can be inferred.
    #[error("the bars of `{symbol}` have no timeframe; set one (e.g. --timeframe 1h)")]
    MissingTimeframe {
        /// The instrument.
        symbol: String,
    },
    /// Resampling to a timeframe that is not a whole multiple of the source timeframe.
    #[error("cannot resample {from} bars to {to}: {to} is not a whole multiple of {from}")]
    IncompatibleTimeframe {
        /// The source timeframe.
        from: String,
        /// The requested timeframe.
        to: String,
    },
    /// A bar's timestamp is not aligned to its timeframe's bucket boundaries.
    #[error(
        "{location}: timestamp {value} is not aligned to {timeframe} bars (bucket opens at {bucket})"
    )]
    Misaligned {
        /// Where.
        location: Location,
        /// The timestamp.
        value: String,
        /// The timeframe.
        timeframe: String,
        /// The bucket's open time.
        bucket: String,
    },
    /// Columns of different lengths were combined.
    #[error("column `{column}` has {found} values, expected {expected}")]
    LengthMismatch {
        /// Column name.
        column: String,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// A [`crate::Dataset`] is inconsistent.
    #[error("invalid dataset: {0}")]
    Dataset(String),
}

impl Error {
    /// An [`Error::Invalid`] at `location`.
    #[must_use]
    pub fn invalid(location: Location, error: BarError) -> Self {
        Self::Invalid {
            location,
            error: Box::new(error),
        }
    }
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
