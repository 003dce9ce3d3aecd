//! Columnar OHLCV bars for one instrument.

use std::ops::Range;

use chrono::{DateTime, Utc};
use ndarray::{Array1, ArrayView1, s};
use serde::{Deserialize, Serialize};

use crate::error::{BarError, Error, Location, Result};
use crate::timeframe::Timeframe;

/// The five price/volume columns of [`Bars`], all of the same length.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ohlcv {
    /// Opening prices.
    pub open: Array1<f64>,
    /// Highest prices.
    pub high: Array1<f64>,
    /// Lowest prices.
    pub low: Array1<f64>,
    /// Closing prices.
    pub close: Array1<f64>,
    /// Traded volume.
    pub volume: Array1<f64>,
}

/// Validated, columnar OHLCV bars of one instrument, ordered by strictly increasing UTC time.
///
/// Every `Bars` value satisfies these invariants (checked by [`Bars::new`] and by every loader):
/// timestamps strictly increase; prices are finite and positive; `low <= high`;
/// `open` and `close` lie in `[low, high]`; volume is finite and non-negative.
/// Timestamps are bar **open** times (see [`Timeframe`]).
///
/// ```
/// use aaiti_core::{Bars, Ohlcv};
/// use chrono::{DateTime, Utc};
/// use ndarray::array;
///
/// let ts: Vec<DateTime<Utc>> = ["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"]
///     .iter().map(|s| s.parse().unwrap()).collect();
/// let bars = Bars::new("BTC-USD", Some("1h".parse()?), ts, Ohlcv {
///     open: array![100.0, 101.0], high: array![102.0, 103.0], low: array![99.0, 100.5],
///     close: array![101.0, 102.5], volume: array![10.0, 12.0],
/// })?;
/// assert_eq!(bars.len(), 2);
/// assert_eq!(bars.close()[1], 102.5);
/// # Ok::<(), aaiti_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bars {
    symbol: String,
    timeframe: Option<Timeframe>,
    timestamps: Vec<DateTime<Utc>>,
    columns: Ohlcv,
}

impl Bars {
    /// Builds bars from columns, validating every row.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`] when columns differ in length, or [`Error::Invalid`] with the
    /// 0-based [`Location::Row`] of the first bar that breaks an invariant.
    pub fn new(
        symbol: impl Into<String>,
        timeframe: Option<Timeframe>,
        timestamps: Vec<DateTime<Utc>>,
        columns: Ohlcv,
    ) -> Result<Self> {
        let n = timestamps.len();
        for (name, col) in [
            ("open", &columns.open),
            ("high", &columns.high),
            ("low", &columns.low),
            ("close", &columns.close),
            ("volume", &columns.volume),
        ] {
            if col.len() != n {
                return Err(Error::LengthMismatch {
                    column: name.to_owned(),
                    expected: n,
                    found: col.len(),
                });
            }
        }
        for i in 0..n {
            let bar = Bar {
                open: columns.open[i],
                high: columns.high[i],
                low: columns.low[i],
                close: columns.close[i],
                volume: columns.volume[i],
            };
            check_bar(&bar, &ColumnNames::default())
                .map_err(|error| Error::invalid(Location::Row(i), error))?;
            if i > 0 {
                check_order(
                    timestamps[i - 1],
                    timestamps[i],
                    "timestamp",
                    Location::Row(i - 1),
                )
                .map_err(|error| Error::invalid(Location::Row(i), error))?;
            }
        }
        Ok(Self {
            symbol: symbol.into(),
            timeframe,
            timestamps,
            columns,
        })
    }

    /// An empty series.
    #[must_use]
    pub fn empty(symbol: impl Into<String>, timeframe: Option<Timeframe>) -> Self {
        Self {
            symbol: symbol.into(),
            timeframe,
            timestamps: Vec::new(),
            columns: Ohlcv::default(),
        }
    }

    /// Instrument symbol.
    #[must_use]
    pub fn symbol(&self) -> &str {
        &self.symbol
    }

    /// The bar duration, if known.
    #[must_use]
    pub fn timeframe(&self) -> Option<Timeframe> {
        self.timeframe
    }

    /// Returns the same bars with another symbol.
    #[must_use]
    pub fn with_symbol(mut self, symbol: impl Into<String>) -> Self {
        self.symbol = symbol.into();
        self
    }

    /// Returns the same bars with the timeframe set.
    #[must_use]
    pub fn with_timeframe(mut self, timeframe: Option<Timeframe>) -> Self {
        self.timeframe = timeframe;
        self
    }

    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// Bar open times, strictly increasing.
    #[must_use]
    pub fn timestamps(&self) -> &[DateTime<Utc>] {
        &self.timestamps
    }

    /// Opening prices.
    #[must_use]
    pub fn open(&self) -> ArrayView1<'_, f64> {
        self.columns.open.view()
    }

    /// Highest prices.
    #[must_use]
    pub fn high(&self) -> ArrayView1<'_, f64> {
        self.columns.high.view()
    }

    /// Lowest prices.
    #[must_use]
    pub fn low(&self) -> ArrayView1<'_, f64> {
        self.columns.low.view()
    }

    /// Closing prices.
    #[must_use]
    pub fn close(&self) -> ArrayView1<'_, f64> {
        self.columns.close.view()
    }

    /// Traded volume.
    #[must_use]
    pub fn volume(&self) -> ArrayView1<'_, f64> {
        self.columns.volume.view()
    }

    /// All five columns.
    #[must_use]
    pub fn columns(&self) -> &Ohlcv {
        &self.columns
    }

    /// The bar at index `i`, if any.
    #[must_use]
    pub fn bar(&self, i: usize) -> Option<(DateTime<Utc>, Bar)> {
        let t = *self.timestamps.get(i)?;
        Some((
            t,
            Bar {
                open: self.columns.open[i],
                high: self.columns.high[i],
                low: self.columns.low[i],
                close: self.columns.close[i],
                volume: self.columns.volume[i],
            },
        ))
    }

    /// Iterates over `(open time, bar)` pairs in time order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (DateTime<Utc>, Bar)> + '_ {
        let c = &self.columns;
        self.timestamps.iter().enumerate().map(move |(i, &t)| {
            (
                t,
                Bar {
                    open: c.open[i],
                    high: c.high[i],
                    low: c.low[i],
                    close: c.close[i],
                    volume: c.volume[i],
                },
            )
        })
    }

    /// A copy of the bars in `range` (indices, half-open). Out-of-range bounds are clamped.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Self {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        let cut = |a: &Array1<f64>| a.slice(s![start..end]).to_owned();
        Self {
            symbol: self.symbol.clone(),
            timeframe: self.timeframe,
            timestamps: self.timestamps[start..end].to_vec(),
            columns: Ohlcv {
                open: cut(&self.columns.open),
                high: cut(&self.columns.high),
                low: cut(&self.columns.low),
                close: cut(&self.columns.close),
                volume: cut(&self.columns.volume),
            },
        }
    }

    /// The index range of bars whose open time lies in `[start, end)`.
    #[must_use]
    pub fn range_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Range<usize> {
        let a = self.timestamps.partition_point(|t| *t < start);
        let b = self.timestamps.partition_point(|t| *t < end).max(a);
        a..b
    }

    /// Splits into timestamps and columns.
    #[must_use]
    pub fn into_parts(self) -> (String, Option<Timeframe>, Vec<DateTime<Utc>>, Ohlcv) {
        (self.symbol, self.timeframe, self.timestamps, self.columns)
    }

    /// Builds bars from parts that are already known to be valid (e.g. aggregated from valid bars).
    pub(crate) fn from_valid_parts(
        symbol: String,
        timeframe: Option<Timeframe>,
        timestamps: Vec<DateTime<Utc>>,
        columns: Ohlcv,
    ) -> Self {
        Self {
            symbol,
            timeframe,
            timestamps,
            columns,
        }
    }
}

/// One bar's prices and volume.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    /// Opening price.
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Closing price.
    pub close: f64,
    /// Traded volume.
    pub volume: f64,
}

/// The names used for each column in error messages (a file's header names).
#[derive(Debug, Clone)]
pub(crate) struct ColumnNames {
    pub(crate) open: String,
    pub(crate) high: String,
    pub(crate) low: String,
    pub(crate) close: String,
    pub(crate) volume: String,
}

impl Default for ColumnNames {
    fn default() -> Self {
        Self {
            open: "open".into(),
            high: "high".into(),
            low: "low".into(),
            close: "close".into(),
            volume: "volume".into(),
        }
    }
}

/// Checks one bar's invariants, in a fixed order: prices finite, prices positive, volume,
/// `high >= low`, open in range, close in range.
pub(crate) fn check_bar(b: &Bar, names: &ColumnNames) -> Result<(), BarError> {
    for (name, v) in [
        (&names.open, b.open),
        (&names.high, b.high),
        (&names.low, b.low),
        (&names.close, b.close),
    ] {
        if !v.is_finite() {
            return Err(BarError::NonFinitePrice {
                column: name.clone(),
                value: v,
            });
        }
        if v <= 0.0 {
            return Err(BarError::NonPositivePrice {
                column: name.clone(),
                value: v,
            });
        }
    }
    if !b.volume.is_finite() {
        return Err(BarError::NonFiniteVolume {
            column: names.volume.clone(),
            value: b.volume,
        });
    }
    if b.volume < 0.0 {
        return Err(BarError::NegativeVolume {
            column: names.volume.clone(),
            value: b.volume,
        });
    }
    if b.high < b.low {
        return Err(BarError::HighBelowLow {
            high: b.high,
            low: b.low,
        });
    }
    for (name, v) in [(&names.open, b.open), (&names.close, b.close)] {
        if v < b.low || v > b.high {
            return Err(BarError::OutsideRange {
                column: name.clone(),
                value: v,
                low: b.low,
                high: b.high,
            });
        }
    }
    Ok(())
}

/// Checks that `current` comes strictly after `previous`.
pub(crate) fn check_order(
    previous: DateTime<Utc>,
    current: DateTime<Utc>,
    column: &str,
    previous_location: Location,
) -> Result<(), BarError> {
    if current == previous {
        return Err(BarError::DuplicateTimestamp {
            column: column.to_owned(),
            value: current.to_rfc3339(),
            first_location: previous_location,
        });
    }
    if current < previous {
        return Err(BarError::NonMonotonicTimestamp {
            column: column.to_owned(),
            value: current.to_rfc3339(),
            previous: previous.to_rfc3339(),
            previous_location,
        });
    }
    Ok(())
}
