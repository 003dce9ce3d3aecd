//! Parabolic SAR (TA-Lib `SAR` and `SAREXT`).

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use super::check_real;
use crate::error::Result;
use crate::indicator::{Columns, Indicator};
use crate::momentum::util::extend_with;

/// A bar with only the high and low that SAR reads.
#[inline]
fn hl_bar(high: f64, low: f64) -> Bar {
    Bar {
        open: low,
        high,
        low,
        close: low,
        volume: 0.0,
    }
}

/// Streaming state shared by SAR and SAREXT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SarState {
    t: usize,
    is_long: bool,
    #[serde(with = "aaiti_core::serde_f64")]
    sar: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    ep: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    af_long: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    af_short: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    new_high: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    new_low: f64,
}

/// Parameters of SAREXT (SAR uses the same machinery with symmetric accelerations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct SarParams {
    #[serde(with = "aaiti_core::serde_f64")]
    start: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    offset: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    init_long: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    acc_long: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    max_long: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    init_short: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    acc_short: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    max_short: f64,
    /// SAREXT reports short positions as negative values.
    signed: bool,
}

impl SarState {
    fn new() -> Self {
        Self {
            t: 0,
            is_long: true,
            sar: 0.0,
            ep: 0.0,
            af_long: 0.0,
            af_short: 0.0,
            new_high: 0.0,
            new_low: 0.0,
        }
    }

    #[inline]
    fn update(&mut self, p: &SarParams, bar: &Bar) -> Option<f64> {
        let t = self.t;
        self.t += 1;
        if t == 0 {
            self.new_high = bar.high;
            self.new_low = bar.low;
            return None;
        }
        if t == 1 {
            let (h0, l0) = (self.new_high, self.new_low);
            self.af_long = p.init_long;
            self.af_short = p.init_short;
            if p.start == 0.0 {
                // Direction from the first bar pair's -DM (TA_MINUS_DM with period 1).
                let diff_p = bar.high - h0;
                let diff_m = l0 - bar.low;
                let minus_dm = if diff_m > 0.0 && diff_p < diff_m {
                    diff_m
                } else {
                    0.0
                };
                self.is_long = minus_dm.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater);
                if self.is_long {
                    self.ep = bar.high;
                    self.sar = l0;
                } else {
                    self.ep = bar.low;
                    self.sar = h0;
                }
            } else if p.start > 0.0 {
                self.is_long = true;
                self.ep = bar.high;
                self.sar = p.start;
            } else {
                self.is_long = false;
                self.ep = bar.low;
                self.sar = p.start.abs();
            }
            self.new_low = bar.low;
            self.new_high = bar.high;
        }
        let prev_low = self.new_low;
        let prev_high = self.new_high;
        self.new_low = bar.low;
        self.new_high = bar.high;
        Some(self.step(p, prev_low, prev_high, bar.low, bar.high))
    }

    /// One bar after the first: the SAR reported for it, given the previous bar's low and
    /// high (the bar's own on the second bar) and its own. Shared by `update` and the
    /// batch kernel.
    #[inline(always)]
    fn step(
        &mut self,
        p: &SarParams,
        prev_low: f64,
        prev_high: f64,
        new_low: f64,
        new_high: f64,
    ) -> f64 {
        let out;
        if self.is_long {
            if new_low <= self.sar {
                self.is_long = false;
                self.sar = self.ep;
                if self.sar < prev_high {
                    self.sar = prev_high;
                }
                if self.sar < new_high {
                    self.sar = new_high;
                }
                if p.offset != 0.0 {
                    self.sar += self.sar * p.offset;
                }
                out = if p.signed { -self.sar } else { self.sar };
                self.af_short = p.init_short;
                self.ep = new_low;
                self.sar += self.af_short * (self.ep - self.sar);
                if self.sar < prev_high {
                    self.sar = prev_high;
                }
                if self.sar < new_high {
                    self.sar = new_high;
                }
            } else {
                out = self.sar;
                if new_high > self.ep {
                    self.ep = new_high;
                    self.af_long += p.acc_long;
                    if self.af_long > p.max_long {
                        self.af_long = p.max_long;
                    }
                }
                self.sar += self.af_long * (self.ep - self.sar);
                if self.sar > prev_low {
                    self.sar = prev_low;
                }
                if self.sar > new_low {
                    self.sar = new_low;
                }
            }
        } else if new_high >= self.sar {
            self.is_long = true;
            self.sar = self.ep;
            if self.sar > prev_low {
                self.sar = prev_low;
            }
            if self.sar > new_low {
                self.sar = new_low;
            }
            if p.offset != 0.0 {
                self.sar -= self.sar * p.offset;
            }
            out = self.sar;
            self.af_long = p.init_long;
            self.ep = new_high;
            self.sar += self.af_long * (self.ep - self.sar);
            if self.sar > prev_low {
                self.sar = prev_low;
            }
            if self.sar > new_low {
                self.sar = new_low;
            }
        } else {
            out = if p.signed { -self.sar } else { self.sar };
            if new_low < self.ep {
                self.ep = new_low;
                self.af_short += p.acc_short;
                if self.af_short > p.max_short {
                    self.af_short = p.max_short;
                }
            }
            self.sar += self.af_short * (self.ep - self.sar);
            if self.sar < prev_high {
                self.sar = prev_high;
            }
            if self.sar < new_high {
                self.sar = new_high;
            }
        }
        out
    }

    /// Batch kernel: the fold of [`SarState::update`] from a fresh state over `high` and
    /// `low`, the state in locals.
    fn batch(p: SarParams, high: &[f64], low: &[f64], out: &mut Vec<f64>) {
        let n = high.len().min(low.len());
        out.reserve(n);
        let mut st = Self::new();
        let (Some(&h0), Some(&l0)) = (high.first(), low.first()) else {
            return;
        };
        out.push(st.update(&p, &hl_bar(h0, l0)).unwrap_or(f64::NAN));
        let (Some(&h1), Some(&l1)) = (high.get(1), low.get(1)) else {
            return;
        };
        out.push(st.update(&p, &hl_bar(h1, l1)).unwrap_or(f64::NAN));
        let rows = high
            .iter()
            .skip(2)
            .zip(high.get(1..).unwrap_or(&[]))
            .zip(low.iter().skip(2))
            .zip(low.get(1..).unwrap_or(&[]));
        if p.offset == 0.0 && !p.signed {
            tail::<false>(&p, &st, rows, out);
        } else {
            tail::<true>(&p, &st, rows, out);
        }
    }
}

/// The batch loop after the second bar: [`SarState::step`] on locals, with its extreme-point
/// update `if new > ep { ep = new; af += acc; if af > max { af = max } }` without the
/// branch (a new extreme is a coin flip the branch predictor loses): `ep` is the select
/// (a `max`/`min` instruction), and `af = min(af + inc, max)` with `inc` the acceleration
/// or `-0.0`. On bars without a new extreme that leaves `af` as it is: `af + (-0.0)` is
/// `af` for every value, and `af <= max` always holds from a fresh state (`af` starts at
/// the initial acceleration, which the constructors cap at the maximum, and is only ever
/// re-capped), so the cap is then the identity. `EXT == false` is SAR's parameters (no
/// offset, unsigned output), where the offset and sign steps are identities and are
/// skipped.
#[inline(always)]
fn tail<'a, const EXT: bool>(
    p: &SarParams,
    st: &SarState,
    rows: impl Iterator<Item = (((&'a f64, &'a f64), &'a f64), &'a f64)>,
    out: &mut Vec<f64>,
) {
    #[inline(always)]
    fn capped(af: f64, max: f64) -> f64 {
        if af > max { max } else { af }
    }
    let (mut is_long, mut sar, mut ep) = (st.is_long, st.sar, st.ep);
    let (mut af_long, mut af_short) = (st.af_long, st.af_short);
    let (offset, signed) = (EXT && p.offset != 0.0, EXT && p.signed);
    extend_with(out, rows, |(((&nh, &ph), &nl), &pl)| {
        let o;
        if is_long {
            if nl <= sar {
                is_long = false;
                sar = ep;
                if sar < ph {
                    sar = ph;
                }
                if sar < nh {
                    sar = nh;
                }
                if offset {
                    sar += sar * p.offset;
                }
                o = if signed { -sar } else { sar };
                af_short = p.init_short;
                ep = nl;
                sar += af_short * (ep - sar);
                if sar < ph {
                    sar = ph;
                }
                if sar < nh {
                    sar = nh;
                }
            } else {
                o = sar;
                let up = nh > ep;
                ep = if up { nh } else { ep };
                af_long = capped(af_long + if up { p.acc_long } else { -0.0 }, p.max_long);
                sar += af_long * (ep - sar);
                if sar > pl {
                    sar = pl;
                }
                if sar > nl {
                    sar = nl;
                }
            }
        } else if nh >= sar {
            is_long = true;
            sar = ep;
            if sar > pl {
                sar = pl;
            }
            if sar > nl {
                sar = nl;
            }
            if offset {
                sar -= sar * p.offset;
            }
            o = sar;
            af_long = p.init_long;
            ep = nh;
            sar += af_long * (ep - sar);
            if sar > pl {
                sar = pl;
            }
            if sar > nl {
                sar = nl;
            }
        } else {
            o = if signed { -sar } else { sar };
            let down = nl < ep;
            ep = if down { nl } else { ep };
            af_short = capped(
                af_short + if down { p.acc_short } else { -0.0 },
                p.max_short,
            );
            sar += af_short * (ep - sar);
            if sar < ph {
                sar = ph;
            }
            if sar < nh {
                sar = nh;
            }
        }
        o
    });
}

/// SAR: Wilder's parabolic stop-and-reverse (TA-Lib `SAR`, `acceleration` default 0.02,
/// `maximum` default 0.2; lookback 1). The initial direction comes from the first bar
/// pair's -DM, as in TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sar {
    params: SarParams,
    state: SarState,
}

impl Sar {
    /// A new instance.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for a negative or non-finite acceleration/maximum.
    pub fn new(acceleration: f64, maximum: f64) -> Result<Self> {
        check_real("acceleration", acceleration, 0.0, 3e37)?;
        check_real("maximum", maximum, 0.0, 3e37)?;
        // TA-Lib caps the acceleration at the maximum.
        let acc = if acceleration > maximum {
            maximum
        } else {
            acceleration
        };
        let params = SarParams {
            start: 0.0,
            offset: 0.0,
            init_long: acc,
            acc_long: acc,
            max_long: maximum,
            init_short: acc,
            acc_short: acc,
            max_short: maximum,
            signed: false,
        };
        Ok(Self {
            params,
            state: SarState::new(),
        })
    }
}

impl Indicator for Sar {
    type Output = f64;
    fn lookback(&self) -> usize {
        1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.state.update(&self.params, bar)
    }
    #[inline]
    fn reset(&mut self) {
        self.state = SarState::new();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        SarState::batch(self.params, cols.high(), cols.low(), out);
    }
}

/// SAREXT: parabolic SAR with separate long/short accelerations, a start value and an
/// offset on reverse (TA-Lib `SAREXT`). Short positions are reported as negative values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SarExt {
    params: SarParams,
    state: SarState,
}

impl SarExt {
    /// A new instance; arguments in TA-Lib order: `startvalue`, `offsetonreverse`,
    /// `accelerationinitlong`, `accelerationlong`, `accelerationmaxlong`,
    /// `accelerationinitshort`, `accelerationshort`, `accelerationmaxshort`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for values outside TA-Lib's ranges (all but
    /// `startvalue` must be non-negative).
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors TA-Lib's SAREXT signature"
    )]
    pub fn new(
        startvalue: f64,
        offsetonreverse: f64,
        init_long: f64,
        acc_long: f64,
        max_long: f64,
        init_short: f64,
        acc_short: f64,
        max_short: f64,
    ) -> Result<Self> {
        check_real("startvalue", startvalue, -3e37, 3e37)?;
        for (n, v) in [
            ("offsetonreverse", offsetonreverse),
            ("accelerationinitlong", init_long),
            ("accelerationlong", acc_long),
            ("accelerationmaxlong", max_long),
            ("accelerationinitshort", init_short),
            ("accelerationshort", acc_short),
            ("accelerationmaxshort", max_short),
        ] {
            check_real(n, v, 0.0, 3e37)?;
        }
        // TA-Lib caps initial and step accelerations at their maxima.
        let cap = |v: f64, m: f64| if v > m { m } else { v };
        let params = SarParams {
            start: startvalue,
            offset: offsetonreverse,
            init_long: cap(init_long, max_long),
            acc_long: cap(acc_long, max_long),
            max_long,
            init_short: cap(init_short, max_short),
            acc_short: cap(acc_short, max_short),
            max_short,
            signed: true,
        };
        Ok(Self {
            params,
            state: SarState::new(),
        })
    }
}

impl Indicator for SarExt {
    type Output = f64;
    fn lookback(&self) -> usize {
        1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.state.update(&self.params, bar)
    }
    #[inline]
    fn reset(&mut self) {
        self.state = SarState::new();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        SarState::batch(self.params, cols.high(), cols.low(), out);
    }
}
