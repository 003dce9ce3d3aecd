//! Calendar walk-forward (skfolio `WalkForward` with `freq`), on UTC timestamps.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, infeasible, invalid};
use crate::split::Split;

/// Calendar frequency of the rebalancing anchors (a subset of pandas offset aliases).
///
/// Anchors are generated like `pandas.date_range(first_ts, last_ts, freq)`: the
/// first anchor is the first date on the frequency at or after the first
/// timestamp, keeping its time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Freq {
    /// `"MS"`: first day of every month.
    MonthStart,
    /// `"ME"`: last day of every month.
    MonthEnd,
    /// `"QS"`: first day of January, April, July, October.
    QuarterStart,
    /// `"YS"`: first of January.
    YearStart,
    /// `"QE"`: last day of March, June, September, December.
    QuarterEnd,
    /// `"YE"`: 31 December.
    YearEnd,
    /// `"W-MON"` etc.: every week on this weekday.
    Weekly(Weekday),
    /// `"nD"`: every `n` days from the first timestamp.
    Days(u32),
    /// `"nh"`: every `n` hours from the first timestamp.
    Hours(u32),
    /// `"nB"`: every `n`-th business day (Monday to Friday, no holiday calendar), from the
    /// first business day at or after the first timestamp, keeping its time of day.
    BusinessDays(u32),
    /// `"nmin"`: every `n` minutes from the first timestamp.
    Minutes(u32),
    /// `"ns"`: every `n` seconds from the first timestamp.
    Seconds(u32),
    /// `"2MS"`, `"3QE"`, `"2W-MON"`, ...: every `n`-th anchor of a calendar frequency, starting
    /// with its first anchor at or after the first timestamp (pandas multiples).
    EveryNth(u32, Anchor),
}

/// The calendar frequencies a [`Freq::EveryNth`] multiple can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Anchor {
    /// `MS`.
    MonthStart,
    /// `ME`.
    MonthEnd,
    /// `QS`.
    QuarterStart,
    /// `QE`.
    QuarterEnd,
    /// `YS`.
    YearStart,
    /// `YE`.
    YearEnd,
    /// `W-<day>`.
    Weekly(Weekday),
}

impl From<Anchor> for Freq {
    fn from(a: Anchor) -> Self {
        match a {
            Anchor::MonthStart => Freq::MonthStart,
            Anchor::MonthEnd => Freq::MonthEnd,
            Anchor::QuarterStart => Freq::QuarterStart,
            Anchor::QuarterEnd => Freq::QuarterEnd,
            Anchor::YearStart => Freq::YearStart,
            Anchor::YearEnd => Freq::YearEnd,
            Anchor::Weekly(d) => Freq::Weekly(d),
        }
    }
}

/// Training length of a calendar walk-forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarTrain {
    /// A number of `freq` periods (skfolio integer `train_size`).
    Periods(usize),
    /// Calendar months subtracted from each test start (skfolio `pd.DateOffset(months=m)`).
    Months(u32),
    /// A fixed duration subtracted from each test start (skfolio `timedelta`).
    Duration(Duration),
}

/// Calendar walk-forward: "train 12 months, test 1 month, monthly".
///
/// Exactly skfolio `WalkForward(test_size, train_size, freq, previous,
/// expand_train, reduce_test, purged_size)` (without `freq_offset`):
/// - anchors are mapped to rows by the first timestamp at or after the anchor
///   (or the last at or before it with `previous`);
/// - `purged_size` rows are removed from the END of each training window (the
///   test window stays on its calendar boundary — unlike observation mode,
///   where the test moves forward);
/// - splits whose test window is empty (e.g. a holiday anchor) are omitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarWalkForward {
    /// Anchor frequency.
    pub freq: Freq,
    /// Training length.
    pub train: CalendarTrain,
    /// Test length in `freq` periods (>= 1).
    pub test_periods: usize,
    /// Rows removed from the end of each training window.
    pub purged_size: usize,
    /// Training always starts at row 0.
    pub expand_train: bool,
    /// Keep a last, shortened test window.
    pub reduce_test: bool,
    /// Map an anchor missing from the index to the previous row instead of the next.
    pub previous: bool,
}

fn month_start(y: i32, m: u32, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let d = NaiveDate::from_ymd_opt(y, m, 1)?;
    Some(Utc.from_utc_datetime(&d.and_time(t.time())))
}

fn add_months(y: i32, m: u32, k: u32) -> (i32, u32) {
    let z = i64::from(y) * 12 + i64::from(m) - 1 + i64::from(k);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "calendar range"
    )]
    ((z.div_euclid(12)) as i32, (z.rem_euclid(12) + 1) as u32)
}

fn month_end(y: i32, m: u32, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (ny, nm) = add_months(y, m, 1);
    let d = NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()?;
    Some(Utc.from_utc_datetime(&d.and_time(t.time())))
}

impl Freq {
    fn anchors(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let bad = || invalid("freq", "anchor date out of range");
        let mut out = Vec::new();
        match self {
            Freq::EveryNth(k, base) => {
                if k == 0 {
                    return Err(invalid("freq", "multiple must be >= 1"));
                }
                let step = usize::try_from(k).map_err(|_| bad())?;
                out = Freq::from(base)
                    .anchors(start, end)?
                    .into_iter()
                    .step_by(step)
                    .collect();
            }
            Freq::Days(k) | Freq::Hours(k) | Freq::Minutes(k) | Freq::Seconds(k) => {
                if k == 0 {
                    return Err(invalid("freq", "multiple must be >= 1"));
                }
                let k = i64::from(k);
                let d = match self {
                    Freq::Days(_) => Duration::days(k),
                    Freq::Hours(_) => Duration::hours(k),
                    Freq::Minutes(_) => Duration::minutes(k),
                    _ => Duration::seconds(k),
                };
                let mut t = start;
                while t <= end {
                    out.push(t);
                    t = t.checked_add_signed(d).ok_or_else(bad)?;
                }
            }
            Freq::BusinessDays(k) => {
                if k == 0 {
                    return Err(invalid("freq", "multiple must be >= 1"));
                }
                let weekend = |t: DateTime<Utc>| matches!(t.weekday(), Weekday::Sat | Weekday::Sun);
                let mut t = start;
                while weekend(t) {
                    t = t.checked_add_signed(Duration::days(1)).ok_or_else(bad)?;
                }
                let mut i = 0u32;
                while t <= end {
                    if i.is_multiple_of(k) {
                        out.push(t);
                    }
                    i = i.wrapping_add(1);
                    t = t.checked_add_signed(Duration::days(1)).ok_or_else(bad)?;
                    while weekend(t) {
                        t = t.checked_add_signed(Duration::days(1)).ok_or_else(bad)?;
                    }
                }
            }
            Freq::Weekly(wd) => {
                let ahead =
                    (7 + wd.num_days_from_monday() - start.weekday().num_days_from_monday()) % 7;
                let mut t = start + Duration::days(i64::from(ahead));
                while t <= end {
                    out.push(t);
                    t += Duration::days(7);
                }
            }
            Freq::MonthStart | Freq::QuarterStart | Freq::YearStart => {
                let every = match self {
                    Freq::MonthStart => 1,
                    Freq::QuarterStart => 3,
                    _ => 12,
                };
                let (mut y, mut m) = (start.year(), start.month());
                // roll forward to the first month on the grid at/after start
                loop {
                    if (m - 1) % every == 0 {
                        let c = month_start(y, m, start).ok_or_else(bad)?;
                        if c >= start {
                            break;
                        }
                    }
                    (y, m) = add_months(y, m, 1);
                }
                loop {
                    let c = month_start(y, m, start).ok_or_else(bad)?;
                    if c > end {
                        break;
                    }
                    out.push(c);
                    (y, m) = add_months(y, m, every);
                }
            }
            Freq::MonthEnd | Freq::QuarterEnd | Freq::YearEnd => {
                let every = match self {
                    Freq::MonthEnd => 1,
                    Freq::QuarterEnd => 3,
                    _ => 12,
                };
                let (mut y, mut m) = (start.year(), start.month());
                // roll forward to the first month end on the grid (month % every == 0) at/after start
                loop {
                    if m.is_multiple_of(every) && month_end(y, m, start).ok_or_else(bad)? >= start {
                        break;
                    }
                    (y, m) = add_months(y, m, 1);
                }
                loop {
                    let c = month_end(y, m, start).ok_or_else(bad)?;
                    if c > end {
                        break;
                    }
                    out.push(c);
                    (y, m) = add_months(y, m, every);
                }
            }
        }
        Ok(out)
    }
}

/// Index of the first timestamp `>= t` (bfill) or the last `<= t` (ffill); -1 when none.
fn locate(ts: &[DateTime<Utc>], t: DateTime<Utc>, previous: bool) -> i64 {
    #[allow(clippy::cast_possible_wrap, reason = "row counts fit in i64")]
    if previous {
        ts.partition_point(|x| *x <= t) as i64 - 1
    } else {
        let i = ts.partition_point(|x| *x < t);
        if i == ts.len() { -1 } else { i as i64 }
    }
}

impl CalendarWalkForward {
    /// Monthly walk-forward: train `train_months` month-periods, test `test_months`.
    #[must_use]
    pub fn monthly(train_months: usize, test_months: usize) -> Self {
        Self {
            freq: Freq::MonthStart,
            train: CalendarTrain::Periods(train_months),
            test_periods: test_months,
            purged_size: 0,
            expand_train: false,
            reduce_test: false,
            previous: false,
        }
    }

    /// Generate the splits for these (strictly increasing) timestamps.
    ///
    /// # Errors
    /// [`Error::Unordered`] for non-increasing timestamps, [`Error::Infeasible`]
    /// when a non-empty test window gets an empty training window, or when no
    /// split fits.
    pub fn split(&self, timestamps: &[DateTime<Utc>]) -> Result<Vec<Split>> {
        if self.test_periods == 0 {
            return Err(invalid("test_periods", "must be >= 1"));
        }
        if let CalendarTrain::Periods(0) = self.train {
            return Err(invalid("train", "must be >= 1 period"));
        }
        if let Some(i) = timestamps.windows(2).position(|w| w[0] >= w[1]) {
            return Err(Error::Unordered {
                what: "timestamps must be strictly increasing",
                index: i + 1,
            });
        }
        let (Some(&start), Some(&end)) = (timestamps.first(), timestamps.last()) else {
            return Err(infeasible("n_samples >= 1", "n_samples=0".into()));
        };
        let n = timestamps.len();
        let anchors = self.freq.anchors(start, end)?;
        let mut period_idx: Vec<i64> = anchors
            .iter()
            .map(|&a| locate(timestamps, a, self.previous))
            .collect();
        if self.previous {
            for p in &mut period_idx {
                if *p < 0 {
                    *p = 0;
                }
            }
        }
        let n_periods = period_idx.len();
        let (first, lookback): (usize, Option<Vec<i64>>) = match self.train {
            CalendarTrain::Periods(p) => (p, None),
            CalendarTrain::Months(_) | CalendarTrain::Duration(_) => {
                let lb: Vec<i64> = anchors
                    .iter()
                    .map(|&a| {
                        let t = match self.train {
                            CalendarTrain::Months(m) => a.checked_sub_months(Months::new(m)),
                            CalendarTrain::Duration(d) => a.checked_sub_signed(d),
                            CalendarTrain::Periods(_) => None,
                        };
                        t.map_or(-1, |t| locate(timestamps, t, true))
                    })
                    .collect();
                match lb.iter().position(|&x| x > -1) {
                    Some(f) => (f, Some(lb)),
                    None => (usize::MAX, Some(lb)),
                }
            }
        };
        let end_period = if self.reduce_test {
            n_periods
        } else {
            n_periods.saturating_sub(self.test_periods)
        };
        let none = || {
            infeasible(
                "first_train_period < last_test_period (at least one split)",
                format!(
                    "calendar anchors={n_periods}, first test anchor={first}, test_periods={}, reduce_test={}",
                    self.test_periods, self.reduce_test
                ),
            )
        };
        if first >= end_period {
            return Err(none());
        }
        let tp = self.test_periods;
        #[allow(
            clippy::cast_sign_loss,
            clippy::cast_possible_wrap,
            reason = "indices checked >= 0"
        )]
        let pidx = |i: usize| period_idx[i].max(0) as usize;
        let mut out = Vec::new();
        let mut k = 0;
        let mut p = first;
        while p < end_period {
            let test_start = pidx(p);
            let test_stop = if p + tp < n_periods { pidx(p + tp) } else { n };
            let train_start = match &lookback {
                None => pidx(p - first),
                #[allow(clippy::cast_sign_loss, reason = "checked")]
                Some(lb) => lb[p].max(0) as usize,
            };
            let lb_missing = lookback.as_ref().is_some_and(|lb| lb[p] < 0);
            if test_stop > test_start {
                let train_start = if self.expand_train { 0 } else { train_start };
                let empty = if self.expand_train {
                    test_start <= self.purged_size
                } else {
                    lb_missing || test_start.saturating_sub(train_start) <= self.purged_size
                };
                if empty {
                    return Err(infeasible(
                        "test_start - train_start > purged_size (non-empty training window)",
                        format!(
                            "test starting {} (row {test_start}), train_start={train_start}, purged_size={}",
                            timestamps[test_start], self.purged_size
                        ),
                    ));
                }
                let train_end = test_start - self.purged_size;
                out.push(Split {
                    id: k,
                    train: vec![train_start..train_end],
                    test: vec![test_start..test_stop],
                    purged: self.purged_size,
                    embargoed: 0,
                });
                k += 1;
            }
            p += tp;
        }
        if out.is_empty() {
            return Err(none());
        }
        Ok(out)
    }

    /// Number of splits [`CalendarWalkForward::split`] produces.
    ///
    /// # Errors
    /// As [`CalendarWalkForward::split`].
    pub fn n_splits(&self, timestamps: &[DateTime<Utc>]) -> Result<usize> {
        Ok(self.split(timestamps)?.len())
    }
}
