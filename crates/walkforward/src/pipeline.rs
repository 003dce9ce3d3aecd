//! End-to-end walk-forward validation of an `aaiti-training` config: a
//! training TOML file plus a `[walkforward]` section.
//!
//! Per split (all splits in parallel on the current rayon pool, results by
//! split id, identical for any thread count):
//! 1. **features**: the config's TA-Lib indicators are computed once over the
//!    bars; every indicator is causal (row `i` reads bars `<= i` only), so
//!    this equals computing them per split on the bars up to the split's end
//!    (checked by a test);
//! 2. **labels** with their end times; training rows whose label window
//!    overlaps a test window are **purged** and an optional **embargo** follows
//!    each test block ([`Purger`]); the purged splits are [`audit`]ed;
//! 3. **scaler** refitted on that split's training rows only;
//! 4. **fit** any `aaiti_models::ModelSpec` on the scaled training rows;
//! 5. **evaluate** on each contiguous test block: classification metrics,
//!    the next-bar backtest of `aaiti-training` (positions reset at each block
//!    start), per-row out-of-sample returns for the stitched equity curve.
//!
//! The [`RunReport`] holds the per-split rows, the aggregate, the verdict, the
//! PSR/DSR of the stitched out-of-sample returns and the audit result, and
//! writes JSON + SVG/PNG plots ([`RunReport::write`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use aaiti_core::Bars;
use aaiti_features::scaler::Scaler;
use aaiti_models::{ModelSpec, NoHook, Predict as _, PredictProba as _, TrainData};
use aaiti_training::{
    ClassMapping, ClassificationReport, TaskType, TradingMetrics, TrainConfig, backtest,
    periods_per_year, positions_from_proba, positions_from_returns,
};
use chrono::{DateTime, Duration, Utc};
use ndarray::{Array1, Axis, s};
use serde::{Deserialize, Serialize};

use crate::calendar::{CalendarTrain, CalendarWalkForward, Freq};
use crate::cpcv::CombinatorialPurgedCv;
use crate::error::{Error, Result};
use crate::eval::{ClassificationMetrics, FoldResult, SplitResult, evaluate_with_progress};
use crate::purge::{Boundary, Embargo, LabelTimes, Purger, audit};
use crate::report::{Report, VerdictConfig, stitch_equity};
use crate::split::{Size, Split, normalize};
use crate::stats::sharpe_moments;
use crate::walk::{PartialFold, Splitter as _, WalkForward};

/// A size in the `[walkforward]` section: an integer is a row count, a float a
/// fraction of the usable rows, a string a calendar duration (`"30 days"`,
/// `"12h"`, `"2 weeks"`, `"12 months"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SizeSpec {
    /// Rows.
    Rows(usize),
    /// Fraction of the usable rows, in `(0, 1]`.
    Fraction(f64),
    /// Calendar duration.
    Duration(String),
}

/// A parsed calendar duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Calendar months.
    Months(u32),
    /// A fixed duration.
    Fixed(Duration),
}

/// Parses `"<n> <unit>"` or `"<n><unit>"` with unit `min`/`minute(s)`,
/// `h`/`hour(s)`, `d`/`day(s)`, `w`/`week(s)`, `mo`/`month(s)`, `y`/`year(s)`.
///
/// # Errors
/// [`Error::Config`] naming the key for anything else.
pub fn parse_span(key: &str, text: &str) -> Result<Span> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || {
        Error::Config(format!(
            "walkforward.{key} = {text:?}: expected a duration like \"30 days\", \"12h\", \"2 weeks\" or \"12 months\""
        ))
    };
    let n: u32 = num.parse().map_err(|_| bad())?;
    if n == 0 {
        return Err(Error::Config(format!(
            "walkforward.{key} = {text:?}: a duration must be > 0"
        )));
    }
    let i = i64::from(n);
    Ok(match unit.trim() {
        "min" | "mins" | "minute" | "minutes" => Span::Fixed(Duration::minutes(i)),
        "h" | "hour" | "hours" => Span::Fixed(Duration::hours(i)),
        "d" | "day" | "days" => Span::Fixed(Duration::days(i)),
        "w" | "week" | "weeks" => Span::Fixed(Duration::weeks(i)),
        "mo" | "month" | "months" => Span::Months(n),
        "y" | "year" | "years" => Span::Months(n.checked_mul(12).ok_or_else(bad)?),
        _ => return Err(bad()),
    })
}

/// Splitter of a walk-forward run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Anchored: every training window starts at the first usable row.
    #[default]
    Expanding,
    /// Rolling training window of `train` rows.
    Rolling,
    /// scikit-learn `TimeSeriesSplit(n_splits, max_train, test, gap)`.
    Sklearn,
    /// Combinatorial purged CV (`folds`, `test_folds`), skfolio semantics.
    Cpcv,
}

/// Purge boundary convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundaryKind {
    /// AFML: a training label ending exactly at the test start is kept.
    #[default]
    Afml,
    /// Touching counts as overlap.
    Strict,
}

impl From<BoundaryKind> for Boundary {
    fn from(b: BoundaryKind) -> Self {
        match b {
            BoundaryKind::Afml => Self::Afml,
            BoundaryKind::Strict => Self::Strict,
        }
    }
}

fn yes() -> bool {
    true
}

/// The `[walkforward]` section of a run config. Defaults reproduce the seed's
/// validator: expanding, `train = 0.6`, `test = 0.1`, `step = 0.05`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkForwardSection {
    /// Splitter.
    #[serde(default)]
    pub scheme: Scheme,
    /// First (expanding) or every (rolling) training window: rows, fraction or
    /// duration (default 0.6). For calendar windows an integer counts `step` periods.
    #[serde(default)]
    pub train: Option<SizeSpec>,
    /// Test window (default 0.1; `sklearn`: `n / (n_splits + 1)` rows).
    #[serde(default)]
    pub test: Option<SizeSpec>,
    /// Step between folds (default 0.05 when `train`/`test` are defaulted,
    /// otherwise the test size). With durations it sets the calendar anchors.
    #[serde(default)]
    pub step: Option<SizeSpec>,
    /// Rows left out between training end and test start (besides the purge).
    #[serde(default)]
    pub gap: usize,
    /// Keep a last, shortened test window.
    #[serde(default)]
    pub keep_partial: bool,
    /// `sklearn`: number of splits (default 5).
    #[serde(default)]
    pub n_splits: Option<usize>,
    /// `sklearn`: maximum training rows.
    #[serde(default)]
    pub max_train: Option<usize>,
    /// `cpcv`: number of folds N (default 10).
    #[serde(default)]
    pub folds: Option<usize>,
    /// `cpcv`: test folds per split k (default 2).
    #[serde(default)]
    pub test_folds: Option<usize>,
    /// Purge training rows whose label window overlaps a test window (default true).
    #[serde(default = "yes")]
    pub purge: bool,
    /// Purge boundary convention.
    #[serde(default)]
    pub boundary: BoundaryKind,
    /// Embargo after each test block: rows, fraction of the rows, or duration.
    #[serde(default)]
    pub embargo: Option<SizeSpec>,
    /// Per-period Sharpe ratios of other trials of this strategy (for the DSR).
    #[serde(default)]
    pub trial_sharpes: Vec<f64>,
    /// Verdict thresholds.
    #[serde(default)]
    pub verdict: VerdictConfig,
}

impl Default for WalkForwardSection {
    fn default() -> Self {
        Self {
            scheme: Scheme::Expanding,
            train: None,
            test: None,
            step: None,
            gap: 0,
            keep_partial: false,
            n_splits: None,
            max_train: None,
            folds: None,
            test_folds: None,
            purge: true,
            boundary: BoundaryKind::Afml,
            embargo: None,
            trial_sharpes: Vec::new(),
            verdict: VerdictConfig::default(),
        }
    }
}

fn size_of(key: &str, v: &SizeSpec) -> Result<Size> {
    match v {
        SizeSpec::Rows(n) => Ok(Size::Count(*n)),
        SizeSpec::Fraction(f) => Ok(Size::Fraction(*f)),
        SizeSpec::Duration(d) => Err(Error::Config(format!(
            "walkforward.{key} = {d:?}: durations need `train`, `test` and `step` all as durations (calendar mode)"
        ))),
    }
}

fn is_duration(v: Option<&SizeSpec>) -> bool {
    matches!(v, Some(SizeSpec::Duration(_)))
}

impl WalkForwardSection {
    /// Whether the windows are calendar durations.
    #[must_use]
    pub fn is_calendar(&self) -> bool {
        is_duration(self.train.as_ref())
            || is_duration(self.test.as_ref())
            || is_duration(self.step.as_ref())
    }

    fn calendar(&self, ts: &[DateTime<Utc>]) -> Result<Vec<Split>> {
        if !matches!(self.scheme, Scheme::Expanding | Scheme::Rolling) {
            return Err(Error::Config(
                "walkforward: duration windows need scheme = \"expanding\" or \"rolling\"".into(),
            ));
        }
        let span = |key: &str, v: Option<&SizeSpec>| -> Result<Span> {
            match v {
                Some(SizeSpec::Duration(d)) => parse_span(key, d),
                _ => Err(Error::Config(format!(
                    "walkforward.{key}: with duration windows, `test` must be a duration (and `step`, if given)"
                ))),
            }
        };
        let test = span("test", self.test.as_ref())?;
        let step = match &self.step {
            None => test,
            s => span("step", s.as_ref())?,
        };
        let (freq, test_periods) = match (step, test) {
            (Span::Months(s), Span::Months(t)) if t % s == 0 => {
                let f = match s {
                    1 => Freq::MonthStart,
                    3 => Freq::QuarterStart,
                    12 => Freq::YearStart,
                    _ => {
                        return Err(Error::Config(format!(
                            "walkforward.step = {s} months: calendar steps in months must be 1, 3 or 12"
                        )));
                    }
                };
                (f, (t / s) as usize)
            }
            (Span::Fixed(s), Span::Fixed(t))
                if s.num_seconds() > 0 && t.num_seconds() % s.num_seconds() == 0 =>
            {
                let secs = s.num_seconds();
                let f = if secs % 86_400 == 0 {
                    Freq::Days(
                        u32::try_from(secs / 86_400)
                            .map_err(|_| Error::Config("walkforward.step: too long".into()))?,
                    )
                } else if secs % 3600 == 0 {
                    Freq::Hours(
                        u32::try_from(secs / 3600)
                            .map_err(|_| Error::Config("walkforward.step: too long".into()))?,
                    )
                } else {
                    return Err(Error::Config(
                        "walkforward.step: calendar steps must be whole hours, days, weeks or months"
                            .into(),
                    ));
                };
                #[allow(clippy::cast_sign_loss, reason = "both positive")]
                let k = (t.num_seconds() / secs) as usize;
                (f, k)
            }
            _ => {
                return Err(Error::Config(
                    "walkforward: `test` must be a whole multiple of `step` in the same unit (months or fixed durations)".into(),
                ));
            }
        };
        let train = match &self.train {
            None => {
                return Err(Error::Config(
                    "walkforward.train is required with duration windows".into(),
                ));
            }
            Some(SizeSpec::Rows(p)) => CalendarTrain::Periods(*p),
            Some(SizeSpec::Fraction(f)) => {
                return Err(Error::Config(format!(
                    "walkforward.train = {f}: use a duration or a number of periods with duration windows"
                )));
            }
            Some(SizeSpec::Duration(d)) => match parse_span("train", d)? {
                Span::Months(m) => CalendarTrain::Months(m),
                Span::Fixed(d) => CalendarTrain::Duration(d),
            },
        };
        CalendarWalkForward {
            freq,
            train,
            test_periods,
            purged_size: self.gap,
            expand_train: self.scheme == Scheme::Expanding,
            reduce_test: self.keep_partial,
            previous: false,
        }
        .split(ts)
    }

    /// The splits of `timestamps.len()` rows before purging.
    ///
    /// # Errors
    /// [`Error::Config`] for inconsistent keys; [`Error::Infeasible`] (with the
    /// failing inequality) when the sizes do not fit the data.
    pub fn raw_splits(&self, timestamps: &[DateTime<Utc>]) -> Result<Vec<Split>> {
        let n = timestamps.len();
        if self.is_calendar() {
            return self.calendar(timestamps);
        }
        let partial = if self.keep_partial {
            PartialFold::Keep
        } else {
            PartialFold::Drop
        };
        match self.scheme {
            Scheme::Expanding | Scheme::Rolling => {
                let defaults = self.train.is_none() && self.test.is_none();
                let train = self
                    .train
                    .as_ref()
                    .map_or(Ok(Size::Fraction(0.6)), |v| size_of("train", v))?;
                let test = self
                    .test
                    .as_ref()
                    .map_or(Ok(Size::Fraction(0.1)), |v| size_of("test", v))?;
                let mut wf = if self.scheme == Scheme::Expanding {
                    WalkForward::expanding(train, test)
                } else {
                    WalkForward::rolling(train, test)
                };
                match &self.step {
                    Some(s) => wf = wf.with_step(size_of("step", s)?),
                    None if defaults => wf = wf.with_step(Size::Fraction(0.05)),
                    None => {}
                }
                wf.with_gap(self.gap).with_partial(partial).split(n)
            }
            Scheme::Sklearn => {
                let test = match &self.test {
                    None => None,
                    Some(SizeSpec::Rows(t)) => Some(*t),
                    Some(other) => {
                        return Err(Error::Config(format!(
                            "walkforward.test = {other:?}: scheme \"sklearn\" takes a row count"
                        )));
                    }
                };
                WalkForward::sklearn(self.n_splits.unwrap_or(5), self.max_train, test, self.gap)
                    .split(n)
            }
            Scheme::Cpcv => CombinatorialPurgedCv::new(
                self.folds.unwrap_or(10),
                self.test_folds.unwrap_or(2),
                self.gap,
                0,
            )?
            .split(n),
        }
    }

    fn embargo(&self) -> Result<Embargo> {
        Ok(match &self.embargo {
            None | Some(SizeSpec::Rows(0)) => Embargo::None,
            Some(SizeSpec::Rows(r)) => Embargo::Rows(*r),
            Some(SizeSpec::Fraction(f)) => Embargo::Fraction(*f),
            Some(SizeSpec::Duration(d)) => match parse_span("embargo", d)? {
                Span::Fixed(d) => Embargo::Duration(d.num_nanoseconds().ok_or_else(|| {
                    Error::Config(format!("walkforward.embargo = {d}: too long"))
                })?),
                Span::Months(_) => {
                    return Err(Error::Config(
                        "walkforward.embargo: use hours, days or weeks (months vary in length)"
                            .into(),
                    ));
                }
            },
        })
    }

    /// Splits after purging by label end time and embargo, with the number of
    /// leaking training rows found by [`audit`] (0 whenever `purge` is on).
    ///
    /// # Errors
    /// As [`WalkForwardSection::raw_splits`], [`Purger::apply`] and [`audit`].
    pub fn splits(&self, labels: &LabelTimes, t0: &[DateTime<Utc>]) -> Result<(Vec<Split>, usize)> {
        let raw = self.raw_splits(t0)?;
        let b: Boundary = self.boundary.into();
        let emb = self.embargo()?;
        let splits = if self.purge {
            Purger::new(labels, b).with_embargo(emb).apply_all(&raw)?
        } else {
            if emb != Embargo::None {
                return Err(Error::Config(
                    "walkforward.embargo needs purge = true".into(),
                ));
            }
            raw
        };
        let leaks = audit(&splits, labels, b)?;
        Ok((splits, leaks.len()))
    }
}

/// Splits a run config (training TOML + `[walkforward]`) into its two parts.
///
/// # Errors
/// [`Error::Config`] for TOML syntax errors, unknown keys or bad values (the
/// message names the key).
pub fn parse_config(text: &str) -> Result<(TrainConfig, WalkForwardSection)> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
    let wf = match table.remove("walkforward") {
        None => WalkForwardSection::default(),
        Some(v) => v
            .try_into()
            .map_err(|e| Error::Config(format!("[walkforward]: {e}")))?,
    };
    let rest = toml::to_string(&table).map_err(|e| Error::Config(e.to_string()))?;
    let cfg = TrainConfig::from_toml_str(&rest).map_err(|e| Error::Config(e.to_string()))?;
    Ok((cfg, wf))
}

/// [`parse_config`] of a file; a relative `data_source.path` is resolved
/// against the file's directory.
///
/// # Errors
/// [`Error::Config`] (unreadable file, or as [`parse_config`]).
pub fn load_config(path: &Path) -> Result<(TrainConfig, WalkForwardSection)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("reading {}: {e}", path.display())))?;
    let (mut cfg, wf) =
        parse_config(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    if let (true, Some(dir)) = (cfg.data_source.path.is_relative(), path.parent()) {
        cfg.data_source.path = dir.join(&cfg.data_source.path);
    }
    Ok((cfg, wf))
}

/// First and last timestamp of a split's training and test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitTimes {
    /// Split id.
    pub split: usize,
    /// First and last training row times.
    pub train: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// First and last test row times.
    pub test: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

fn span_times(r: &[Range<usize>], ts: &[DateTime<Utc>]) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let a = r.iter().find(|r| !r.is_empty())?.start;
    let b = r.iter().rev().find(|r| !r.is_empty())?.end.checked_sub(1)?;
    Some((*ts.get(a)?, *ts.get(b)?))
}

/// The data a run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    /// Instrument.
    pub symbol: String,
    /// Bar timeframe.
    pub timeframe: String,
    /// Bars read.
    pub n_bars: usize,
    /// SHA-256 of the bars.
    pub bars_sha256: String,
    /// Usable rows (features complete, label known): the rows that are split.
    pub n_rows: usize,
    /// Bars dropped at the start for indicator warm-up.
    pub dropped_warmup: usize,
    /// Feature names.
    pub features: Vec<String>,
}

/// Everything a walk-forward run produced (serialised as `report.json`).
/// Contains no timings or thread counts, so it is byte-identical across
/// thread counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Config name.
    pub name: String,
    /// Model kind.
    pub model: String,
    /// The `[walkforward]` section used.
    pub walkforward: WalkForwardSection,
    /// Data.
    pub data: RunData,
    /// Time ranges per split.
    pub split_times: Vec<SplitTimes>,
    /// Training rows whose label window overlaps a test window after
    /// purging ([`audit`]); 0 unless `purge = false`.
    pub leaking_rows: usize,
    /// Per-split results, aggregates, verdict, equity, PSR/DSR.
    pub report: Report,
}

fn pipe<E: std::fmt::Display>(step: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::Pipeline {
        step,
        message: e.to_string(),
    }
}

/// Runs the walk-forward validation of `cfg` on `bars` with the splits of `wf`.
/// Splits run in parallel on the current rayon pool (install a pool to set
/// the thread count); `progress(done, total)` is called as splits finish.
/// `extra_trials` are further trial Sharpe ratios for the DSR (e.g. from the
/// registry), added to `wf.trial_sharpes`; when there are any, this run's own
/// stitched out-of-sample Sharpe ratio is the last trial (the DSR then deflates
/// it by the number and dispersion of all trials).
///
/// # Errors
/// [`Error::Config`], [`Error::Pipeline`] (data, features, labels),
/// split errors ([`Error::Infeasible`] ...), [`Error::Evaluation`] naming the
/// first failing split.
pub fn run_on_bars<P: Fn(usize, usize) + Sync>(
    cfg: &TrainConfig,
    wf: &WalkForwardSection,
    bars: Bars,
    extra_trials: &[f64],
    progress: P,
) -> Result<RunReport> {
    cfg.validate().map_err(|e| Error::Config(e.to_string()))?;
    let spec: ModelSpec = cfg
        .effective_model()
        .map_err(|e| Error::Config(e.to_string()))?;
    let prepared =
        aaiti_training::prepare(cfg, bars).map_err(pipe("preparing features and labels"))?;
    let ds = &prepared.dataset;
    let ts = ds.timestamps();
    let labels = LabelTimes::from_datetimes(ts, ds.label_end())?;
    let (splits, leaking_rows) = wf.splits(&labels, ts)?;
    if let Some(s) = splits.iter().find(|s| s.n_train() == 0) {
        return Err(Error::Infeasible {
            rule: "n_train >= 1 after purge and embargo",
            values: format!("split {} has no training rows left", s.id),
        });
    }
    let x = ds.features();
    let y = ds.labels();
    let names = ds.feature_names();
    let bt_cfg = cfg.backtest.to_config();
    let ppy = cfg
        .backtest
        .periods_per_year
        .unwrap_or_else(|| periods_per_year(cfg.data_source.timeframe, cfg.backtest.calendar));
    let open = prepared.bars.open();
    let close = prepared.bars.close();
    let bar_index = &prepared.bar_index;
    let task = cfg.task;
    let classes = cfg.label.classes;

    let fold = |sp: &Split| -> std::result::Result<FoldResult, String> {
        let train_idx: Vec<usize> = sp.train_indices().collect();
        let xtr_raw = x.select(Axis(0), &train_idx);
        let scaler = Scaler::fit(cfg.features.scaler, names, xtr_raw.view())
            .map_err(|e| format!("scaler: {e}"))?;
        let xtr = scaler
            .transform(names, xtr_raw.view())
            .map_err(|e| format!("scaler: {e}"))?;
        let ytr: Array1<f64> = train_idx.iter().map(|&i| y[i]).collect();
        let data = TrainData::new(xtr.view(), ytr.view()).map_err(|e| format!("data: {e}"))?;
        let model = spec
            .fit_with(&data, None, &mut NoHook)
            .map_err(|e| format!("fit: {e}"))?;
        let w = model.warmup();
        let (mut truth, mut pred) = (Vec::new(), Vec::new());
        let (mut rets, mut pos, mut hold, mut oos) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in normalize(sp.test.clone()) {
            oos.extend(std::iter::repeat_n(0.0, w.min(r.len())));
            if r.len() <= w {
                continue;
            }
            let xte = scaler
                .transform(names, x.slice(s![r.clone(), ..]))
                .map_err(|e| format!("scaler: {e}"))?;
            let p = model
                .predict(xte.view())
                .map_err(|e| format!("predict: {e}"))?;
            let rows = (r.start + w)..r.end;
            truth.extend(rows.clone().map(|i| y[i]));
            pred.extend(p.iter().copied());
            let signals = match (task, model.class_labels()) {
                (TaskType::Classification, Some(cl)) if !cl.is_empty() => {
                    let pr = model
                        .predict_proba(xte.view())
                        .map_err(|e| format!("predict_proba: {e}"))?;
                    let up = pr.column(cl.len() - 1).to_vec();
                    let down = pr.column(0).to_vec();
                    positions_from_proba(&up, &down, &bt_cfg)
                }
                _ => positions_from_returns(&p.to_vec(), &bt_cfg),
            };
            let bi: Vec<usize> = rows.map(|i| bar_index[i]).collect();
            let o: Vec<f64> = bi.iter().map(|&i| open[i]).collect();
            let c: Vec<f64> = bi.iter().map(|&i| close[i]).collect();
            let bt =
                backtest(&signals, &o, &c, &bt_cfg, ppy).map_err(|e| format!("backtest: {e}"))?;
            let bh = backtest(&vec![1.0; signals.len()], &o, &c, &bt_cfg, ppy)
                .map_err(|e| format!("backtest: {e}"))?;
            oos.extend_from_slice(&bt.returns);
            rets.extend_from_slice(&bt.returns);
            pos.extend_from_slice(&bt.positions);
            hold.extend_from_slice(&bh.returns);
        }
        if truth.is_empty() {
            return Err(format!(
                "no test row left after the model's warm-up of {w} rows"
            ));
        }
        let classification = match task {
            TaskType::Classification => {
                let rep = ClassificationReport::new(&truth, &pred, None)
                    .map_err(|e| format!("metrics: {e}"))?;
                Some(match classes {
                    ClassMapping::Binary => {
                        let pc = &rep.per_class;
                        let k = pc.labels.iter().position(|&l| l > 0.5);
                        let at = |v: &[f64]| k.and_then(|k| v.get(k).copied()).unwrap_or(0.0);
                        ClassificationMetrics {
                            accuracy: rep.accuracy,
                            precision: at(&pc.precision),
                            recall: at(&pc.recall),
                            f1: at(&pc.f1),
                        }
                    }
                    ClassMapping::Ternary => ClassificationMetrics {
                        accuracy: rep.accuracy,
                        precision: rep.macro_avg.precision,
                        recall: rep.macro_avg.recall,
                        f1: rep.macro_avg.f1,
                    },
                })
            }
            // regression: metrics of the forecast's direction
            TaskType::Regression => {
                Some(ClassificationMetrics::from_labels(&truth, &pred).map_err(|e| e.to_string())?)
            }
        };
        let tm =
            TradingMetrics::new(&rets, &pos, ppy).map_err(|e| format!("trading metrics: {e}"))?;
        let mut trading: BTreeMap<String, f64> = [
            ("total_return", tm.total_return),
            ("sharpe", tm.sharpe),
            ("sortino", tm.sortino),
            ("max_drawdown", tm.max_drawdown),
            ("hit_rate", tm.hit_rate),
            ("profit_factor", tm.profit_factor),
            ("exposure", tm.exposure),
            ("turnover", tm.turnover),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let hold_total = hold.iter().fold(1.0, |e, r| e * (1.0 + r)) - 1.0;
        trading.insert("buy_and_hold_return".into(), hold_total);
        Ok(FoldResult {
            classification,
            trading,
            oos_returns: oos,
        })
    };
    let results: Vec<SplitResult> = evaluate_with_progress(&splits, fold, progress)?;
    // DSR trials: the configured and registry-provided trial Sharpe ratios plus this run's own
    let mut trials = wf.trial_sharpes.clone();
    trials.extend_from_slice(extra_trials);
    if !trials.is_empty() {
        let rets: Vec<f64> = stitch_equity(&results)?.iter().map(|p| p.ret).collect();
        if let Ok(m) = sharpe_moments(&rets, 0.0) {
            trials.push(m.sharpe);
        }
    }
    let report = Report::new(
        results,
        wf.verdict,
        (trials.len() >= 2).then_some(trials.as_slice()),
    )?;
    let split_times = splits
        .iter()
        .map(|s| SplitTimes {
            split: s.id,
            train: span_times(&s.train, ts),
            test: span_times(&s.test, ts),
        })
        .collect();
    Ok(RunReport {
        name: cfg.name.clone(),
        model: spec.kind().to_string(),
        walkforward: wf.clone(),
        data: RunData {
            symbol: cfg.data_source.symbol.clone(),
            timeframe: cfg.data_source.timeframe.to_string(),
            n_bars: prepared.fingerprint.n_bars,
            bars_sha256: prepared.fingerprint.bars_sha256.clone(),
            n_rows: ds.n_rows(),
            dropped_warmup: prepared.dropped_warmup,
            features: names.to_vec(),
        },
        split_times,
        leaking_rows,
        report,
    })
}

/// [`run_on_bars`] on the bars named by the config (`data_source.path`,
/// `last_n_bars`).
///
/// # Errors
/// [`Error::Pipeline`] when the bars cannot be loaded; as [`run_on_bars`].
pub fn run<P: Fn(usize, usize) + Sync>(
    cfg: &TrainConfig,
    wf: &WalkForwardSection,
    extra_trials: &[f64],
    progress: P,
) -> Result<RunReport> {
    let bars = aaiti_training::load_bars(cfg).map_err(pipe("loading bars"))?;
    run_on_bars(cfg, wf, bars, extra_trials, progress)
}

fn f4(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        format!("{v}")
    }
}

impl RunReport {
    /// The splits as evaluated (after purge and embargo).
    #[must_use]
    pub fn splits(&self) -> Vec<Split> {
        self.report
            .splits
            .iter()
            .map(|r| Split {
                id: r.split,
                train: r.train.clone(),
                test: r.test.clone(),
                purged: r.purged,
                embargoed: r.embargoed,
            })
            .collect()
    }

    /// Per-split table, aggregate, statistics and verdict as printable text.
    #[must_use]
    pub fn table(&self) -> String {
        let mut s = String::new();
        let r = &self.report;
        let _ = writeln!(
            s,
            "walk-forward {} ({}) on {} {}: {} usable rows, {} splits, {} leaking rows after purge",
            self.name,
            self.model,
            self.data.symbol,
            self.data.timeframe,
            self.data.n_rows,
            r.summary.n_splits,
            self.leaking_rows
        );
        let _ = writeln!(
            s,
            "{:>5} {:>7} {:>6} {:>6} {:>6}  {:<33} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
            "split",
            "n_train",
            "n_test",
            "purged",
            "embarg",
            "test period",
            "accuracy",
            "precis.",
            "recall",
            "f1",
            "sharpe",
            "return"
        );
        for (x, t) in r.splits.iter().zip(&self.split_times) {
            let c = x.result.classification.unwrap_or_default();
            let g = |k: &str| x.result.trading.get(k).copied().unwrap_or(f64::NAN);
            let period = t.test.map_or_else(
                || "-".to_string(),
                |(a, b)| {
                    format!(
                        "{} .. {}",
                        a.format("%Y-%m-%d %H:%M"),
                        b.format("%Y-%m-%d %H:%M")
                    )
                },
            );
            let _ = writeln!(
                s,
                "{:>5} {:>7} {:>6} {:>6} {:>6}  {:<33} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
                x.split,
                x.n_train,
                x.n_test,
                x.purged,
                x.embargoed,
                period,
                f4(c.accuracy),
                f4(c.precision),
                f4(c.recall),
                f4(c.f1),
                f4(g("sharpe")),
                f4(g("total_return")),
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<20} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}",
            "aggregate", "mean", "std", "min", "max", "worst", "best"
        );
        let su = &r.summary;
        let mut row = |name: &str, m: Option<&crate::report::MetricStats>| {
            if let Some(m) = m {
                let _ = writeln!(
                    s,
                    "{name:<20} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}",
                    f4(m.mean),
                    f4(m.std),
                    f4(m.min),
                    f4(m.max),
                    m.argmin,
                    m.argmax
                );
            }
        };
        row("accuracy", su.accuracy.as_ref());
        row("precision", su.precision.as_ref());
        row("recall", su.recall.as_ref());
        row("f1", su.f1.as_ref());
        for k in [
            "sharpe",
            "total_return",
            "buy_and_hold_return",
            "max_drawdown",
        ] {
            row(k, su.trading.get(k));
        }
        if let Some(c) = su.consistency {
            let _ = writeln!(
                s,
                "consistency          {:.1}% of splits with accuracy > {:.0}%",
                100.0 * c,
                100.0 * r.config.split_accuracy_threshold
            );
        }
        let _ = writeln!(s);
        match &r.statistics {
            Some(st) => {
                let o = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), f4);
                let _ = writeln!(
                    s,
                    "out-of-sample ({} stitched bars): sharpe/bar {}, PSR(SR>0) {}, DSR {}, MinTRL(95%) {}",
                    r.equity.len(),
                    f4(st.sharpe),
                    o(st.psr),
                    st.dsr.map_or_else(
                        || "n/a (needs >= 2 trial Sharpe ratios: walkforward.trial_sharpes or the registry)".to_string(),
                        f4
                    ),
                    o(st.min_track_record_length)
                );
            }
            None => {
                let _ = writeln!(s, "out-of-sample statistics: n/a (too few returns)");
            }
        }
        if let Some(last) = r.equity.last() {
            let _ = writeln!(s, "stitched out-of-sample equity: {}", f4(last.equity));
        }
        let _ = writeln!(s);
        s.push_str(&r.verdict_text());
        s
    }

    /// Writes `report.json`, and `accuracy`, `equity`, `timeline` plots as
    /// `.svg` and `.png` into `dir` (created if missing). Returns the paths.
    ///
    /// # Errors
    /// [`Error::Output`] on I/O or drawing errors.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e: std::io::Error| Error::Output(format!("{p}: {e}"))
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Output(e.to_string()))?;
        files.push((dir.join("report.json"), json.into_bytes()));
        let splits = self.splits();
        let n = self.data.n_rows;
        if self.report.summary.accuracy.is_some() {
            files.push((
                dir.join("accuracy.svg"),
                crate::plot::metric_per_split_svg(&self.report, "accuracy")?.into_bytes(),
            ));
            files.push((
                dir.join("accuracy.png"),
                crate::plot::metric_per_split_png(&self.report, "accuracy")?,
            ));
        }
        if !self.report.equity.is_empty() {
            files.push((
                dir.join("equity.svg"),
                crate::plot::equity_svg(&self.report.equity)?.into_bytes(),
            ));
            files.push((
                dir.join("equity.png"),
                crate::plot::equity_png(&self.report.equity)?,
            ));
        }
        files.push((
            dir.join("timeline.svg"),
            crate::plot::timeline_svg(&splits, n)?.into_bytes(),
        ));
        files.push((
            dir.join("timeline.png"),
            crate::plot::timeline_png(&splits, n)?,
        ));
        let mut out = Vec::new();
        for (p, bytes) in files {
            std::fs::write(&p, bytes).map_err(io(&p))?;
            out.push(p);
        }
        Ok(out)
    }
}
