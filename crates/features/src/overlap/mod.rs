//! Overlap studies: moving averages (every TA-Lib MA type), bands, SAR, mid-points, and the
//! newer channel/trend overlays.

pub(crate) mod ma;
mod newer;
mod sar;

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::indicator::{Columns, Indicator, PriceField};
use crate::params::MaType;
use crate::statistic::VarCore;
use crate::window::MinMaxWindow;
use ma::{
    DemaCore, EmaCore, KamaCore, MaCore, ScalarBatch, SmaCore, T3Core, TemaCore, TrimaCore,
    WmaCore, is_zero_or_neg,
};

pub use newer::{AccBands, Donchian, Hma, Kc, Supertrend, SupertrendOutput, Vwap};
pub use sar::{Sar, SarExt};

/// Largest period TA-Lib accepts.
pub const MAX_PERIOD: usize = 100_000;

/// Checks an integer parameter against TA-Lib's range.
pub(crate) fn check_range(name: &str, v: usize, min: usize, max: usize) -> Result<()> {
    if v < min || v > max {
        return Err(Error::InvalidParameter {
            function: String::new(),
            name: name.to_owned(),
            value: v.to_string(),
            expected: format!("an integer in {min}..={max}"),
        });
    }
    Ok(())
}

/// Checks a real parameter against TA-Lib's range.
pub(crate) fn check_real(name: &str, v: f64, min: f64, max: f64) -> Result<()> {
    if !(v >= min && v <= max) {
        return Err(Error::InvalidParameter {
            function: String::new(),
            name: name.to_owned(),
            value: v.to_string(),
            expected: format!("a number in {min:e}..={max:e}"),
        });
    }
    Ok(())
}

macro_rules! scalar_ma {
    ($(#[$m:meta])* $name:ident, $core:ty, $min:expr, |$p:ident| $make:expr) => {
        scalar_ma!($(#[$m])* $name, $core, $min, |$p| $make, |core, x| core.update(x));
    };
    (
        $(#[$m:meta])* $name:ident, $core:ty, $min:expr, |$p:ident| $make:expr,
        |$c:ident, $x:ident| $step:expr
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            price: PriceField,
            core: $core,
        }

        impl $name {
            /// A new instance over the close.
            ///
            /// # Errors
            /// [`Error::InvalidParameter`] when `timeperiod` is outside TA-Lib's range.
            pub fn new($p: usize) -> Result<Self> {
                check_range("timeperiod", $p, $min, MAX_PERIOD)?;
                Ok(Self { price: PriceField::Close, core: $make })
            }

            /// Reads `price` instead of the close.
            #[must_use]
            pub fn with_price(mut self, price: PriceField) -> Self {
                self.price = price;
                self
            }
        }

        impl Indicator for $name {
            type Output = f64;
            fn lookback(&self) -> usize {
                self.core.lookback()
            }
            #[inline]
            fn update(&mut self, bar: &Bar) -> Option<f64> {
                let $x = self.price.get_hot(bar);
                let $c = &mut self.core;
                $step
            }
            #[inline]
            fn reset(&mut self) {
                self.core.reset();
            }
            fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
                ScalarBatch::batch(&self.core, cols.field(self.price), out);
            }
        }
    };
}

scalar_ma!(
    /// SMA: simple moving average (TA-Lib `SMA`, `timeperiod` 1..=100000, default 30).
    Sma, SmaCore, 1, |period| SmaCore::new(period)
);
scalar_ma!(
    /// EMA: exponential moving average, `k = 2/(n+1)`, seeded with the SMA of the first
    /// `n` values (TA-Lib `EMA`, default 30).
    Ema, EmaCore, 1, |period| EmaCore::new(period)
);
scalar_ma!(
    /// WMA: linearly weighted moving average (TA-Lib `WMA`, default 30).
    Wma, WmaCore, 1, |period| WmaCore::new(period)
);
scalar_ma!(
    /// DEMA: double exponential moving average `2*EMA - EMA(EMA)` (TA-Lib `DEMA`, default 30).
    Dema, DemaCore, 1, |period| DemaCore::new(period)
);
scalar_ma!(
    /// TEMA: triple exponential moving average (TA-Lib `TEMA`, default 30).
    Tema, TemaCore, 1, |period| TemaCore::new(period)
);
scalar_ma!(
    /// TRIMA: triangular moving average (TA-Lib `TRIMA`, default 30).
    Trima, TrimaCore, 1, |period| TrimaCore::new(period)
);
scalar_ma!(
    /// KAMA: Kaufman adaptive moving average (TA-Lib `KAMA`, default 30; lookback = period).
    Kama, KamaCore, 1, |period| KamaCore::new(period)
);

/// T3: Tillson's triple-smoothed EMA (TA-Lib `T3`, `timeperiod` default 5, `vfactor` 0..=1
/// default 0.7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct T3 {
    price: PriceField,
    core: T3Core,
}

impl T3 {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `timeperiod` outside 1..=100000 or `vfactor` outside 0..=1.
    pub fn new(period: usize, vfactor: f64) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        check_real("vfactor", vfactor, 0.0, 1.0)?;
        Ok(Self {
            price: PriceField::Close,
            core: T3Core::new(period, vfactor),
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for T3 {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.core.update(self.price.get(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        ScalarBatch::batch(&self.core, cols.field(self.price), out);
    }
}

/// MA: a moving average of any TA-Lib [`MaType`] (TA-Lib `MA`, `timeperiod` default 30,
/// `matype` default SMA). A period of 1 copies the input for every type, as TA-Lib does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ma {
    price: PriceField,
    ma_type: MaType,
    core: MaCore,
}

impl Ma {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `timeperiod` outside 1..=100000;
    /// [`Error::Unsupported`] for an MA type not available in this build.
    pub fn new(period: usize, ma_type: MaType) -> Result<Self> {
        check_range("timeperiod", period, 1, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            ma_type,
            core: MaCore::new(ma_type, period)?,
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
    /// The MA type.
    #[must_use]
    pub fn ma_type(&self) -> MaType {
        self.ma_type
    }
}

impl Indicator for Ma {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.core.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.core.update(self.price.get(bar))
    }
    #[inline]
    fn reset(&mut self) {
        self.core.reset();
    }
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        self.core.batch(cols.field(self.price), out);
    }
}

crate::indicator_output!(
    /// Three bands: TA-Lib's `upperband`, `middleband`, `lowerband`.
    pub struct BandsOutput {
        /// Upper band.
        upperband,
        /// Middle band.
        middleband,
        /// Lower band.
        lowerband,
    }
);

/// Classic TA-Lib derives BBANDS' deviation from the SMA (`TA_INT_stddev_using_precalc_ma`);
/// TA-Lib 0.8.1 matches a two-pass population deviation much more closely (measured), so the
/// precalc path is kept but disabled.
const PRECALC_SMA_DEV: bool = false;

/// How BBANDS computes its standard deviation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum BandDev {
    /// SMA middle: TA-Lib reuses the SMA (`TA_INT_stddev_using_precalc_ma`).
    Precalc {
        period: usize,
        ring: crate::ring::Ring,
        n: usize,
        #[serde(with = "aaiti_core::serde_f64")]
        total2: f64,
    },
    /// Other MA types: population standard deviation (TA_STDDEV with nbdev 1).
    Var(VarCore),
}

/// BBANDS: Bollinger bands, middle = MA(`timeperiod`, `matype`), bands at
/// `nbdevup`/`nbdevdn` population standard deviations (TA-Lib `BBANDS`, defaults 20, 2, 2, SMA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bbands {
    price: PriceField,
    #[serde(with = "aaiti_core::serde_f64")]
    nbdevup: f64,
    #[serde(with = "aaiti_core::serde_f64")]
    nbdevdn: f64,
    ma: MaCore,
    dev: BandDev,
}

impl Bbands {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `timeperiod` outside 2..=100000 or non-finite
    /// deviations; [`Error::Unsupported`] for an unavailable MA type.
    pub fn new(period: usize, nbdevup: f64, nbdevdn: f64, ma_type: MaType) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        check_real("nbdevup", nbdevup, -3e37, 3e37)?;
        check_real("nbdevdn", nbdevdn, -3e37, 3e37)?;
        let dev = if ma_type == MaType::Sma && PRECALC_SMA_DEV {
            BandDev::Precalc {
                period,
                ring: crate::ring::Ring::new(period),
                n: 0,
                total2: 0.0,
            }
        } else {
            BandDev::Var(VarCore::new(period))
        };
        Ok(Self {
            price: PriceField::Close,
            nbdevup,
            nbdevdn,
            ma: MaCore::new(ma_type, period)?,
            dev,
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for Bbands {
    type Output = BandsOutput;
    fn lookback(&self) -> usize {
        self.ma.lookback()
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<BandsOutput> {
        let x = self.price.get_hot(bar);
        let mid = self.ma.update(x);
        let sd = match &mut self.dev {
            BandDev::Precalc {
                period,
                ring,
                n,
                total2,
            } => {
                let p = *period;
                ring.push(x);
                *total2 += x * x;
                if *n + 1 < p {
                    *n += 1;
                    return None;
                }
                let mut mean2 = *total2 / ma::fp(p);
                let old = ring.back(p - 1);
                *total2 -= old * old;
                let m = mid?;
                mean2 -= m * m;
                if is_zero_or_neg(mean2) {
                    0.0
                } else {
                    mean2.sqrt()
                }
            }
            BandDev::Var(v) => {
                let var = v.update(x);
                let var = var?;
                if var <= 0.0 { 0.0 } else { var.sqrt() }
            }
        };
        let mid = mid?;
        Some(BandsOutput {
            upperband: mid + sd * self.nbdevup,
            middleband: mid,
            lowerband: mid - sd * self.nbdevdn,
        })
    }
    /// The middle band's MA kernel and the variance kernel over the whole input, then the
    /// bands row by row.
    fn batch_into(&self, cols: &Columns<'_>, out: &mut Vec<f64>) {
        let x = cols.field(self.price);
        let BandDev::Var(var) = &self.dev else {
            // The (disabled) precalculated-SMA deviation: the fold of `update`.
            let mut st = self.clone();
            st.reset();
            out.reserve(3 * x.len());
            for &v in x {
                match st.update(&crate::indicator::scalar_bar(v)) {
                    Some(o) => out.extend_from_slice(&[o.upperband, o.middleband, o.lowerband]),
                    None => out.extend_from_slice(&[f64::NAN; 3]),
                }
            }
            return;
        };
        let mut mid = Vec::with_capacity(x.len());
        self.ma.batch(x, &mut mid);
        let mut vars = Vec::with_capacity(x.len());
        var.batch(x, &mut vars);
        // A row exists once both the MA and the variance have values.
        let lb = self.ma.lookback().max(var.lookback()).min(x.len());
        ma::push_nan(out, 3 * lb);
        let (up, dn) = (self.nbdevup, self.nbdevdn);
        let mut buf = [0.0; 3 * ma::BLOCK];
        for (m, v) in mid[lb..]
            .chunks(ma::BLOCK)
            .zip(vars[lb..].chunks(ma::BLOCK))
        {
            let rows = &mut buf[..3 * m.len()];
            for ((r, &mid), &var) in rows.chunks_exact_mut(3).zip(m).zip(v) {
                let sd = if var <= 0.0 { 0.0 } else { var.sqrt() };
                r[0] = mid + sd * up;
                r[1] = mid;
                r[2] = mid - sd * dn;
            }
            out.extend_from_slice(rows);
        }
    }
    #[inline]
    fn reset(&mut self) {
        self.ma.reset();
        match &mut self.dev {
            BandDev::Precalc {
                ring, n, total2, ..
            } => {
                ring.clear();
                *n = 0;
                *total2 = 0.0;
            }
            BandDev::Var(v) => v.reset(),
        }
    }
}

/// MIDPOINT: `(highest + lowest) / 2` of one series over `timeperiod` bars (TA-Lib
/// `MIDPOINT`, default 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MidPoint {
    price: PriceField,
    period: usize,
    win: MinMaxWindow,
}

impl MidPoint {
    /// A new instance over the close.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            price: PriceField::Close,
            period,
            win: MinMaxWindow::new(period),
        })
    }
    /// Reads `price` instead of the close.
    #[must_use]
    pub fn with_price(mut self, price: PriceField) -> Self {
        self.price = price;
        self
    }
}

impl Indicator for MidPoint {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        let x = self.price.get(bar);
        self.win.push(x, x);
        (self.win.count() >= self.period as u64).then(|| (self.win.max() + self.win.min()) / 2.0)
    }
    #[inline]
    fn reset(&mut self) {
        self.win.reset();
    }
}

/// MIDPRICE: `(highest high + lowest low) / 2` over `timeperiod` bars (TA-Lib `MIDPRICE`,
/// default 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MidPrice {
    period: usize,
    win: MinMaxWindow,
}

impl MidPrice {
    /// A new instance.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `timeperiod` outside 2..=100000.
    pub fn new(period: usize) -> Result<Self> {
        check_range("timeperiod", period, 2, MAX_PERIOD)?;
        Ok(Self {
            period,
            win: MinMaxWindow::new(period),
        })
    }
}

impl Indicator for MidPrice {
    type Output = f64;
    fn lookback(&self) -> usize {
        self.period - 1
    }
    #[inline]
    fn update(&mut self, bar: &Bar) -> Option<f64> {
        self.win.push(bar.high, bar.low);
        (self.win.count() >= self.period as u64).then(|| (self.win.max() + self.win.min()) / 2.0)
    }
    #[inline]
    fn reset(&mut self) {
        self.win.reset();
    }
}
