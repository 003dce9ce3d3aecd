//! Supervised-learning labels that record when they become known.
//!
//! Every label at bar `t` looks only at bars `t..=end(t)` (and, for the triple barrier, at
//! the volatility of returns up to and including bar `t`), and records `end(t)` — the
//! last bar it looked at — so walk-forward splits can purge training rows whose label
//! overlaps the test period. Rows whose label needs bars beyond the data are `NaN` with no
//! end time; they are never filled.
//!
//! * [`fixed_horizon`]: direction over `horizon` bars, `+1` / `0` / `−1` with a threshold
//!   on the return (classification).
//! * [`forward_return`]: the simple or log return over `horizon` bars (regression).
//! * [`triple_barrier`]: López de Prado's triple-barrier method: profit-take and
//!   stop-loss barriers at multiples of the rolling volatility of log returns, and a
//!   vertical barrier `horizon` bars ahead.
//!
//! ```
//! use aaiti_features::labels::{ReturnKind, fixed_horizon};
//! # let bars = aaiti_features::__doc_bars(30);
//! let lab = fixed_horizon(&bars, 5, 0.001, ReturnKind::Log)?;
//! assert_eq!(lab.len(), 30);
//! assert_eq!(lab.end_index()[0], Some(5));           // looked at bars 0..=5
//! assert!(lab.values()[29].is_nan() && lab.end_time()[29].is_none()); // unknown yet
//! # Ok::<(), aaiti_features::Error>(())
//! ```

use aaiti_core::Bars;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a return over a horizon is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// `close[t+h] / close[t] − 1`.
    Simple,
    /// `ln(close[t+h] / close[t])`.
    #[default]
    Log,
}

impl ReturnKind {
    #[inline]
    fn ret(self, from: f64, to: f64) -> f64 {
        match self {
            Self::Simple => to / from - 1.0,
            Self::Log => (to / from).ln(),
        }
    }
}

/// A label series aligned with the bars: a value per bar (NaN when not yet known) and the
/// bar index and time at which it became known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    name: String,
    #[serde(with = "aaiti_core::serde_f64::vec")]
    values: Vec<f64>,
    end_index: Vec<Option<usize>>,
    end_time: Vec<Option<DateTime<Utc>>>,
}

impl Labels {
    /// A descriptive name, e.g. `direction_h5_thr0.001_log`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The label of each bar; NaN when the label needs bars after the end of the data.
    #[must_use]
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// The last bar each label looked at (`None` when unknown).
    #[must_use]
    pub fn end_index(&self) -> &[Option<usize>] {
        &self.end_index
    }
    /// The time of the last bar each label looked at (`None` when unknown).
    #[must_use]
    pub fn end_time(&self) -> &[Option<DateTime<Utc>>] {
        &self.end_time
    }
    /// Number of bars.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether there are no bars.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Indices of the bars whose label is known.
    #[must_use]
    pub fn known_rows(&self) -> Vec<usize> {
        self.end_index
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.map(|_| i))
            .collect()
    }

    fn new(name: String, n: usize) -> Self {
        Self {
            name,
            values: vec![f64::NAN; n],
            end_index: vec![None; n],
            end_time: vec![None; n],
        }
    }

    fn set(&mut self, t: usize, value: f64, end: usize, ts: &[DateTime<Utc>]) {
        if let (Some(v), Some(e), Some(et)) = (
            self.values.get_mut(t),
            self.end_index.get_mut(t),
            self.end_time.get_mut(t),
        ) {
            *v = value;
            *e = Some(end);
            *et = ts.get(end).copied();
        }
    }
}

fn closes(bars: &Bars) -> Result<Vec<f64>> {
    let c: Vec<f64> = bars.close().iter().copied().collect();
    if let Some((i, x)) = c
        .iter()
        .enumerate()
        .find(|(_, x)| !(x.is_finite() && **x > 0.0))
    {
        return Err(Error::Unsupported {
            what: format!("close[{i}] = {x}"),
            reason: "labels need finite, positive closes".into(),
        });
    }
    Ok(c)
}

fn check_horizon(horizon: usize) -> Result<()> {
    if horizon == 0 {
        return Err(Error::InvalidParameter {
            function: "labels".into(),
            name: "horizon".into(),
            value: "0".into(),
            expected: "an integer >= 1 (bars ahead)".into(),
        });
    }
    Ok(())
}

fn check_nonneg(name: &str, x: f64) -> Result<()> {
    if !(x.is_finite() && x >= 0.0) {
        return Err(Error::InvalidParameter {
            function: "labels".into(),
            name: name.into(),
            value: x.to_string(),
            expected: "a finite number >= 0".into(),
        });
    }
    Ok(())
}

/// Fixed-horizon direction: `+1` when the return from `close[t]` to `close[t + horizon]`
/// exceeds `threshold`, `−1` when it is below `−threshold`, `0` otherwise (flat). The label
/// ends at bar `t + horizon`.
///
/// # Errors
/// [`Error::InvalidParameter`] for `horizon == 0` or a negative / non-finite `threshold`;
/// [`Error::Unsupported`] for a non-positive or non-finite close.
pub fn fixed_horizon(
    bars: &Bars,
    horizon: usize,
    threshold: f64,
    kind: ReturnKind,
) -> Result<Labels> {
    check_horizon(horizon)?;
    check_nonneg("threshold", threshold)?;
    let c = closes(bars)?;
    let ts = bars.timestamps();
    let kname = if kind == ReturnKind::Log {
        "log"
    } else {
        "simple"
    };
    let mut out = Labels::new(
        format!("direction_h{horizon}_thr{threshold}_{kname}"),
        c.len(),
    );
    for t in 0..c.len() {
        let end = t + horizon;
        let (Some(&a), Some(&b)) = (c.get(t), c.get(end)) else {
            break;
        };
        let r = kind.ret(a, b);
        let v = if r > threshold {
            1.0
        } else if r < -threshold {
            -1.0
        } else {
            0.0
        };
        out.set(t, v, end, ts);
    }
    Ok(out)
}

/// Forward return over `horizon` bars (regression target), ending at bar `t + horizon`.
///
/// # Errors
/// [`Error::InvalidParameter`] for `horizon == 0`; [`Error::Unsupported`] for a
/// non-positive or non-finite close.
pub fn forward_return(bars: &Bars, horizon: usize, kind: ReturnKind) -> Result<Labels> {
    check_horizon(horizon)?;
    let c = closes(bars)?;
    let ts = bars.timestamps();
    let kname = if kind == ReturnKind::Log {
        "log"
    } else {
        "simple"
    };
    let mut out = Labels::new(format!("fwd_return_h{horizon}_{kname}"), c.len());
    for t in 0..c.len() {
        let end = t + horizon;
        let (Some(&a), Some(&b)) = (c.get(t), c.get(end)) else {
            break;
        };
        out.set(t, kind.ret(a, b), end, ts);
    }
    Ok(out)
}

/// What a triple-barrier label is when the vertical barrier is hit first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerticalLabel {
    /// The sign of the log return at the vertical barrier (`+1`, `−1`, or `0` when flat).
    #[default]
    Sign,
    /// Always `0` (no horizontal barrier touched).
    Zero,
}

/// Triple-barrier settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TripleBarrier {
    /// Vertical barrier: bars ahead (>= 1).
    pub horizon: usize,
    /// Profit-take barrier at `+profit_take · σ_t` in log return; `0` disables it.
    pub profit_take: f64,
    /// Stop-loss barrier at `−stop_loss · σ_t` in log return; `0` disables it.
    pub stop_loss: f64,
    /// Number of one-bar log returns in the rolling volatility `σ_t` (sample standard
    /// deviation of the returns ending at bar `t`; >= 2).
    pub vol_window: usize,
    /// The label when the vertical barrier comes first.
    pub vertical: VerticalLabel,
}

impl Default for TripleBarrier {
    fn default() -> Self {
        Self {
            horizon: 10,
            profit_take: 1.0,
            stop_loss: 1.0,
            vol_window: 20,
            vertical: VerticalLabel::Sign,
        }
    }
}

/// Which barrier ended a triple-barrier label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Barrier {
    /// The profit-take (upper) barrier.
    Upper,
    /// The stop-loss (lower) barrier.
    Lower,
    /// The vertical (time) barrier.
    Vertical,
}

/// Triple-barrier labels plus, per bar, the barrier hit, the log return at the end and the
/// volatility used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripleBarrierLabels {
    /// `+1` (upper first), `−1` (lower first) or the vertical label; NaN when unknown.
    pub labels: Labels,
    /// The barrier that ended each label (`None` when unknown).
    pub barrier: Vec<Option<Barrier>>,
    /// Log return from `close[t]` to the close at the end bar (NaN when unknown).
    #[serde(with = "aaiti_core::serde_f64::vec")]
    pub end_return: Vec<f64>,
    /// `σ_t` (NaN for the first `vol_window` bars, which get no label).
    #[serde(with = "aaiti_core::serde_f64::vec")]
    pub volatility: Vec<f64>,
}

/// The triple-barrier method (López de Prado, *Advances in Financial Machine Learning*,
/// ch. 3) on closes: from bar `t`, walk bars `t+1 ..= t+horizon`; the first bar whose log
/// return from `close[t]` reaches `+profit_take·σ_t` gives `+1`, reaching `−stop_loss·σ_t`
/// gives `−1`; if neither, the vertical barrier at `t+horizon` gives [`VerticalLabel`]. The
/// label ends at the bar that decided it. `σ_t` is the sample standard deviation of the
/// `vol_window` one-bar log returns ending at bar `t` (past data only), so bars
/// `0..vol_window` have no label. A label whose barriers are not reached before the data
/// ends stays unknown (NaN).
///
/// # Errors
/// [`Error::InvalidParameter`] for `horizon == 0`, `vol_window < 2`, or negative /
/// non-finite multiples; [`Error::Unsupported`] for a non-positive or non-finite close.
pub fn triple_barrier(bars: &Bars, cfg: &TripleBarrier) -> Result<TripleBarrierLabels> {
    check_horizon(cfg.horizon)?;
    check_nonneg("profit_take", cfg.profit_take)?;
    check_nonneg("stop_loss", cfg.stop_loss)?;
    if cfg.vol_window < 2 {
        return Err(Error::InvalidParameter {
            function: "labels".into(),
            name: "vol_window".into(),
            value: cfg.vol_window.to_string(),
            expected: "an integer >= 2".into(),
        });
    }
    let c = closes(bars)?;
    let ts = bars.timestamps();
    let n = c.len();
    let name = format!(
        "triple_barrier_h{}_pt{}_sl{}_vol{}",
        cfg.horizon, cfg.profit_take, cfg.stop_loss, cfg.vol_window
    );
    let mut labels = Labels::new(name, n);
    let mut barrier = vec![None; n];
    let mut end_return = vec![f64::NAN; n];
    let volatility = rolling_log_vol(&c, cfg.vol_window);
    for t in 0..n {
        let (Some(&sigma), Some(&c0)) = (volatility.get(t), c.get(t)) else {
            break;
        };
        if sigma.is_nan() {
            continue;
        }
        let up = cfg.profit_take * sigma;
        let dn = -cfg.stop_loss * sigma;
        let mut decided = None;
        for j in t + 1..=t + cfg.horizon {
            let Some(&cj) = c.get(j) else { break };
            let r = (cj / c0).ln();
            if cfg.profit_take > 0.0 && r >= up {
                decided = Some((1.0, j, Barrier::Upper, r));
                break;
            }
            if cfg.stop_loss > 0.0 && r <= dn {
                decided = Some((-1.0, j, Barrier::Lower, r));
                break;
            }
            if j == t + cfg.horizon {
                let v = match cfg.vertical {
                    VerticalLabel::Zero => 0.0,
                    VerticalLabel::Sign => {
                        if r > 0.0 {
                            1.0
                        } else if r < 0.0 {
                            -1.0
                        } else {
                            0.0
                        }
                    }
                };
                decided = Some((v, j, Barrier::Vertical, r));
            }
        }
        if let Some((v, j, b, r)) = decided {
            labels.set(t, v, j, ts);
            if let (Some(bb), Some(er)) = (barrier.get_mut(t), end_return.get_mut(t)) {
                *bb = Some(b);
                *er = r;
            }
        }
    }
    Ok(TripleBarrierLabels {
        labels,
        barrier,
        end_return,
        volatility,
    })
}

/// Sample standard deviation of the `w` one-bar log returns ending at each bar (NaN for
/// bars `0..w`). Two-pass per window (exact mean first), O(n·w).
fn rolling_log_vol(c: &[f64], w: usize) -> Vec<f64> {
    let r: Vec<f64> = c.windows(2).map(|p| (p[1] / p[0]).ln()).collect();
    let mut out = vec![f64::NAN; c.len()];
    #[allow(clippy::cast_precision_loss, reason = "window lengths are small")]
    let wf = w as f64;
    for (t, o) in out.iter_mut().enumerate().skip(w) {
        // returns r[t-w .. t] are the log returns of bars t-w+1 ..= t
        let Some(win) = r.get(t - w..t) else { continue };
        let mean = win.iter().sum::<f64>() / wf;
        let ss: f64 = win.iter().map(|x| (x - mean) * (x - mean)).sum();
        *o = (ss / (wf - 1.0)).sqrt();
    }
    out
}
