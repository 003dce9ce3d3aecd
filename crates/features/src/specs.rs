//! Catalog entries of the overlap, volatility, volume, price-transform and statistic
//! functions (TA-Lib 0.8.1 names, defaults and ranges).

use crate::catalog::{Args, ParamInfo, Spec};
use crate::error::Result;
use crate::indicator::{DynIndicator, PriceField};
use crate::math::{Arith, ArithOp, Max, MaxIndex, Min, MinIndex, MinMax, MinMaxIndex, Sum};
use crate::overlap::{
    AccBands, Bbands, Dema, Donchian, Ema, Hma, Kama, Kc, Ma, MidPoint, MidPrice, Sar, SarExt, Sma,
    Supertrend, T3, Tema, Trima, Vwap, Wma,
};
use crate::params::MaType;
use crate::price::{PriceKind, PriceTransform};
use crate::statistic::{Beta, Correl, LinearReg, RegKind, StdDev, Var};
use crate::volatility::{Atr, Natr, TRange};
use crate::volume::{Ad, AdOsc, Obv};

const M: usize = 100_000;
const RMAX: f64 = 3e37;
const OV: &str = "Overlap Studies";
const VOLAT: &str = "Volatility Indicators";
const VOLU: &str = "Volume Indicators";
const PT: &str = "Price Transform";
const ST: &str = "Statistic Functions";
const MATH: &str = "Math Operators";

const CLOSE: ParamInfo = ParamInfo::price("price", PriceField::Close);
const REAL: &[&str] = &["real"];
const BANDS: &[&str] = &["upperband", "middleband", "lowerband"];
const IN_P: &[&str] = &["price"];
const IN_HL: &[&str] = &["high", "low"];
const IN_HLC: &[&str] = &["high", "low", "close"];
const IN_HLCV: &[&str] = &["high", "low", "close", "volume"];

fn boxed<I: crate::Indicator + 'static>(i: I) -> Result<Box<dyn DynIndicator>> {
    Ok(Box::new(i))
}

macro_rules! ma_spec {
    ($name:literal, $desc:literal, $ty:ident, $def:expr) => {
        Spec {
            name: $name,
            group: OV,
            description: $desc,
            inputs: IN_P,
            params: &[ParamInfo::int("timeperiod", $def, 1, M), CLOSE],
            outputs: REAL,
            build: |a: &Args<'_>| {
                boxed($ty::new(a.int("timeperiod")?)?.with_price(a.price("price")?))
            },
        }
    };
}

macro_rules! reg_spec {
    ($name:literal, $desc:literal, $kind:expr) => {
        Spec {
            name: $name,
            group: ST,
            description: $desc,
            inputs: IN_P,
            params: &[ParamInfo::int("timeperiod", 14, 2, M), CLOSE],
            outputs: REAL,
            build: |a: &Args<'_>| {
                boxed(LinearReg::new($kind, a.int("timeperiod")?)?.with_price(a.price("price")?))
            },
        }
    };
}

macro_rules! price_spec {
    ($name:literal, $desc:literal, $inputs:expr, $kind:expr) => {
        Spec {
            name: $name,
            group: PT,
            description: $desc,
            inputs: $inputs,
            params: &[],
            outputs: REAL,
            build: |_a: &Args<'_>| boxed(PriceTransform::new($kind)),
        }
    };
}

macro_rules! arith_spec {
    ($name:literal, $desc:literal, $op:expr) => {
        Spec {
            name: $name,
            group: MATH,
            description: $desc,
            inputs: &["price0", "price1"],
            params: &[
                ParamInfo::price("price0", PriceField::High),
                ParamInfo::price("price1", PriceField::Low),
            ],
            outputs: REAL,
            build: |a: &Args<'_>| {
                boxed(Arith::new($op).with_prices(a.price("price0")?, a.price("price1")?))
            },
        }
    };
}

macro_rules! window_math_spec {
    ($name:literal, $desc:literal, $ty:ident, $outputs:expr) => {
        Spec {
            name: $name,
            group: MATH,
            description: $desc,
            inputs: IN_P,
            params: &[ParamInfo::int("timeperiod", 30, 2, M), CLOSE],
            outputs: $outputs,
            build: |a: &Args<'_>| {
                boxed($ty::new(a.int("timeperiod")?)?.with_price(a.price("price")?))
            },
        }
    };
}

/// The functions owned by this module group.
pub(crate) static SPECS: &[Spec] = &[
    arith_spec!("ADD", "Vector Arithmetic Add", ArithOp::Add),
    arith_spec!("SUB", "Vector Arithmetic Subtraction", ArithOp::Sub),
    arith_spec!("MULT", "Vector Arithmetic Mult", ArithOp::Mult),
    arith_spec!("DIV", "Vector Arithmetic Div", ArithOp::Div),
    window_math_spec!("SUM", "Summation", Sum, REAL),
    window_math_spec!("MAX", "Highest value over a specified period", Max, REAL),
    window_math_spec!("MIN", "Lowest value over a specified period", Min, REAL),
    window_math_spec!(
        "MAXINDEX",
        "Index of highest value over a specified period",
        MaxIndex,
        &["integer"]
    ),
    window_math_spec!(
        "MININDEX",
        "Index of lowest value over a specified period",
        MinIndex,
        &["integer"]
    ),
    window_math_spec!(
        "MINMAX",
        "Lowest and highest values over a specified period",
        MinMax,
        &["min", "max"]
    ),
    window_math_spec!(
        "MINMAXINDEX",
        "Indexes of lowest and highest values over a specified period",
        MinMaxIndex,
        &["minidx", "maxidx"]
    ),
    ma_spec!("SMA", "Simple Moving Average", Sma, 30),
    ma_spec!("EMA", "Exponential Moving Average", Ema, 30),
    ma_spec!("WMA", "Weighted Moving Average", Wma, 30),
    ma_spec!("DEMA", "Double Exponential Moving Average", Dema, 30),
    ma_spec!("TEMA", "Triple Exponential Moving Average", Tema, 30),
    ma_spec!("TRIMA", "Triangular Moving Average", Trima, 30),
    ma_spec!("KAMA", "Kaufman Adaptive Moving Average", Kama, 30),
    Spec {
        name: "T3",
        group: OV,
        description: "Triple Exponential Moving Average (T3)",
        inputs: IN_P,
        params: &[
            ParamInfo::int("timeperiod", 5, 1, M),
            ParamInfo::real("vfactor", 0.7, 0.0, 1.0),
            CLOSE,
        ],
        outputs: REAL,
        build: |a| {
            boxed(T3::new(a.int("timeperiod")?, a.real("vfactor")?)?.with_price(a.price("price")?))
        },
    },
    Spec {
        name: "MA",
        group: OV,
        description: "Moving average of any TA-Lib MA type",
        inputs: IN_P,
        params: &[
            ParamInfo::int("timeperiod", 30, 1, M),
            ParamInfo::ma("matype", MaType::Sma),
            CLOSE,
        ],
        outputs: REAL,
        build: |a| {
            boxed(Ma::new(a.int("timeperiod")?, a.ma("matype")?)?.with_price(a.price("price")?))
        },
    },
    Spec {
        name: "BBANDS",
        group: OV,
        description: "Bollinger Bands",
        inputs: IN_P,
        params: &[
            ParamInfo::int("timeperiod", 20, 2, M),
            ParamInfo::real("nbdevup", 2.0, -RMAX, RMAX),
            ParamInfo::real("nbdevdn", 2.0, -RMAX, RMAX),
            ParamInfo::ma("matype", MaType::Sma),
            CLOSE,
        ],
        outputs: BANDS,
        build: |a| {
            boxed(
                Bbands::new(
                    a.int("timeperiod")?,
                    a.real("nbdevup")?,
                    a.real("nbdevdn")?,
                    a.ma("matype")?,
                )?
                .with_price(a.price("price")?),
            )
        },
    },
    Spec {
        name: "SAR",
        group: OV,
        description: "Parabolic SAR",
        inputs: IN_HL,
        params: &[
            ParamInfo::real("acceleration", 0.02, 0.0, RMAX),
            ParamInfo::real("maximum", 0.2, 0.0, RMAX),
        ],
        outputs: REAL,
        build: |a| boxed(Sar::new(a.real("acceleration")?, a.real("maximum")?)?),
    },
    Spec {
        name: "SAREXT",
        group: OV,
        description: "Parabolic SAR - Extended (short positions negative)",
        inputs: IN_HL,
        params: &[
            ParamInfo::real("startvalue", 0.0, -RMAX, RMAX),
            ParamInfo::real("offsetonreverse", 0.0, 0.0, RMAX),
            ParamInfo::real("accelerationinitlong", 0.02, 0.0, RMAX),
            ParamInfo::real("accelerationlong", 0.02, 0.0, RMAX),
            ParamInfo::real("accelerationmaxlong", 0.2, 0.0, RMAX),
            ParamInfo::real("accelerationinitshort", 0.02, 0.0, RMAX),
            ParamInfo::real("accelerationshort", 0.02, 0.0, RMAX),
            ParamInfo::real("accelerationmaxshort", 0.2, 0.0, RMAX),
        ],
        outputs: REAL,
        build: |a| {
            boxed(SarExt::new(
                a.real("startvalue")?,
                a.real("offsetonreverse")?,
                a.real("accelerationinitlong")?,
                a.real("accelerationlong")?,
                a.real("accelerationmaxlong")?,
                a.real("accelerationinitshort")?,
                a.real("accelerationshort")?,
                a.real("accelerationmaxshort")?,
            )?)
        },
    },
    Spec {
        name: "MIDPOINT",
        group: OV,
        description: "MidPoint over period",
        inputs: IN_P,
        params: &[ParamInfo::int("timeperiod", 14, 2, M), CLOSE],
        outputs: REAL,
        build: |a| boxed(MidPoint::new(a.int("timeperiod")?)?.with_price(a.price("price")?)),
    },
    Spec {
        name: "MIDPRICE",
        group: OV,
        description: "Midpoint Price over period",
        inputs: IN_HL,
        params: &[ParamInfo::int("timeperiod", 14, 2, M)],
        outputs: REAL,
        build: |a| boxed(MidPrice::new(a.int("timeperiod")?)?),
    },
    Spec {
        name: "ATR",
        group: VOLAT,
        description: "Average True Range",
        inputs: IN_HLC,
        params: &[ParamInfo::int("timeperiod", 14, 1, M)],
        outputs: REAL,
        build: |a| boxed(Atr::new(a.int("timeperiod")?)?),
    },
    Spec {
        name: "NATR",
        group: VOLAT,
        description: "Normalized Average True Range",
        inputs: IN_HLC,
        params: &[ParamInfo::int("timeperiod", 14, 1, M)],
        outputs: REAL,
        build: |a| boxed(Natr::new(a.int("timeperiod")?)?),
    },
    Spec {
        name: "TRANGE",
        group: VOLAT,
        description: "True Range",
        inputs: IN_HLC,
        params: &[],
        outputs: REAL,
        build: |_a| boxed(TRange::new()),
    },
    Spec {
        name: "AD",
        group: VOLU,
        description: "Chaikin A/D Line",
        inputs: IN_HLCV,
        params: &[],
        outputs: REAL,
        build: |_a| boxed(Ad::new()),
    },
    Spec {
        name: "ADOSC",
        group: VOLU,
        description: "Chaikin A/D Oscillator",
        inputs: IN_HLCV,
        params: &[
            ParamInfo::int("fastperiod", 3, 2, M),
            ParamInfo::int("slowperiod", 10, 2, M),
        ],
        outputs: REAL,
        build: |a| boxed(AdOsc::new(a.int("fastperiod")?, a.int("slowperiod")?)?),
    },
    Spec {
        name: "OBV",
        group: VOLU,
        description: "On Balance Volume",
        inputs: &["price", "volume"],
        params: &[CLOSE],
        outputs: REAL,
        build: |a| boxed(Obv::new().with_price(a.price("price")?)),
    },
    price_spec!(
        "AVGPRICE",
        "Average Price",
        &["open", "high", "low", "close"],
        PriceKind::Avg
    ),
    price_spec!("MEDPRICE", "Median Price", IN_HL, PriceKind::Med),
    price_spec!("TYPPRICE", "Typical Price", IN_HLC, PriceKind::Typ),
    price_spec!("WCLPRICE", "Weighted Close Price", IN_HLC, PriceKind::Wcl),
    Spec {
        name: "BETA",
        group: ST,
        description: "Beta",
        inputs: &["price0", "price1"],
        params: &[
            ParamInfo::int("timeperiod", 5, 1, M),
            ParamInfo::price("price0", PriceField::High),
            ParamInfo::price("price1", PriceField::Low),
        ],
        outputs: REAL,
        build: |a| {
            boxed(
                Beta::new(a.int("timeperiod")?)?
                    .with_prices(a.price("price0")?, a.price("price1")?),
            )
        },
    },
    Spec {
        name: "CORREL",
        group: ST,
        description: "Pearson's Correlation Coefficient (r)",
        inputs: &["price0", "price1"],
        params: &[
            ParamInfo::int("timeperiod", 30, 1, M),
            ParamInfo::price("price0", PriceField::High),
            ParamInfo::price("price1", PriceField::Low),
        ],
        outputs: REAL,
        build: |a| {
            boxed(
                Correl::new(a.int("timeperiod")?)?
                    .with_prices(a.price("price0")?, a.price("price1")?),
            )
        },
    },
    reg_spec!("LINEARREG", "Linear Regression", RegKind::Value),
    reg_spec!("LINEARREG_ANGLE", "Linear Regression Angle", RegKind::Angle),
    reg_spec!(
        "LINEARREG_INTERCEPT",
        "Linear Regression Intercept",
        RegKind::Intercept
    ),
    reg_spec!("LINEARREG_SLOPE", "Linear Regression Slope", RegKind::Slope),
    reg_spec!("TSF", "Time Series Forecast", RegKind::Forecast),
    Spec {
        name: "STDDEV",
        group: ST,
        description: "Standard Deviation",
        inputs: IN_P,
        params: &[
            ParamInfo::int("timeperiod", 5, 2, M),
            ParamInfo::real("nbdev", 1.0, -RMAX, RMAX),
            CLOSE,
        ],
        outputs: REAL,
        build: |a| {
            boxed(
                StdDev::new(a.int("timeperiod")?, a.real("nbdev")?)?.with_price(a.price("price")?),
            )
        },
    },
    Spec {
        name: "VAR",
        group: ST,
        description: "Variance",
        inputs: IN_P,
        params: &[
            ParamInfo::int("timeperiod", 5, 1, M),
            ParamInfo::real("nbdev", 1.0, -RMAX, RMAX),
            CLOSE,
        ],
        outputs: REAL,
        build: |a| {
            boxed(Var::new(a.int("timeperiod")?, a.real("nbdev")?)?.with_price(a.price("price")?))
        },
    },
    Spec {
        name: "VWAP",
        group: VOLU,
        description: "Volume Weighted Average Price (cumulative, typical price)",
        inputs: IN_HLCV,
        params: &[],
        outputs: REAL,
        build: |_a| boxed(Vwap::new()),
    },
    Spec {
        name: "KC",
        group: OV,
        description: "Keltner Channels (EMA of typical price ± nbdev × ATR)",
        inputs: IN_HLC,
        params: &[
            ParamInfo::int("timeperiod", 20, 2, M),
            ParamInfo::int("atrperiod", 10, 1, M),
            ParamInfo::real("nbdev", 2.0, -RMAX, RMAX),
        ],
        outputs: BANDS,
        build: |a| {
            boxed(Kc::new(
                a.int("timeperiod")?,
                a.int("atrperiod")?,
                a.real("nbdev")?,
            )?)
        },
    },
    Spec {
        name: "DONCHIAN",
        group: OV,
        description: "Donchian Channels",
        inputs: IN_HL,
        params: &[ParamInfo::int("timeperiod", 20, 2, M)],
        outputs: BANDS,
        build: |a| boxed(Donchian::new(a.int("timeperiod")?)?),
    },
    Spec {
        name: "SUPERTREND",
        group: OV,
        description: "Supertrend (ATR stop line and trend)",
        inputs: IN_HLC,
        params: &[
            ParamInfo::int("timeperiod", 10, 2, M),
            ParamInfo::real("multiplier", 3.0, -RMAX, RMAX),
        ],
        outputs: &["supertrend", "trend"],
        build: |a| {
            boxed(Supertrend::new(
                a.int("timeperiod")?,
                a.real("multiplier")?,
            )?)
        },
    },
    Spec {
        name: "HMA",
        group: OV,
        description: "Hull Moving Average",
        inputs: IN_P,
        params: &[ParamInfo::int("timeperiod", 20, 1, M), CLOSE],
        outputs: REAL,
        build: |a| boxed(Hma::new(a.int("timeperiod")?)?.with_price(a.price("price")?)),
    },
    Spec {
        name: "ACCBANDS",
        group: OV,
        description: "Acceleration Bands",
        inputs: IN_HLC,
        params: &[ParamInfo::int("timeperiod", 20, 2, M)],
        outputs: BANDS,
        build: |a| boxed(AccBands::new(a.int("timeperiod")?)?),
    },
];
