//! Bar durations such as `1m`, `1h` or `1d`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Seconds in one week; weekly timeframes are anchored to Monday 00:00 UTC.
const WEEK_SECS: i64 = 7 * 86_400;
/// 1970-01-05 (the first Monday after the Unix epoch), in seconds.
const FIRST_MONDAY_SECS: i64 = 4 * 86_400;

/// A fixed bar duration, a whole number of seconds.
///
/// Parsed from and printed as a count and a unit: `s` (seconds), `m` (minutes), `h` (hours),
/// `d` (days) or `w` (weeks), e.g. `"15m"`, `"1h"`, `"1d"`. Calendar months are not fixed
/// durations and are not timeframes.
///
/// Bars are labelled by their **open time**. A bar of timeframe `tf` covers the half-open
/// interval `[t, t + tf)`, and buckets are aligned to the Unix epoch (so `1h` bars open on the
/// hour and `1d` bars at 00:00 UTC), except multiples of a week, which open on Monday 00:00 UTC.
///
/// ```
/// use aaiti_core::Timeframe;
/// let tf: Timeframe = "4h".parse()?;
/// assert_eq!(tf.as_secs(), 4 * 3600);
/// assert_eq!(tf.to_string(), "4h");
/// # Ok::<(), aaiti_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timeframe {
    secs: i64,
}

impl Timeframe {
    /// One minute.
    pub const M1: Self = Self { secs: 60 };
    /// Five minutes.
    pub const M5: Self = Self { secs: 300 };
    /// One hour.
    pub const H1: Self = Self { secs: 3600 };
    /// One day.
    pub const D1: Self = Self { secs: 86_400 };

    /// A timeframe of `secs` seconds.
    ///
    /// # Errors
    /// [`Error::InvalidTimeframe`] when `secs` is not positive.
    pub fn from_secs(secs: i64) -> Result<Self> {
        if secs <= 0 {
            return Err(Error::InvalidTimeframe {
                value: format!("{secs}s"),
                reason: "must be positive",
            });
        }
        Ok(Self { secs })
    }

    /// The duration in seconds.
    #[must_use]
    pub fn as_secs(self) -> i64 {
        self.secs
    }

    /// The duration as a chrono [`TimeDelta`].
    #[must_use]
    pub fn as_delta(self) -> TimeDelta {
        TimeDelta::seconds(self.secs)
    }

    /// Whether `self` is a whole multiple of `finer` (so bars of `finer` aggregate into `self`).
    #[must_use]
    pub fn is_multiple_of(self, finer: Self) -> bool {
        self.secs % finer.secs == 0
    }

    /// The open time of the bucket of this timeframe that contains `t`.
    #[must_use]
    pub fn bucket_start(self, t: DateTime<Utc>) -> DateTime<Utc> {
        let ts = t.timestamp();
        let anchor = if self.secs % WEEK_SECS == 0 {
            FIRST_MONDAY_SECS
        } else {
            0
        };
        let start = (ts - anchor).div_euclid(self.secs) * self.secs + anchor;
        DateTime::from_timestamp(start, 0).unwrap_or(t)
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(i64, &str); 5] = [
            (WEEK_SECS, "w"),
            (86_400, "d"),
            (3600, "h"),
            (60, "m"),
            (1, "s"),
        ];
        for (size, unit) in UNITS {
            if self.secs % size == 0 {
                return write!(f, "{}{unit}", self.secs / size);
            }
        }
        write!(f, "{}s", self.secs)
    }
}

impl FromStr for Timeframe {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let invalid = |reason| Error::InvalidTimeframe {
            value: s.to_owned(),
            reason,
        };
        let t = s.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| invalid("missing unit (s, m, h, d, w)"))?;
        let (num, unit) = t.split_at(split);
        let n: i64 = if num.is_empty() {
            1
        } else {
            num.parse()
                .map_err(|_| invalid("count is not an integer"))?
        };
        let size = match unit {
            "s" | "sec" => 1,
            "m" | "min" | "T" => 60,
            "h" | "H" => 3600,
            "d" | "D" => 86_400,
            "w" | "W" => WEEK_SECS,
            _ => return Err(invalid("unknown unit; use s, m, h, d or w")),
        };
        let secs = n.checked_mul(size).ok_or_else(|| invalid("too large"))?;
        if secs <= 0 {
            return Err(invalid("must be positive"));
        }
        Ok(Self { secs })
    }
}

impl TryFrom<String> for Timeframe {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Timeframe> for String {
    fn from(tf: Timeframe) -> Self {
        tf.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for (s, secs, back) in [
            ("1m", 60, "1m"),
            ("60m", 3600, "1h"),
            ("1h", 3600, "1h"),
            ("1d", 86_400, "1d"),
            ("2w", 14 * 86_400, "2w"),
            ("90s", 90, "90s"),
        ] {
            let tf: Timeframe = s.parse().unwrap();
            assert_eq!(tf.as_secs(), secs, "{s}");
            assert_eq!(tf.to_string(), back);
        }
    }

    #[test]
    fn rejects_bad_input() {
        for s in ["", "0h", "1y", "abc", "-1h", "1.5h"] {
            assert!(
                matches!(s.parse::<Timeframe>(), Err(Error::InvalidTimeframe { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn weeks_open_on_monday() {
        let t = DateTime::parse_from_rfc3339("2024-05-16T13:00:00Z")
            .unwrap()
            .with_timezone(&Utc); // Thursday
        let w: Timeframe = "1w".parse().unwrap();
        assert_eq!(w.bucket_start(t).to_rfc3339(), "2024-05-13T00:00:00+00:00");
        assert_eq!(
            Timeframe::D1.bucket_start(t).to_rfc3339(),
            "2024-05-16T00:00:00+00:00"
        );
    }
}
