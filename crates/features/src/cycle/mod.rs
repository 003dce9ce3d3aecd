//! Hilbert-transform cycle functions and MAMA (TA-Lib's Cycle Indicators group plus
//! `HT_TRENDLINE` and `MAMA` from Overlap Studies), streaming and TA-Lib 0.8.1-exact.
//!
//! | TA-Lib | Type | Parameters | Outputs | Lookback |
//! |---|---|---|---|---|
//! | HT_DCPERIOD | [`HtDcPeriod`] | | real | 32 |
//! | HT_DCPHASE | [`HtDcPhase`] | | real | 63 |
//! | HT_PHASOR | [`HtPhasor`] | | inphase, quadrature | 32 |
//! | HT_SINE | [`HtSine`] | | sine, leadsine | 63 |
//! | HT_TRENDMODE | [`HtTrendMode`] | | integer (0/1, as f64) | 63 |
//! | HT_TRENDLINE | [`HtTrendline`] | | real | 63 |
//! | MAMA | [`Mama`] | fastlimit 0.5, slowlimit 0.05 | mama, fama | 32 |
//!
//! All accept `price` (default close).

mod core;

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use self::core::{HtCore, HtStep, rad2deg};
use crate::catalog::{Args, FunctionInfo, ParamInfo, Spec, build_from, infos_from};
use crate::error::{Error, Result};
use crate::indicator::{DynIndicator, Indicator, PriceField};
use crate::params::Params;

const SMOOTH_PRICE: usize = 50;

/// DC phase, sine wave, trendline and trend mode: the part of TA-Lib's lookback-63 HT
/// functions after the period update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PhaseCore {
    ht: HtCore,
    #[serde(with = "aaiti_core::serde_f64::vec")]
    smooth_price: Vec<f64>,
    sp_idx: usize,
    /// The last 50 raw inputs (the trendline averages raw prices).
    #[serde(with = "aaiti_core::serde_f64::vec")]
    raw: Vec<f64>,
    raw_idx: usize,
    #[serde(with = "aaiti_core::serde_f64")]
    dc_phase: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_dc_phase: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    sine: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    lead_sine: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_sine: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_lead_sine: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i_trend1: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i_trend2: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    i_trend3: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    trendline: f64,
    days_in_trend: i64,
    trend: i32,
}

/// Values of one phase step.
#[derive(Debug, Clone, Copy)]
struct PhaseOut {
    today: usize,
}

impl PhaseCore {
    fn new() -> Self {
        Self {
            ht: HtCore::new(34),
            smooth_price: vec![0.0; SMOOTH_PRICE],
            sp_idx: 0,
            raw: vec![0.0; SMOOTH_PRICE + 1],
            raw_idx: 0,
            dc_phase: 0.0,
            prev_dc_phase: 0.0,
            sine: 0.0,
            lead_sine: 0.0,
            prev_sine: 0.0,
            prev_lead_sine: 0.0,
            i_trend1: 0.0,
            i_trend2: 0.0,
            i_trend3: 0.0,
            trendline: 0.0,
            days_in_trend: 0,
            trend: 0,
        }
    }

    /// The raw input `k` bars ago (`k < 51`).
    fn raw_back(&self, k: usize) -> f64 {
        let cap = self.raw.len();
        self.raw
            .get((self.raw_idx + cap - 1 - k) % cap)
            .copied()
            .unwrap_or(0.0)
    }

    fn step(&mut self, x: f64) -> Option<PhaseOut> {
        if let Some(s) = self.raw.get_mut(self.raw_idx) {
            *s = x;
        }
        self.raw_idx = (self.raw_idx + 1) % self.raw.len();
        let HtStep {
            today, smoothed, ..
        } = self.ht.step(x)?;
        if let Some(s) = self.smooth_price.get_mut(self.sp_idx) {
            *s = smoothed;
        }
        let r2d = rad2deg();
        self.ht.update_period(r2d, true);
        let sp = self.ht.smooth_period;
        // Dominant cycle phase
        let tan1 = 1.0f64.atan();
        let rad2deg_t = 45.0 / tan1;
        let deg2rad = 1.0 / rad2deg_t;
        let const_deg2rad_by360 = tan1 * 8.0;
        self.prev_dc_phase = self.dc_phase;
        let dc_period = sp + 0.5;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "0 <= period <= 50.5"
        )]
        let dc_int = dc_period as usize;
        let mut real = 0.0;
        let mut imag = 0.0;
        let mut idx = self.sp_idx;
        for i in 0..dc_int {
            #[allow(clippy::cast_precision_loss, reason = "i, dc_int <= 50")]
            let t = i as f64 * const_deg2rad_by360 / dc_int as f64;
            let p = self.smooth_price.get(idx).copied().unwrap_or(0.0);
            real += t.sin() * p;
            imag += t.cos() * p;
            idx = if idx == 0 { SMOOTH_PRICE - 1 } else { idx - 1 };
        }
        let a = imag.abs();
        if a > 0.0 {
            self.dc_phase = (real / imag).atan() * rad2deg_t;
        } else if a <= 0.01 {
            if real < 0.0 {
                self.dc_phase -= 90.0;
            } else if real > 0.0 {
                self.dc_phase += 90.0;
            }
        }
        self.dc_phase += 90.0;
        self.dc_phase += 360.0 / sp;
        if imag < 0.0 {
            self.dc_phase += 180.0;
        }
        if self.dc_phase > 315.0 {
            self.dc_phase -= 360.0;
        }
        self.prev_sine = self.sine;
        self.prev_lead_sine = self.lead_sine;
        self.sine = (self.dc_phase * deg2rad).sin();
        self.lead_sine = ((self.dc_phase + 45.0) * deg2rad).sin();
        // Trendline: average of the raw price over the dominant cycle period
        let mut avg = 0.0;
        for k in 0..dc_int {
            avg += self.raw_back(k);
        }
        if dc_int > 0 {
            #[allow(clippy::cast_precision_loss, reason = "dc_int <= 50")]
            {
                avg /= dc_int as f64;
            }
        }
        self.trendline =
            2.0f64.mul_add(self.i_trend2, 4.0f64.mul_add(avg, 3.0 * self.i_trend1)) + self.i_trend3;
        self.trendline /= 10.0;
        self.i_trend3 = self.i_trend2;
        self.i_trend2 = self.i_trend1;
        self.i_trend1 = avg;
        // Trend mode
        let mut trend = 1;
        if (self.sine > self.lead_sine && self.prev_sine <= self.prev_lead_sine)
            || (self.sine < self.lead_sine && self.prev_sine >= self.prev_lead_sine)
        {
            self.days_in_trend = 0;
            trend = 0;
        }
        self.days_in_trend += 1;
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        if (self.days_in_trend as f64) < 0.5 * sp {
            trend = 0;
        }
        let dphase = self.dc_phase - self.prev_dc_phase;
        if sp != 0.0 && (dphase > 0.67 * 360.0 / sp && dphase < 1.5 * 360.0 / sp) {
            trend = 0;
        }
        let p = self.smooth_price.get(self.sp_idx).copied().unwrap_or(0.0);
        if self.trendline != 0.0 && ((p - self.trendline) / self.trendline).abs() >= 0.015 {
            trend = 1;
        }
        self.trend = trend;
        self.sp_idx = (self.sp_idx + 1) % SMOOTH_PRICE;
        Some(PhaseOut { today })
    }
}

macro_rules! price_ctor {
    ($name:ident, $ta:literal, $doc:literal, $core:expr) => {
        impl $name {
            #[doc = concat!($doc, " on the close.")]
            #[must_use]
            pub fn new() -> Self {
                Self {
                    price: PriceField::Close,
                    core: $core,
                }
            }

            /// Reads `price` instead of the close.
            #[must_use]
            pub fn with_price(mut self, price: PriceField) -> Self {
                self.price = price;
                self
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

/// HT_DCPERIOD (TA-Lib `HT_DCPERIOD`): Hilbert transform dominant cycle period.
/// Lookback 32.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtDcPeriod {
    price: PriceField,
    core: HtCore,
}
price_ctor!(HtDcPeriod, "HT_DCPERIOD", "HT_DCPERIOD", HtCore::new(9));

impl Indicator for HtDcPeriod {
    type Output = f64;
    fn lookback(&self) -> usize {
        32
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let s = self.core.step(self.price.get(bar))?;
        self.core.update_period(rad2deg(), true);
        (s.today >= 32).then_some(self.core.smooth_period)
    }
    fn reset(&mut self) {
        self.core.reset();
    }
}

crate::indicator_output! {
    /// HT_PHASOR's outputs, named as TA-Lib's abstract API.
    pub struct PhasorOutput {
        /// In-phase component.
        inphase,
        /// Quadrature component.
        quadrature,
    }
}

/// HT_PHASOR (TA-Lib `HT_PHASOR`): Hilbert transform phasor components. Lookback 32.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtPhasor {
    price: PriceField,
    core: HtCore,
}
price_ctor!(HtPhasor, "HT_PHASOR", "HT_PHASOR", HtCore::new(9));

impl Indicator for HtPhasor {
    type Output = PhasorOutput;
    fn lookback(&self) -> usize {
        32
    }
    fn update(&mut self, bar: &Bar) -> Option<PhasorOutput> {
        let s = self.core.step(self.price.get(bar))?;
        self.core.update_period(rad2deg(), false);
        (s.today >= 32).then_some(PhasorOutput {
            inphase: s.i1,
            quadrature: s.q1,
        })
    }
    fn reset(&mut self) {
        self.core.reset();
    }
}

/// HT_DCPHASE (TA-Lib `HT_DCPHASE`): Hilbert transform dominant cycle phase (degrees).
/// Lookback 63.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtDcPhase {
    price: PriceField,
    core: PhaseCore,
}
price_ctor!(HtDcPhase, "HT_DCPHASE", "HT_DCPHASE", PhaseCore::new());

impl Indicator for HtDcPhase {
    type Output = f64;
    fn lookback(&self) -> usize {
        63
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let o = self.core.step(self.price.get(bar))?;
        (o.today >= 63).then_some(self.core.dc_phase)
    }
    fn reset(&mut self) {
        self.core = PhaseCore::new();
    }
}

crate::indicator_output! {
    /// HT_SINE's outputs, named as TA-Lib's abstract API.
    pub struct SineOutput {
        /// `sin(DC phase)`.
        sine,
        /// `sin(DC phase + 45°)`.
        leadsine,
    }
}

/// HT_SINE (TA-Lib `HT_SINE`): Hilbert transform sine wave and lead sine. Lookback 63.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtSine {
    price: PriceField,
    core: PhaseCore,
}
price_ctor!(HtSine, "HT_SINE", "HT_SINE", PhaseCore::new());

impl Indicator for HtSine {
    type Output = SineOutput;
    fn lookback(&self) -> usize {
        63
    }
    fn update(&mut self, bar: &Bar) -> Option<SineOutput> {
        let o = self.core.step(self.price.get(bar))?;
        (o.today >= 63).then_some(SineOutput {
            sine: self.core.sine,
            leadsine: self.core.lead_sine,
        })
    }
    fn reset(&mut self) {
        self.core = PhaseCore::new();
    }
}

/// HT_TRENDLINE (TA-Lib `HT_TRENDLINE`): Hilbert transform instantaneous trendline.
/// Lookback 63.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtTrendline {
    price: PriceField,
    core: PhaseCore,
}
price_ctor!(
    HtTrendline,
    "HT_TRENDLINE",
    "HT_TRENDLINE",
    PhaseCore::new()
);

impl Indicator for HtTrendline {
    type Output = f64;
    fn lookback(&self) -> usize {
        63
    }
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let o = self.core.step(self.price.get(bar))?;
        (o.today >= 63).then_some(self.core.trendline)
    }
    fn reset(&mut self) {
        self.core = PhaseCore::new();
    }
}

crate::indicator_output! {
    /// HT_TRENDMODE's output (TA-Lib returns an integer; here 0.0 or 1.0).
    pub struct TrendModeOutput {
        /// 1 in a trend, 0 in a cycle.
        integer,
    }
}

/// HT_TRENDMODE (TA-Lib `HT_TRENDMODE`): trend (1) vs cycle (0) mode. Lookback 63.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HtTrendMode {
    price: PriceField,
    core: PhaseCore,
}
price_ctor!(
    HtTrendMode,
    "HT_TRENDMODE",
    "HT_TRENDMODE",
    PhaseCore::new()
);

impl Indicator for HtTrendMode {
    type Output = TrendModeOutput;
    fn lookback(&self) -> usize {
        63
    }
    fn update(&mut self, bar: &Bar) -> Option<TrendModeOutput> {
        let o = self.core.step(self.price.get(bar))?;
        (o.today >= 63).then_some(TrendModeOutput {
            integer: f64::from(self.core.trend),
        })
    }
    fn reset(&mut self) {
        self.core = PhaseCore::new();
    }
}

crate::indicator_output! {
    /// MAMA's outputs, named as TA-Lib's abstract API.
    pub struct MamaOutput {
        /// MESA adaptive moving average.
        mama,
        /// Following adaptive moving average.
        fama,
    }
}

/// The MAMA recursion (shared by [`Mama`] and the `matype = 7` MA core).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MamaCore {
    #[serde(with = "aaiti_core::serde_f64")]
    fast: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    slow: f64,
    ht: HtCore,
    #[serde(with = "aaiti_core::serde_f64")]
    prev_phase: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    mama: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    fama: f64,
}

impl MamaCore {
    fn new(fast: f64, slow: f64) -> Self {
        Self {
            fast,
            slow,
            ht: HtCore::new(9),
            prev_phase: 0.0,
            mama: 0.0,
            fama: 0.0,
        }
    }

    fn step(&mut self, x: f64) -> Option<MamaOutput> {
        let s = self.ht.step(x)?;
        let r2d = rad2deg();
        let phase = if s.i1 != 0.0 {
            (s.q1 / s.i1).atan() * r2d
        } else {
            0.0
        };
        let mut delta = self.prev_phase - phase;
        self.prev_phase = phase;
        if delta < 1.0 {
            delta = 1.0;
        }
        let mut alpha = if delta > 1.0 {
            let a = self.fast / delta;
            if a < self.slow { self.slow } else { a }
        } else {
            self.fast
        };
        self.mama = alpha.mul_add(x, (1.0 - alpha) * self.mama);
        alpha *= 0.5;
        self.fama = (1.0 - alpha).mul_add(self.fama, alpha * self.mama);
        self.ht.update_period(r2d, false);
        (s.today >= 32).then_some(MamaOutput {
            mama: self.mama,
            fama: self.fama,
        })
    }
}

/// MAMA (TA-Lib `MAMA`): MESA adaptive moving average and its follower FAMA.
/// Lookback 32.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mama {
    price: PriceField,
    core: MamaCore,
}

impl Mama {
    /// MAMA with `fastlimit` and `slowlimit` in 0.01..=0.99.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the limit out of range.
    pub fn new(fastlimit: f64, slowlimit: f64) -> Result<Self> {
        for (name, v) in [("fastlimit", fastlimit), ("slowlimit", slowlimit)] {
            if !(0.01..=0.99).contains(&v) {
                return Err(Error::InvalidParameter {
                    function: "MAMA".into(),
                    name: name.into(),
                    value: v.to_string(),
                    expected: "a number in 0.01..=0.99".into(),
                });
            }
        }
        Ok(Self {
            price: PriceField::Close,
            core: MamaCore::new(fastlimit, slowlimit),
        })
    }

    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Mama {
    type Output = MamaOutput;
    fn lookback(&self) -> usize {
        32
    }
    fn update(&mut self, bar: &Bar) -> Option<MamaOutput> {
        self.core.step(self.price.get(bar))
    }
    fn reset(&mut self) {
        self.core = MamaCore::new(self.core.fast, self.core.slow);
    }
}

/// MAMA's `mama` line as a scalar MA core for `matype = 7` (fastlimit 0.5, slowlimit 0.05,
/// as TA-Lib's `TA_MA`).
///
/// Contract used by `overlap::ma::MaCore`: `new() -> Option<Self>`, `lookback()`,
/// `update(x) -> Option<f64>`, `reset()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MamaMa {
    core: MamaCore,
}

impl MamaMa {
    pub(crate) fn new() -> Option<Self> {
        Some(Self {
            core: MamaCore::new(0.5, 0.05),
        })
    }
    pub(crate) fn lookback(&self) -> usize {
        32
    }
    pub(crate) fn update(&mut self, x: f64) -> Option<f64> {
        self.core.step(x).map(|o| o.mama)
    }
    pub(crate) fn reset(&mut self) {
        self.core = MamaCore::new(0.5, 0.05);
    }
}

const PRICE: ParamInfo = ParamInfo::price("price", PriceField::Close);
const CLOSE: &[&str] = &["close"];

fn boxed<I: Indicator + 'static>(i: I) -> Box<dyn DynIndicator> {
    Box::new(i)
}

static SPECS: &[Spec] = &[
    Spec {
        name: "HT_DCPERIOD",
        group: "Cycle Indicators",
        description: "Hilbert Transform - Dominant Cycle Period",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["real"],
        build: |a: &Args<'_>| Ok(boxed(HtDcPeriod::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "HT_DCPHASE",
        group: "Cycle Indicators",
        description: "Hilbert Transform - Dominant Cycle Phase",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["real"],
        build: |a: &Args<'_>| Ok(boxed(HtDcPhase::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "HT_PHASOR",
        group: "Cycle Indicators",
        description: "Hilbert Transform - Phasor Components",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["inphase", "quadrature"],
        build: |a: &Args<'_>| Ok(boxed(HtPhasor::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "HT_SINE",
        group: "Cycle Indicators",
        description: "Hilbert Transform - SineWave",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["sine", "leadsine"],
        build: |a: &Args<'_>| Ok(boxed(HtSine::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "HT_TRENDMODE",
        group: "Cycle Indicators",
        description: "Hilbert Transform - Trend vs Cycle Mode",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["integer"],
        build: |a: &Args<'_>| Ok(boxed(HtTrendMode::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "HT_TRENDLINE",
        group: "Overlap Studies",
        description: "Hilbert Transform - Instantaneous Trendline",
        inputs: CLOSE,
        params: &[PRICE],
        outputs: &["real"],
        build: |a: &Args<'_>| Ok(boxed(HtTrendline::new().with_price(a.price("price")?))),
    },
    Spec {
        name: "MAMA",
        group: "Overlap Studies",
        description: "MESA Adaptive Moving Average",
        inputs: CLOSE,
        params: &[
            ParamInfo::real("fastlimit", 0.5, 0.01, 0.99),
            ParamInfo::real("slowlimit", 0.05, 0.01, 0.99),
            PRICE,
        ],
        outputs: &["mama", "fama"],
        build: |a: &Args<'_>| {
            let pr = a.price("price")?;
            Ok(boxed(
                Mama::new(a.real("fastlimit")?, a.real("slowlimit")?)?.with_price(pr),
            ))
        },
    },
];

/// Builds a cycle function by TA-Lib name; `None` when the name is not one of them.
pub(crate) fn build(name: &str, params: &Params) -> Option<Result<Box<dyn DynIndicator>>> {
    build_from(SPECS, name, params)
}

/// Catalog entries of this group.
pub(crate) fn infos() -> Vec<FunctionInfo> {
    infos_from(SPECS)
}
