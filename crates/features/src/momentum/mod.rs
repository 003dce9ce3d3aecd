//! Momentum indicators: TA-Lib's 30 classic momentum functions, each a streaming state
//! ([`crate::Indicator`]) whose fold over a series equals TA-Lib 0.8.1's batch output.
//!
//! | TA-Lib | Type | Parameters (defaults) | Outputs |
//! |---|---|---|---|
//! | ADX | [`Adx`] | timeperiod 14 | real |
//! | ADXR | [`Adxr`] | timeperiod 14 | real |
//! | APO | [`Apo`] | fastperiod 12, slowperiod 26, matype 1 | real |
//! | AROON | [`Aroon`] | timeperiod 14 | aroondown, aroonup |
//! | AROONOSC | [`AroonOsc`] | timeperiod 14 | real |
//! | BOP | [`Bop`] | | real |
//! | CCI | [`Cci`] | timeperiod 14 | real |
//! | CMO | [`Cmo`] | timeperiod 14 | real |
//! | DX | [`Dx`] | timeperiod 14 | real |
//! | MACD | [`Macd`] | fastperiod 12, slowperiod 26, signalperiod 9 | macd, macdsignal, macdhist |
//! | MACDEXT | [`MacdExt`] | fast/slow/signal period 12/26/9, matypes 0 | macd, macdsignal, macdhist |
//! | MACDFIX | [`MacdFix`] | signalperiod 9 | macd, macdsignal, macdhist |
//! | MFI | [`Mfi`] | timeperiod 14 | real |
//! | MINUS_DI / PLUS_DI | [`MinusDi`] / [`PlusDi`] | timeperiod 14 | real |
//! | MINUS_DM / PLUS_DM | [`MinusDm`] / [`PlusDm`] | timeperiod 14 | real |
//! | MOM, ROC, ROCP, ROCR, ROCR100 | [`Mom`], [`Roc`], [`Rocp`], [`Rocr`], [`Rocr100`] | timeperiod 10 | real |
//! | PPO | [`Ppo`] | fastperiod 12, slowperiod 26, matype 1 | real |
//! | RSI | [`Rsi`] | timeperiod 14 | real |
//! | STOCH | [`Stoch`] | fastk 5, slowk 3 (SMA), slowd 3 (SMA) | slowk, slowd |
//! | STOCHF | [`StochF`] | fastk 5, fastd 3 (SMA) | fastk, fastd |
//! | STOCHRSI | [`StochRsi`] | timeperiod 14, fastk 5, fastd 3 (SMA) | fastk, fastd |
//! | TRIX | [`Trix`] | timeperiod 30 | real |
//! | ULTOSC | [`UltOsc`] | timeperiod1..3 7/14/28 | real |
//! | WILLR | [`Willr`] | timeperiod 14 | real |
//!
//! Single-input functions also accept `price` (`open|high|low|close|volume`, default close).
//!
//! ## TA-Lib 0.8.1 details reproduced (all verified against its wheel)
//!
//! * EMA steps (MACD, MACDFIX, TRIX) are one fused multiply-add, `fma(x − prev, k, prev)`.
//! * RSI's Wilder smoothing multiplies by `1 / period`; CMO divides by `period`.
//! * `TA_IS_ZERO` uses `TA_EPSILON = 1e-14`; WILLR, STOCH(F) and CCI test their ranges with
//!   the scale-aware `TA_IS_ZERO_SCALED` (`|v| <= 1e-14 · (|a| + |b|)`); MFI clamps the
//!   rounding residue of its running sums at zero; BOP is 0 only for a range `<= 0`.
//! * ULTOSC sorts its three periods (weight 4 on the shortest).
//!
//! ## NaN inputs
//!
//! NaN propagates as in TA-Lib: after a NaN, RSI/CMO give 0 and the ADX family keeps its
//! last value (TA-Lib's guarded divisions treat NaN as zero there), MFI stays NaN, the
//! EMA-based functions stay NaN, window functions (CCI, MOM, ROC...) are NaN while the NaN
//! is in their window. One documented difference: AROON, AROONOSC, WILLR, STOCH and STOCHF
//! can differ from TA-Lib while a NaN is *inside* their window (TA-Lib's rescans may pick
//! or skip the NaN as the extreme depending on where the rescan starts; the monotonic
//! deques here never pick it), and agree again once it has left the window.

mod dm;
mod macd;
mod simple;
mod stoch;
pub(crate) mod util;
mod wilder;
mod window;

pub use dm::{Adx, Adxr, Dx, MinusDi, MinusDm, PlusDi, PlusDm};
pub use macd::{Apo, Macd, MacdExt, MacdFix, MacdOutput, Ppo, Trix};
pub use simple::{Bop, Mom, Roc, Rocp, Rocr, Rocr100};
pub use stoch::{Stoch, StochF, StochFOutput, StochOutput, StochRsi};
pub use wilder::{Cmo, Rsi};
pub use window::{Aroon, AroonOsc, AroonOutput, Cci, Mfi, UltOsc, Willr};

use crate::catalog::{Args, FunctionInfo, ParamInfo, Spec, build_from, infos_from};
use crate::error::Result;
use crate::indicator::{DynIndicator, PriceField};
use crate::params::{MaType, Params};

const GROUP: &str = "Momentum Indicators";
const M: usize = util::MAX_PERIOD;
const HLC: &[&str] = &["high", "low", "close"];
const HL: &[&str] = &["high", "low"];
const CLOSE: &[&str] = &["close"];
const PRICE: ParamInfo = ParamInfo::price("price", PriceField::Close);
const REAL: &[&str] = &["real"];
const MACD_OUT: &[&str] = &["macd", "macdsignal", "macdhist"];

fn boxed<I: crate::Indicator + 'static>(r: Result<I>) -> Result<Box<dyn DynIndicator>> {
    r.map(|i| Box::new(i) as Box<dyn DynIndicator>)
}

macro_rules! spec {
    ($name:literal, $desc:literal, $inputs:expr, [$($p:expr),* $(,)?], $outputs:expr, $build:expr) => {
        Spec {
            name: $name,
            group: GROUP,
            description: $desc,
            inputs: $inputs,
            params: &[$($p),*],
            outputs: $outputs,
            build: $build,
        }
    };
}

static SPECS: &[Spec] = &[
    spec!(
        "ADX",
        "Average Directional Movement Index",
        HLC,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Adx::new(a.int("timeperiod")?))
    ),
    spec!(
        "ADXR",
        "Average Directional Movement Index Rating",
        HLC,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Adxr::new(a.int("timeperiod")?))
    ),
    spec!(
        "APO",
        "Absolute Price Oscillator",
        CLOSE,
        [
            ParamInfo::int("fastperiod", 12, 2, M),
            ParamInfo::int("slowperiod", 26, 2, M),
            ParamInfo::ma("matype", MaType::Ema),
            PRICE
        ],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(
                Apo::new(a.int("fastperiod")?, a.int("slowperiod")?, a.ma("matype")?)
                    .map(|i| i.with_price(pr)),
            )
        }
    ),
    spec!(
        "AROON",
        "Aroon",
        HL,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        &["aroondown", "aroonup"],
        |a: &Args<'_>| boxed(Aroon::new(a.int("timeperiod")?))
    ),
    spec!(
        "AROONOSC",
        "Aroon Oscillator",
        HL,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(AroonOsc::new(a.int("timeperiod")?))
    ),
    spec!(
        "BOP",
        "Balance Of Power",
        &["open", "high", "low", "close"],
        [],
        REAL,
        |_a: &Args<'_>| boxed(Ok(Bop::new()))
    ),
    spec!(
        "CCI",
        "Commodity Channel Index",
        HLC,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Cci::new(a.int("timeperiod")?))
    ),
    spec!(
        "CMO",
        "Chande Momentum Oscillator",
        CLOSE,
        [ParamInfo::int("timeperiod", 14, 2, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Cmo::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "DX",
        "Directional Movement Index",
        HLC,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Dx::new(a.int("timeperiod")?))
    ),
    spec!(
        "MACD",
        "Moving Average Convergence/Divergence",
        CLOSE,
        [
            ParamInfo::int("fastperiod", 12, 2, M),
            ParamInfo::int("slowperiod", 26, 2, M),
            ParamInfo::int("signalperiod", 9, 1, M),
            PRICE
        ],
        MACD_OUT,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(
                Macd::new(
                    a.int("fastperiod")?,
                    a.int("slowperiod")?,
                    a.int("signalperiod")?,
                )
                .map(|i| i.with_price(pr)),
            )
        }
    ),
    spec!(
        "MACDEXT",
        "MACD with controllable MA type",
        CLOSE,
        [
            ParamInfo::int("fastperiod", 12, 2, M),
            ParamInfo::ma("fastmatype", MaType::Sma),
            ParamInfo::int("slowperiod", 26, 2, M),
            ParamInfo::ma("slowmatype", MaType::Sma),
            ParamInfo::int("signalperiod", 9, 1, M),
            ParamInfo::ma("signalmatype", MaType::Sma),
            PRICE
        ],
        MACD_OUT,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(
                MacdExt::new(
                    a.int("fastperiod")?,
                    a.ma("fastmatype")?,
                    a.int("slowperiod")?,
                    a.ma("slowmatype")?,
                    a.int("signalperiod")?,
                    a.ma("signalmatype")?,
                )
                .map(|i| i.with_price(pr)),
            )
        }
    ),
    spec!(
        "MACDFIX",
        "Moving Average Convergence/Divergence Fix 12/26",
        CLOSE,
        [ParamInfo::int("signalperiod", 9, 1, M), PRICE],
        MACD_OUT,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(MacdFix::new(a.int("signalperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "MFI",
        "Money Flow Index",
        &["high", "low", "close", "volume"],
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Mfi::new(a.int("timeperiod")?))
    ),
    spec!(
        "MINUS_DI",
        "Minus Directional Indicator",
        HLC,
        [ParamInfo::int("timeperiod", 14, 1, M)],
        REAL,
        |a: &Args<'_>| boxed(MinusDi::new(a.int("timeperiod")?))
    ),
    spec!(
        "MINUS_DM",
        "Minus Directional Movement",
        HL,
        [ParamInfo::int("timeperiod", 14, 1, M)],
        REAL,
        |a: &Args<'_>| boxed(MinusDm::new(a.int("timeperiod")?))
    ),
    spec!(
        "MOM",
        "Momentum",
        CLOSE,
        [ParamInfo::int("timeperiod", 10, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Mom::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "PLUS_DI",
        "Plus Directional Indicator",
        HLC,
        [ParamInfo::int("timeperiod", 14, 1, M)],
        REAL,
        |a: &Args<'_>| boxed(PlusDi::new(a.int("timeperiod")?))
    ),
    spec!(
        "PLUS_DM",
        "Plus Directional Movement",
        HL,
        [ParamInfo::int("timeperiod", 14, 1, M)],
        REAL,
        |a: &Args<'_>| boxed(PlusDm::new(a.int("timeperiod")?))
    ),
    spec!(
        "PPO",
        "Percentage Price Oscillator",
        CLOSE,
        [
            ParamInfo::int("fastperiod", 12, 2, M),
            ParamInfo::int("slowperiod", 26, 2, M),
            ParamInfo::ma("matype", MaType::Ema),
            PRICE
        ],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(
                Ppo::new(a.int("fastperiod")?, a.int("slowperiod")?, a.ma("matype")?)
                    .map(|i| i.with_price(pr)),
            )
        }
    ),
    spec!(
        "ROC",
        "Rate of change : ((price/prevPrice)-1)*100",
        CLOSE,
        [ParamInfo::int("timeperiod", 10, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Roc::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "ROCP",
        "Rate of change Percentage: (price-prevPrice)/prevPrice",
        CLOSE,
        [ParamInfo::int("timeperiod", 10, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Rocp::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "ROCR",
        "Rate of change ratio: (price/prevPrice)",
        CLOSE,
        [ParamInfo::int("timeperiod", 10, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Rocr::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "ROCR100",
        "Rate of change ratio 100 scale: (price/prevPrice)*100",
        CLOSE,
        [ParamInfo::int("timeperiod", 10, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Rocr100::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "RSI",
        "Relative Strength Index",
        CLOSE,
        [ParamInfo::int("timeperiod", 14, 2, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Rsi::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "STOCH",
        "Stochastic",
        HLC,
        [
            ParamInfo::int("fastk_period", 5, 1, M),
            ParamInfo::int("slowk_period", 3, 1, M),
            ParamInfo::ma("slowk_matype", MaType::Sma),
            ParamInfo::int("slowd_period", 3, 1, M),
            ParamInfo::ma("slowd_matype", MaType::Sma)
        ],
        &["slowk", "slowd"],
        |a: &Args<'_>| boxed(Stoch::new(
            a.int("fastk_period")?,
            a.int("slowk_period")?,
            a.ma("slowk_matype")?,
            a.int("slowd_period")?,
            a.ma("slowd_matype")?
        ))
    ),
    spec!(
        "STOCHF",
        "Stochastic Fast",
        HLC,
        [
            ParamInfo::int("fastk_period", 5, 1, M),
            ParamInfo::int("fastd_period", 3, 1, M),
            ParamInfo::ma("fastd_matype", MaType::Sma)
        ],
        &["fastk", "fastd"],
        |a: &Args<'_>| boxed(StochF::new(
            a.int("fastk_period")?,
            a.int("fastd_period")?,
            a.ma("fastd_matype")?
        ))
    ),
    spec!(
        "STOCHRSI",
        "Stochastic Relative Strength Index",
        CLOSE,
        [
            ParamInfo::int("timeperiod", 14, 2, M),
            ParamInfo::int("fastk_period", 5, 1, M),
            ParamInfo::int("fastd_period", 3, 1, M),
            ParamInfo::ma("fastd_matype", MaType::Sma),
            PRICE
        ],
        &["fastk", "fastd"],
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(
                StochRsi::new(
                    a.int("timeperiod")?,
                    a.int("fastk_period")?,
                    a.int("fastd_period")?,
                    a.ma("fastd_matype")?,
                )
                .map(|i| i.with_price(pr)),
            )
        }
    ),
    spec!(
        "TRIX",
        "1-day Rate-Of-Change (ROC) of a Triple Smooth EMA",
        CLOSE,
        [ParamInfo::int("timeperiod", 30, 1, M), PRICE],
        REAL,
        |a: &Args<'_>| {
            let pr = a.price("price")?;
            boxed(Trix::new(a.int("timeperiod")?).map(|i| i.with_price(pr)))
        }
    ),
    spec!(
        "ULTOSC",
        "Ultimate Oscillator",
        HLC,
        [
            ParamInfo::int("timeperiod1", 7, 1, M),
            ParamInfo::int("timeperiod2", 14, 1, M),
            ParamInfo::int("timeperiod3", 28, 1, M)
        ],
        REAL,
        |a: &Args<'_>| boxed(UltOsc::new(
            a.int("timeperiod1")?,
            a.int("timeperiod2")?,
            a.int("timeperiod3")?
        ))
    ),
    spec!(
        "WILLR",
        "Williams' %R",
        HLC,
        [ParamInfo::int("timeperiod", 14, 2, M)],
        REAL,
        |a: &Args<'_>| boxed(Willr::new(a.int("timeperiod")?))
    ),
];

/// Builds a momentum function by TA-Lib name (case-insensitive) and TA-Lib parameter
/// names; `None` when the name is not one of them.
pub(crate) fn build(name: &str, params: &Params) -> Option<Result<Box<dyn DynIndicator>>> {
    build_from(SPECS, name, params)
}

/// Catalog entries of this group.
pub(crate) fn infos() -> Vec<FunctionInfo> {
    infos_from(SPECS)
}
