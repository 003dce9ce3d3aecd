//! Trading metrics of a per-bar return series, with empyrical's definitions and sign
//! conventions (tested against empyrical-reloaded), plus a few trade statistics empyrical lacks.
//!
//! Returns are simple per-bar returns (`0.01` = +1 %). Annualisation is the number of bars per
//! year ([`periods_per_year`]).

use aaiti_core::Timeframe;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite};

/// Which calendar a market trades on, for annualisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calendar {
    /// Around the clock, every day (crypto): 365 days of 24 hours.
    #[default]
    Continuous,
    /// Exchange hours (equities): 252 sessions of 6.5 hours.
    Exchange,
}

/// Bars per year: `365 · 86 400 / secs` (continuous; hourly crypto = 8 760) or, for exchange
/// calendars, 252 per day, 52 per week, 12 per month and `252 · 23 400 / secs` intraday.
#[must_use]
pub fn periods_per_year(tf: Timeframe, calendar: Calendar) -> f64 {
    #[allow(
        clippy::cast_precision_loss,
        reason = "timeframes are small integers of seconds"
    )]
    let secs = tf.as_secs() as f64;
    match calendar {
        Calendar::Continuous => 365.0 * 86_400.0 / secs,
        Calendar::Exchange => {
            if secs >= 28.0 * 86_400.0 {
                12.0 * 30.0 * 86_400.0 / secs
            } else if secs >= 7.0 * 86_400.0 {
                52.0 / (secs / (7.0 * 86_400.0))
            } else if secs >= 86_400.0 {
                252.0 / (secs / 86_400.0)
            } else {
                252.0 * 23_400.0 / secs
            }
        }
    }
}

fn n_f(x: &[f64]) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "lengths far below 2^52")]
    let n = x.len() as f64;
    n
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / n_f(x)
}

fn std_ddof1(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n_f(x) - 1.0)).sqrt()
}

/// numpy's `percentile` with linear interpolation, `q` in percent; `x` sorted.
fn percentile_sorted(x: &[f64], q: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = (n_f(x) - 1.0) * (q / 100.0);
    let lo = pos.floor();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "0 <= pos < n"
    )]
    let i = lo as usize;
    let frac = pos - lo;
    let a = x.get(i).copied().unwrap_or(f64::NAN);
    match x.get(i + 1) {
        // numpy's _lerp: a + (b - a) * t, or b - (b - a) * (1 - t) when t >= 0.5
        Some(&b) => {
            let d = b - a;
            if frac >= 0.5 {
                b - d * (1.0 - frac)
            } else {
                a + d * frac
            }
        }
        None => a,
    }
}

/// A sorted copy. Unstable sort is safe here: `total_cmp`-equal values are bit-identical, so
/// the result equals a stable sort's.
fn sorted(x: &[f64]) -> Vec<f64> {
    let mut s = x.to_vec();
    s.sort_unstable_by(f64::total_cmp);
    s
}

/// `empyrical.cum_returns_final(r)`: `∏(1 + r) − 1`.
#[must_use]
pub fn total_return(r: &[f64]) -> f64 {
    r.iter().fold(1.0, |acc, x| acc * (1.0 + x)) - 1.0
}

/// `empyrical.annual_return` (CAGR): `(1 + total)^(periods / n) − 1`; NaN for no returns.
#[must_use]
pub fn annual_return(r: &[f64], periods: f64) -> f64 {
    if r.is_empty() {
        return f64::NAN;
    }
    let years = n_f(r) / periods;
    (total_return(r) + 1.0).powf(1.0 / years) - 1.0
}

/// `empyrical.annual_volatility`: sample standard deviation (ddof 1) × √periods.
#[must_use]
pub fn annual_volatility(r: &[f64], periods: f64) -> f64 {
    if r.len() < 2 {
        return f64::NAN;
    }
    std_ddof1(r) * periods.sqrt()
}

/// `empyrical.sharpe_ratio(r, risk_free=rf)`: mean(r − rf) / std(r − rf, ddof 1) × √periods.
#[must_use]
pub fn sharpe_ratio(r: &[f64], rf: f64, periods: f64) -> f64 {
    if r.len() < 2 {
        return f64::NAN;
    }
    let adj: Vec<f64> = r.iter().map(|x| x - rf).collect();
    mean(&adj) / std_ddof1(&adj) * periods.sqrt()
}

/// `empyrical.downside_risk(r, required_return)`: √mean(min(r − req, 0)²) × √periods.
#[must_use]
pub fn downside_risk(r: &[f64], required: f64, periods: f64) -> f64 {
    if r.is_empty() {
        return f64::NAN;
    }
    let sq: Vec<f64> = r
        .iter()
        .map(|x| {
            let d = (x - required).min(0.0);
            d * d
        })
        .collect();
    mean(&sq).sqrt() * periods.sqrt()
}

/// `empyrical.sortino_ratio(r, required_return)`: annualised mean excess return over the
/// downside risk.
#[must_use]
pub fn sortino_ratio(r: &[f64], required: f64, periods: f64) -> f64 {
    if r.len() < 2 {
        return f64::NAN;
    }
    let adj: Vec<f64> = r.iter().map(|x| x - required).collect();
    mean(&adj) * periods / downside_risk(r, required, periods)
}

/// The equity curve `∏(1 + r)` after each bar, starting from 1.
#[must_use]
pub fn equity_curve(r: &[f64]) -> Vec<f64> {
    let mut acc = 1.0;
    r.iter()
        .map(|x| {
            acc *= 1.0 + x;
            acc
        })
        .collect()
}

/// `empyrical.max_drawdown`: the most negative `(value − running peak) / running peak` of the
/// equity curve started at 100 (≤ 0); NaN for no returns.
#[must_use]
pub fn max_drawdown(r: &[f64]) -> f64 {
    if r.is_empty() {
        return f64::NAN;
    }
    let mut cum = 100.0;
    let mut peak = 100.0_f64;
    let mut worst = 0.0_f64;
    let mut acc = 1.0;
    for x in r {
        acc *= 1.0 + x;
        cum = acc * 100.0;
        peak = peak.max(cum);
        worst = worst.min((cum - peak) / peak);
    }
    let _ = cum;
    worst
}

/// Longest run of bars spent below a previous equity peak (not in empyrical: bars from a peak
/// to the bar before the curve regains it, or to the end).
#[must_use]
pub fn max_drawdown_duration(r: &[f64]) -> usize {
    let mut peak = 1.0_f64;
    let mut acc = 1.0;
    let (mut run, mut best) = (0_usize, 0_usize);
    for x in r {
        acc *= 1.0 + x;
        if acc >= peak {
            peak = acc;
            run = 0;
        } else {
            run += 1;
            best = best.max(run);
        }
    }
    best
}

/// `empyrical.calmar_ratio`: annual return / |max drawdown|; NaN without a drawdown.
#[must_use]
pub fn calmar_ratio(r: &[f64], periods: f64) -> f64 {
    let dd = max_drawdown(r);
    if dd < 0.0 {
        let c = annual_return(r, periods) / dd.abs();
        if c.is_infinite() { f64::NAN } else { c }
    } else {
        f64::NAN
    }
}

/// `empyrical.omega_ratio(r, risk_free, required_return, annualization=periods)`.
#[must_use]
pub fn omega_ratio(r: &[f64], rf: f64, required: f64, periods: f64) -> f64 {
    if r.len() < 2 {
        return f64::NAN;
    }
    #[allow(
        clippy::float_cmp,
        reason = "empyrical tests annualization == 1 exactly"
    )]
    let thr = if periods == 1.0 {
        required
    } else if required <= -1.0 {
        return f64::NAN;
    } else {
        (1.0 + required).powf(1.0 / periods) - 1.0
    };
    let (mut up, mut down) = (0.0, 0.0);
    for x in r {
        let d = x - rf - thr;
        if d > 0.0 {
            up += d;
        } else if d < 0.0 {
            down -= d;
        }
    }
    if down > 0.0 { up / down } else { f64::NAN }
}

/// `empyrical.tail_ratio`: |95th percentile| / |5th percentile|.
#[must_use]
pub fn tail_ratio(r: &[f64]) -> f64 {
    if r.is_empty() {
        return f64::NAN;
    }
    tail_ratio_sorted(&sorted(r))
}

fn tail_ratio_sorted(s: &[f64]) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    percentile_sorted(s, 95.0).abs() / percentile_sorted(s, 5.0).abs()
}

/// `empyrical.value_at_risk(r, cutoff)`: the `cutoff` percentile (historical).
#[must_use]
pub fn value_at_risk(r: &[f64], cutoff: f64) -> f64 {
    percentile_sorted(&sorted(r), 100.0 * cutoff)
}

/// `empyrical.conditional_value_at_risk(r, cutoff)`: the mean of the
/// `⌊(n − 1) · cutoff⌋ + 1` worst returns.
#[must_use]
pub fn conditional_value_at_risk(r: &[f64], cutoff: f64) -> f64 {
    cvar_sorted(&sorted(r), cutoff)
}

/// [`conditional_value_at_risk`] of already sorted returns.
fn cvar_sorted(s: &[f64], cutoff: f64) -> f64 {
    if s.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "int() of a non-negative product"
    )]
    let k = ((n_f(s) - 1.0) * cutoff) as usize;
    let worst = s.get(..=k).unwrap_or(s);
    mean(worst)
}

/// `empyrical.stability_of_timeseries`: R² of a linear fit of cumulative log returns on time
/// (`scipy.stats.linregress`'s r, squared).
#[must_use]
pub fn stability(r: &[f64]) -> f64 {
    if r.len() < 2 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    let y: Vec<f64> = r
        .iter()
        .map(|x| {
            acc += x.ln_1p();
            acc
        })
        .collect();
    let n = n_f(&y);
    let xm = (n - 1.0) / 2.0;
    let ym = mean(&y);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "lengths far below 2^52")]
        let dx = i as f64 - xm;
        let dy = v - ym;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let (sxx, sxy, syy) = (sxx / n, sxy / n, syy / n);
    let rr = if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    };
    rr * rr
}

/// Every trading metric of one return series (plus positions for the trade statistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradingMetrics {
    /// Bars per year used for annualisation.
    pub periods_per_year: f64,
    /// Number of bars.
    pub n_bars: usize,
    /// `∏(1 + r) − 1`.
    #[serde(with = "crate::nanf64")]
    pub total_return: f64,
    /// CAGR.
    #[serde(with = "crate::nanf64")]
    pub annual_return: f64,
    /// Annualised volatility.
    #[serde(with = "crate::nanf64")]
    pub annual_volatility: f64,
    /// Sharpe ratio (risk-free 0).
    #[serde(with = "crate::nanf64")]
    pub sharpe: f64,
    /// Sortino ratio (required return 0).
    #[serde(with = "crate::nanf64")]
    pub sortino: f64,
    /// Max drawdown (≤ 0).
    #[serde(with = "crate::nanf64")]
    pub max_drawdown: f64,
    /// Longest underwater run, in bars.
    pub max_drawdown_duration: usize,
    /// Calmar ratio.
    #[serde(with = "crate::nanf64")]
    pub calmar: f64,
    /// Omega ratio (threshold 0).
    #[serde(with = "crate::nanf64")]
    pub omega: f64,
    /// Tail ratio.
    #[serde(with = "crate::nanf64")]
    pub tail_ratio: f64,
    /// Historical 5 % VaR.
    #[serde(with = "crate::nanf64")]
    pub var_95: f64,
    /// Historical 5 % CVaR (expected shortfall).
    #[serde(with = "crate::nanf64")]
    pub cvar_95: f64,
    /// Stability of the cumulative log return.
    #[serde(with = "crate::nanf64")]
    pub stability: f64,
    /// Share of bars in the market whose return was positive.
    #[serde(with = "crate::nanf64")]
    pub hit_rate: f64,
    /// Sum of positive returns / |sum of negative returns| (NaN without losses).
    #[serde(with = "crate::nanf64")]
    pub profit_factor: f64,
    /// Mean |position change| per bar.
    #[serde(with = "crate::nanf64")]
    pub turnover: f64,
    /// Share of bars with a non-zero position.
    #[serde(with = "crate::nanf64")]
    pub exposure: f64,
}

impl TradingMetrics {
    /// Computes the metrics of per-bar strategy returns `r` earned by `positions` (same length;
    /// `positions[i]` is the position held over bar `i`).
    ///
    /// # Errors
    /// Length mismatch, or a non-finite return or position.
    pub fn new(r: &[f64], positions: &[f64], periods: f64) -> Result<Self> {
        crate::error::check_len("trading metrics", r.len(), positions.len())?;
        check_finite("trading metrics returns", r)?;
        check_finite("trading metrics positions", positions)?;
        if !(periods.is_finite() && periods > 0.0) {
            return Err(Error::Undefined {
                what: "trading metrics",
                reason: format!("periods per year must be > 0, got {periods}"),
            });
        }
        let in_mkt: Vec<f64> = r
            .iter()
            .zip(positions)
            .filter(|(_, p)| **p != 0.0)
            .map(|(x, _)| *x)
            .collect();
        let hit_rate = if in_mkt.is_empty() {
            f64::NAN
        } else {
            #[allow(clippy::cast_precision_loss, reason = "lengths far below 2^52")]
            let h = in_mkt.iter().filter(|x| **x > 0.0).count() as f64;
            h / n_f(&in_mkt)
        };
        let gains: f64 = r.iter().filter(|x| **x > 0.0).sum();
        let losses: f64 = -r.iter().filter(|x| **x < 0.0).sum::<f64>();
        let mut prev = 0.0;
        let mut turn = 0.0;
        for p in positions {
            turn += (p - prev).abs();
            prev = *p;
        }
        let nb = n_f(r);
        let sorted_r = sorted(r);
        Ok(Self {
            periods_per_year: periods,
            n_bars: r.len(),
            total_return: total_return(r),
            annual_return: annual_return(r, periods),
            annual_volatility: annual_volatility(r, periods),
            sharpe: sharpe_ratio(r, 0.0, periods),
            sortino: sortino_ratio(r, 0.0, periods),
            max_drawdown: max_drawdown(r),
            max_drawdown_duration: max_drawdown_duration(r),
            calmar: calmar_ratio(r, periods),
            omega: omega_ratio(r, 0.0, 0.0, periods),
            // one sort shared by the three order statistics (same values as the functions)
            tail_ratio: tail_ratio_sorted(&sorted_r),
            var_95: percentile_sorted(&sorted_r, 100.0 * 0.05),
            cvar_95: cvar_sorted(&sorted_r, 0.05),
            stability: stability(r),
            hit_rate,
            profit_factor: if losses > 0.0 {
                gains / losses
            } else {
                f64::NAN
            },
            turnover: if r.is_empty() { f64::NAN } else { turn / nb },
            exposure: if r.is_empty() {
                f64::NAN
            } else {
                #[allow(clippy::cast_precision_loss, reason = "lengths far below 2^52")]
                let e = in_mkt.len() as f64;
                e / nb
            },
        })
    }
}
