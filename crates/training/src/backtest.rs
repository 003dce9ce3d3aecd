//! A vectorised backtest of a model's signals with next-bar execution and costs.
//!
//! Timing: the signal computed from bar `t` (known at its close) is filled at the **open of bar
//! `t + 1`** and held until the open of the bar after the next signal change. Each bar's asset
//! return is open-to-open (`open[t+1] / open[t] − 1`; the last bar uses its close). The position
//! held over bar `t` is therefore the signal of bar `t − 1`, and the first bar is flat: a signal
//! can never earn the return of the bar it was computed on (no same-bar fill). Costs
//! (commission + slippage, in basis points of traded notional) are charged on the bar where
//! the position changes: `|pos[t] − pos[t−1]| · (fee + slippage) / 10 000`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite, check_len};
use crate::trading::{TradingMetrics, equity_curve};

/// Backtest settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BacktestConfig {
    /// Commission per unit of traded notional, basis points (≥ 0).
    pub fee_bps: f64,
    /// Slippage per unit of traded notional, basis points (≥ 0).
    pub slippage_bps: f64,
    /// Whether short positions (−1) are allowed.
    pub allow_short: bool,
    /// Classifiers: go long when P(up) exceeds this (and short, if allowed, when P(down) does).
    /// In (0, 1).
    pub proba_threshold: f64,
    /// Regressors: go long when the predicted return exceeds this, short below its negative.
    /// ≥ 0.
    pub return_threshold: f64,
}

impl Default for BacktestConfig {
    fn default() -> Self {
        Self {
            fee_bps: 5.0,
            slippage_bps: 2.0,
            allow_short: false,
            proba_threshold: 0.55,
            return_threshold: 0.0,
        }
    }
}

/// The per-bar output of [`backtest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestResult {
    /// Position held over each bar (−1, 0, +1).
    pub positions: Vec<f64>,
    /// Open-to-open asset return of each bar.
    pub asset_returns: Vec<f64>,
    /// Strategy return of each bar, net of costs.
    pub returns: Vec<f64>,
    /// Costs charged on each bar.
    pub costs: Vec<f64>,
    /// Equity after each bar, starting from 1.
    pub equity: Vec<f64>,
    /// Trading metrics of `returns`.
    pub metrics: TradingMetrics,
}

/// Positions from class probabilities: `p_up` and `p_down` per bar.
#[must_use]
pub fn positions_from_proba(p_up: &[f64], p_down: &[f64], cfg: &BacktestConfig) -> Vec<f64> {
    p_up.iter()
        .zip(p_down)
        .map(|(&u, &d)| {
            if u > cfg.proba_threshold {
                1.0
            } else if cfg.allow_short && d > cfg.proba_threshold {
                -1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// Positions from predicted returns.
#[must_use]
pub fn positions_from_returns(pred: &[f64], cfg: &BacktestConfig) -> Vec<f64> {
    pred.iter()
        .map(|&r| {
            if r > cfg.return_threshold {
                1.0
            } else if cfg.allow_short && r < -cfg.return_threshold {
                -1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// Runs the backtest: `signals[t]` is the desired position computed at the close of bar `t`;
/// `open` and `close` are the bars' prices (same length).
///
/// # Errors
/// Length mismatch, non-finite or non-positive prices, non-finite signals, or negative costs.
pub fn backtest(
    signals: &[f64],
    open: &[f64],
    close: &[f64],
    cfg: &BacktestConfig,
    periods_per_year: f64,
) -> Result<BacktestResult> {
    check_len("backtest signals/open", signals.len(), open.len())?;
    check_len("backtest open/close", open.len(), close.len())?;
    check_finite("backtest signals", signals)?;
    check_finite("backtest open", open)?;
    check_finite("backtest close", close)?;
    if let Some((i, p)) = open
        .iter()
        .chain(close)
        .enumerate()
        .find(|(_, p)| **p <= 0.0)
    {
        return Err(Error::NonFinite {
            what: "backtest price (must be > 0)",
            index: i % open.len().max(1),
            value: *p,
        });
    }
    for (k, v) in [("fee_bps", cfg.fee_bps), ("slippage_bps", cfg.slippage_bps)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(crate::error::value_err(k, v, "a finite number >= 0"));
        }
    }
    let n = signals.len();
    let cost_rate = (cfg.fee_bps + cfg.slippage_bps) / 10_000.0;
    let asset_returns: Vec<f64> = (0..n)
        .map(|t| match (open.get(t), open.get(t + 1), close.get(t)) {
            (Some(o), Some(next), _) => next / o - 1.0,
            (Some(o), None, Some(c)) => c / o - 1.0,
            _ => 0.0,
        })
        .collect();
    let mut positions = Vec::with_capacity(n);
    let mut returns = Vec::with_capacity(n);
    let mut costs = Vec::with_capacity(n);
    let mut prev = 0.0;
    for t in 0..n {
        let pos = if t == 0 {
            0.0
        } else {
            signals.get(t - 1).copied().unwrap_or(0.0)
        };
        let c = (pos - prev).abs() * cost_rate;
        let r = asset_returns.get(t).copied().unwrap_or(0.0);
        positions.push(pos);
        costs.push(c);
        returns.push(pos * r - c);
        prev = pos;
    }
    let metrics = TradingMetrics::new(&returns, &positions, periods_per_year)?;
    Ok(BacktestResult {
        equity: equity_curve(&returns),
        positions,
        asset_returns,
        returns,
        costs,
        metrics,
    })
}
