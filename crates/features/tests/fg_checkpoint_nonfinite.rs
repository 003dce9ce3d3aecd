//! A JSON checkpoint of every catalog function's streaming state restores and continues
//! exactly, also when the state holds NaN or ±inf.
//!
//! `serde_json` writes a non-finite `f64` as `null`, which an `f64` field refuses to read
//! back, so a state that had seen a NaN or infinite bar (or that held an infinite sentinel)
//! could be saved but never restored. The states now write such values as `"NaN"`, `"inf"`
//! and `"-inf"` (`aaiti_core::serde_f64`). For every function of [`catalog`] (the concrete
//! type, checked to be the one `indicator(name, params)` builds), and for every MA type where
//! a function takes one, a state is checkpointed after every bar of series with NaN, ±inf and
//! extreme bars; each checkpoint must load, re-serialise to the same JSON and continue with
//! exactly the outputs (bits, NaN as any NaN) of the uninterrupted stream. A `null` where a
//! float is expected (an older checkpoint of a non-finite value: NaN and ±inf cannot be told
//! apart) is refused with an error rather than read as some value.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

mod common;

use std::collections::BTreeMap;

use common::{Kind, bars, fold, same, series};

use aaiti_core::Bar;
use aaiti_features::cycle::{
    HtDcPeriod, HtDcPhase, HtPhasor, HtSine, HtTrendMode, HtTrendline, Mama,
};
use aaiti_features::math::{
    Arith, ArithOp, Max, MaxIndex, Min, MinIndex, MinMax, MinMaxIndex, Sum,
};
use aaiti_features::momentum::{
    Adx, Adxr, Apo, Aroon, AroonOsc, Bop, Cci, Cmo, Dx, Macd, MacdExt, MacdFix, Mfi, MinusDi,
    MinusDm, Mom, PlusDi, PlusDm, Ppo, Roc, Rocp, Rocr, Rocr100, Rsi, Stoch, StochF, StochRsi,
    Trix, UltOsc, Willr,
};
use aaiti_features::overlap::{
    AccBands, Bbands, Dema, Donchian, Ema, Hma, Kama, Kc, Ma, MidPoint, MidPrice, Sar, SarExt, Sma,
    Supertrend, T3, Tema, Trima, Vwap, Wma,
};
use aaiti_features::price::{PriceKind, PriceTransform};
use aaiti_features::statistic::{Beta, Correl, LinearReg, RegKind, StdDev, Var};
use aaiti_features::volatility::{Atr, Natr, TRange};
use aaiti_features::volume::{Ad, AdOsc, Obv};
use aaiti_features::{
    Columns, DynIndicator, Indicator, IndicatorOutput, MaType, Params, catalog, indicator,
};

/// Bars per series, and the series: damaged with NaN, with ±inf, and with extreme
/// magnitudes (overflow to ±inf inside the states), two seeds each.
const N: usize = 240;
const SERIES: [(Kind, u64); 6] = [
    (Kind::Nans, 3),
    (Kind::Nans, 8),
    (Kind::Infs, 5),
    (Kind::Infs, 9),
    (Kind::Extreme, 2),
    (Kind::Extreme, 6),
];

/// Runs the checks and records, per catalog name, how many checkpoints held a non-finite
/// float.
#[derive(Default)]
struct Checker {
    non_finite: BTreeMap<String, usize>,
    checkpoints: usize,
}

/// The outputs of one `update` (None inside the lookback).
fn row<O: IndicatorOutput>(o: Option<O>) -> Option<Vec<f64>> {
    o.map(|o| {
        let mut v = vec![0.0; O::names().len()];
        o.write_to(&mut v);
        v
    })
}

fn same_row(a: &Option<Vec<f64>>, b: &Option<Vec<f64>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(*x, *y)),
        _ => false,
    }
}

impl Checker {
    /// `ind` must be the function `indicator(name, params)` builds; then every checkpoint of
    /// it on every series restores exactly.
    fn check<I: Indicator + 'static>(&mut self, name: &str, params: &Params, ind: I) {
        let label = format!("{name} {params:?}");
        // The concrete type is the catalog's function with these parameters.
        let dynamic = indicator(name, params).expect(&label);
        assert_eq!(dynamic.lookback(), Indicator::lookback(&ind), "{label}");
        assert_eq!(
            dynamic.output_names(),
            DynIndicator::output_names(&ind),
            "{label}"
        );
        let walk = series(N, 1, Kind::Walk);
        let cols = Columns::new(&walk[0], &walk[1], &walk[2], &walk[3], &walk[4]).unwrap();
        let (a, b) = (fold(dynamic.as_ref(), &cols), fold(&ind, &cols));
        assert!(
            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| same(*x, *y)),
            "{label}: not the catalog's function"
        );
        let mut fresh = ind.clone();
        fresh.reset();
        let entry = self.non_finite.entry(name.to_owned()).or_default();
        for (kind, seed) in SERIES {
            let bars: Vec<Bar> = bars(&series(N, seed, kind));
            let mut st = fresh.clone();
            let want: Vec<Option<Vec<f64>>> = bars.iter().map(|b| row(st.update(b))).collect();
            let mut st = fresh.clone();
            for cut in 0..=bars.len() {
                if cut > 0 {
                    let _ = st.update(&bars[cut - 1]);
                }
                let json = serde_json::to_string(&st).unwrap();
                self.checkpoints += 1;
                if json.contains("\"NaN\"") || json.contains("inf\"") {
                    *entry += 1;
                }
                let mut back: I = serde_json::from_str(&json).unwrap_or_else(|e| {
                    panic!("{label} on {kind:?}/{seed}: checkpoint after {cut} bars: {e}: {json}")
                });
                assert_eq!(
                    serde_json::to_string(&back).unwrap(),
                    json,
                    "{label} on {kind:?}/{seed}: restored after {cut} bars re-serialises"
                );
                for (i, bar) in bars.iter().enumerate().skip(cut) {
                    let got = row(back.update(bar));
                    assert!(
                        same_row(&got, &want[i]),
                        "{label} on {kind:?}/{seed}: restored after {cut} bars, bar {i}: \
                         {got:?} != {:?}\n{json}",
                        want[i]
                    );
                }
            }
        }
    }
}

fn p() -> Params {
    Params::new()
}

fn ma(t: MaType) -> f64 {
    f64::from(t as u8)
}

/// Every catalog function with its default parameters, and the MA-typed ones with every MA
/// type.
fn run_all(c: &mut Checker) {
    use MaType::{Ema as E, Sma as S};
    // overlap studies
    c.check("SMA", &p(), Sma::new(30).unwrap());
    c.check("EMA", &p(), Ema::new(30).unwrap());
    c.check("WMA", &p(), Wma::new(30).unwrap());
    c.check("DEMA", &p(), Dema::new(30).unwrap());
    c.check("TEMA", &p(), Tema::new(30).unwrap());
    c.check("TRIMA", &p(), Trima::new(30).unwrap());
    c.check("KAMA", &p(), Kama::new(30).unwrap());
    c.check("T3", &p(), T3::new(5, 0.7).unwrap());
    for t in MaType::ALL {
        let pm = p().with("matype", ma(t)).with("timeperiod", 9.0);
        c.check("MA", &pm, Ma::new(9, t).unwrap());
        let pm = p().with("matype", ma(t));
        c.check("BBANDS", &pm, Bbands::new(20, 2.0, 2.0, t).unwrap());
        let pm = p().with("matype", ma(t));
        c.check("APO", &pm, Apo::new(12, 26, t).unwrap());
        c.check("PPO", &pm, Ppo::new(12, 26, t).unwrap());
        let pm = p()
            .with("fastmatype", ma(t))
            .with("slowmatype", ma(t))
            .with("signalmatype", ma(t));
        c.check("MACDEXT", &pm, MacdExt::new(12, t, 26, t, 9, t).unwrap());
        let pm = p().with("slowk_matype", ma(t)).with("slowd_matype", ma(t));
        c.check("STOCH", &pm, Stoch::new(5, 3, t, 3, t).unwrap());
        let pm = p().with("fastd_matype", ma(t));
        c.check("STOCHF", &pm, StochF::new(5, 3, t).unwrap());
        c.check("STOCHRSI", &pm, StochRsi::new(14, 5, 3, t).unwrap());
    }
    c.check("MA", &p(), Ma::new(30, S).unwrap());
    c.check("SAR", &p(), Sar::new(0.02, 0.2).unwrap());
    c.check(
        "SAREXT",
        &p(),
        SarExt::new(0.0, 0.0, 0.02, 0.02, 0.2, 0.02, 0.02, 0.2).unwrap(),
    );
    c.check("MIDPOINT", &p(), MidPoint::new(14).unwrap());
    c.check("MIDPRICE", &p(), MidPrice::new(14).unwrap());
    c.check("VWAP", &p(), Vwap::new());
    c.check("KC", &p(), Kc::new(20, 10, 2.0).unwrap());
    c.check("DONCHIAN", &p(), Donchian::new(20).unwrap());
    c.check("SUPERTREND", &p(), Supertrend::new(10, 3.0).unwrap());
    c.check("HMA", &p(), Hma::new(20).unwrap());
    c.check("ACCBANDS", &p(), AccBands::new(20).unwrap());
    c.check("MAMA", &p(), Mama::new(0.5, 0.05).unwrap());
    // volatility, volume, price transforms
    c.check("ATR", &p(), Atr::new(14).unwrap());
    c.check("NATR", &p(), Natr::new(14).unwrap());
    c.check("TRANGE", &p(), TRange::new());
    c.check("AD", &p(), Ad::new());
    c.check("ADOSC", &p(), AdOsc::new(3, 10).unwrap());
    c.check("OBV", &p(), Obv::new());
    c.check("AVGPRICE", &p(), PriceTransform::new(PriceKind::Avg));
    c.check("MEDPRICE", &p(), PriceTransform::new(PriceKind::Med));
    c.check("TYPPRICE", &p(), PriceTransform::new(PriceKind::Typ));
    c.check("WCLPRICE", &p(), PriceTransform::new(PriceKind::Wcl));
    // statistic functions
    c.check("BETA", &p(), Beta::new(5).unwrap());
    c.check("CORREL", &p(), Correl::new(30).unwrap());
    c.check(
        "LINEARREG",
        &p(),
        LinearReg::new(RegKind::Value, 14).unwrap(),
    );
    c.check(
        "LINEARREG_ANGLE",
        &p(),
        LinearReg::new(RegKind::Angle, 14).unwrap(),
    );
    c.check(
        "LINEARREG_INTERCEPT",
        &p(),
        LinearReg::new(RegKind::Intercept, 14).unwrap(),
    );
    c.check(
        "LINEARREG_SLOPE",
        &p(),
        LinearReg::new(RegKind::Slope, 14).unwrap(),
    );
    c.check("TSF", &p(), LinearReg::new(RegKind::Forecast, 14).unwrap());
    c.check("STDDEV", &p(), StdDev::new(5, 1.0).unwrap());
    c.check("VAR", &p(), Var::new(5, 1.0).unwrap());
    // math operators
    c.check("ADD", &p(), Arith::new(ArithOp::Add));
    c.check("SUB", &p(), Arith::new(ArithOp::Sub));
    c.check("MULT", &p(), Arith::new(ArithOp::Mult));
    c.check("DIV", &p(), Arith::new(ArithOp::Div));
    c.check("SUM", &p(), Sum::new(30).unwrap());
    c.check("MAX", &p(), Max::new(30).unwrap());
    c.check("MIN", &p(), Min::new(30).unwrap());
    c.check("MAXINDEX", &p(), MaxIndex::new(30).unwrap());
    c.check("MININDEX", &p(), MinIndex::new(30).unwrap());
    c.check("MINMAX", &p(), MinMax::new(30).unwrap());
    c.check("MINMAXINDEX", &p(), MinMaxIndex::new(30).unwrap());
    // momentum
    c.check("ADX", &p(), Adx::new(14).unwrap());
    c.check("ADXR", &p(), Adxr::new(14).unwrap());
    c.check("AROON", &p(), Aroon::new(14).unwrap());
    c.check("AROONOSC", &p(), AroonOsc::new(14).unwrap());
    c.check("BOP", &p(), Bop::new());
    c.check("CCI", &p(), Cci::new(14).unwrap());
    c.check("CMO", &p(), Cmo::new(14).unwrap());
    c.check("DX", &p(), Dx::new(14).unwrap());
    c.check("MACD", &p(), Macd::new(12, 26, 9).unwrap());
    c.check("MACDEXT", &p(), MacdExt::new(12, S, 26, S, 9, S).unwrap());
    c.check("MACDFIX", &p(), MacdFix::new(9).unwrap());
    c.check("MFI", &p(), Mfi::new(14).unwrap());
    c.check("MINUS_DI", &p(), MinusDi::new(14).unwrap());
    c.check("MINUS_DM", &p(), MinusDm::new(14).unwrap());
    c.check("MOM", &p(), Mom::new(10).unwrap());
    c.check("PLUS_DI", &p(), PlusDi::new(14).unwrap());
    c.check("PLUS_DM", &p(), PlusDm::new(14).unwrap());
    c.check("PPO", &p(), Ppo::new(12, 26, E).unwrap());
    c.check("APO", &p(), Apo::new(12, 26, E).unwrap());
    c.check("ROC", &p(), Roc::new(10).unwrap());
    c.check("ROCP", &p(), Rocp::new(10).unwrap());
    c.check("ROCR", &p(), Rocr::new(10).unwrap());
    c.check("ROCR100", &p(), Rocr100::new(10).unwrap());
    c.check("RSI", &p(), Rsi::new(14).unwrap());
    c.check("STOCH", &p(), Stoch::new(5, 3, S, 3, S).unwrap());
    c.check("STOCHF", &p(), StochF::new(5, 3, S).unwrap());
    c.check("STOCHRSI", &p(), StochRsi::new(14, 5, 3, S).unwrap());
    c.check("TRIX", &p(), Trix::new(30).unwrap());
    c.check("ULTOSC", &p(), UltOsc::new(7, 14, 28).unwrap());
    c.check("WILLR", &p(), Willr::new(14).unwrap());
    // cycle indicators
    c.check("HT_DCPERIOD", &p(), HtDcPeriod::new());
    c.check("HT_DCPHASE", &p(), HtDcPhase::new());
    c.check("HT_PHASOR", &p(), HtPhasor::new());
    c.check("HT_SINE", &p(), HtSine::new());
    c.check("HT_TRENDMODE", &p(), HtTrendMode::new());
    c.check("HT_TRENDLINE", &p(), HtTrendline::new());
}

#[test]
fn fg_every_catalog_state_restores_from_json_with_nan_and_inf() {
    let mut c = Checker::default();
    run_all(&mut c);
    // every catalog function is covered
    for f in catalog() {
        assert!(
            c.non_finite.contains_key(f.name),
            "{} is not checked",
            f.name
        );
    }
    // and the checkpoints do hold non-finite values: every function with a float in its
    // state wrote some (BOP and the price transforms keep none)
    let stateless = [
        "BOP", "AVGPRICE", "MEDPRICE", "TYPPRICE", "WCLPRICE", "ADD", "SUB", "MULT", "DIV",
    ];
    for (name, &n) in &c.non_finite {
        if stateless.contains(&name.as_str()) {
            assert_eq!(n, 0, "{name}");
        } else {
            assert!(n > 0, "{name}: no checkpoint held NaN or ±inf");
        }
    }
    assert!(c.checkpoints > 100_000, "{}", c.checkpoints);
    let held: usize = c.non_finite.values().sum();
    let least = c
        .non_finite
        .iter()
        .filter(|(name, _)| !stateless.contains(&name.as_str()))
        .min_by_key(|(_, n)| **n);
    eprintln!(
        "{} checkpoints of {} functions, {held} holding NaN or ±inf (fewest: {least:?})",
        c.checkpoints,
        c.non_finite.len()
    );
}

/// A `null` where a float is expected (what a plain `f64` field wrote for NaN and ±inf) is
/// an error naming the problem, not a silent NaN; finite checkpoints are plain numbers.
#[test]
fn fg_legacy_null_is_refused_and_finite_json_is_unchanged() {
    let mut ema = Ema::new(3).unwrap();
    for x in [1.0, 2.0, 3.0, 4.5] {
        let _ = ema.update(&aaiti_features::scalar_bar(x));
    }
    let json = serde_json::to_string(&ema).unwrap();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    let back: Ema = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    let _ = ema.update(&aaiti_features::scalar_bar(f64::INFINITY));
    let json = serde_json::to_string(&ema).unwrap();
    assert!(json.contains("\"inf\""), "{json}");
    let legacy = json.replace("\"inf\"", "null");
    let err = serde_json::from_str::<Ema>(&legacy)
        .unwrap_err()
        .to_string();
    assert!(err.contains("null for an f64"), "{err}");
}
