//! Aggregating bars into a coarser timeframe.

use ndarray::Array1;

use crate::bars::{Bars, Ohlcv};
use crate::error::{Error, Location, Result};
use crate::timeframe::Timeframe;

impl Bars {
    /// Aggregates bars into the coarser timeframe `to`.
    ///
    /// Convention: every bar is labelled by its **open time**; a source bar opening at `t`
    /// belongs to the target bucket `to.bucket_start(t)` (epoch-aligned, weeks from Monday).
    /// Each non-empty bucket becomes one bar: open of its first bar, maximum high, minimum low,
    /// close of its last bar, summed volume. Buckets without any source bar produce no bar, so
    /// gaps stay gaps; a bucket with only some of its source bars (at the edges of the data or
    /// around a gap) still produces a bar from what it has. Because buckets nest, resampling
    /// is associative: `1m → 5m → 1h` gives the same timestamps, open, high, low and close as
    /// `1m → 1h`, bit for bit; volumes agree up to floating-point rounding of the sums (they are
    /// summed in time order within each bucket).
    ///
    /// ```
    /// # use aaiti_core::{Bars, Ohlcv, Timeframe};
    /// # use chrono::{DateTime, TimeDelta, Utc};
    /// # use ndarray::array;
    /// let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    /// let ts = (0..3).map(|i| t0 + TimeDelta::minutes(30 * i)).collect();
    /// let bars = Bars::new("X", Some("30m".parse()?), ts, Ohlcv {
    ///     open: array![1.0, 2.0, 3.0], high: array![2.0, 4.0, 3.5], low: array![0.5, 1.5, 2.5],
    ///     close: array![2.0, 3.0, 3.0], volume: array![1.0, 2.0, 3.0] })?;
    /// let hourly = bars.resample(Timeframe::H1)?;
    /// assert_eq!(hourly.len(), 2);
    /// assert_eq!((hourly.open()[0], hourly.high()[0], hourly.low()[0], hourly.close()[0], hourly.volume()[0]),
    ///            (1.0, 4.0, 0.5, 3.0, 3.0));
    /// # Ok::<(), aaiti_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MissingTimeframe`] when the bars have no timeframe,
    /// [`Error::IncompatibleTimeframe`] when `to` is not a whole multiple of it, and
    /// [`Error::Misaligned`] when a source timestamp is not on its own timeframe's grid (a bar
    /// labelled mid-interval could straddle two target buckets).
    pub fn resample(&self, to: Timeframe) -> Result<Self> {
        let from = self.timeframe().ok_or_else(|| Error::MissingTimeframe {
            symbol: self.symbol().to_owned(),
        })?;
        if !to.is_multiple_of(from) {
            return Err(Error::IncompatibleTimeframe {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        for (i, t) in self.timestamps().iter().enumerate() {
            let b = from.bucket_start(*t);
            if b != *t {
                return Err(Error::Misaligned {
                    location: Location::Row(i),
                    value: t.to_rfc3339(),
                    timeframe: from.to_string(),
                    bucket: b.to_rfc3339(),
                });
            }
        }
        let (o, h, l, c, v) = (
            self.open(),
            self.high(),
            self.low(),
            self.close(),
            self.volume(),
        );
        let mut ts = Vec::new();
        let mut cols: [Vec<f64>; 5] = Default::default();
        let mut i = 0;
        let n = self.len();
        while i < n {
            let bucket = to.bucket_start(self.timestamps()[i]);
            let (mut hi, mut lo, mut vol) = (h[i], l[i], v[i]);
            let mut j = i + 1;
            while j < n && to.bucket_start(self.timestamps()[j]) == bucket {
                hi = hi.max(h[j]);
                lo = lo.min(l[j]);
                vol += v[j];
                j += 1;
            }
            ts.push(bucket);
            for (col, x) in cols.iter_mut().zip([o[i], hi, lo, c[j - 1], vol]) {
                col.push(x);
            }
            i = j;
        }
        let [open, high, low, close, volume] = cols.map(Array1::from_vec);
        Ok(Self::from_valid_parts(
            self.symbol().to_owned(),
            Some(to),
            ts,
            Ohlcv {
                open,
                high,
                low,
                close,
                volume,
            },
        ))
    }
}
