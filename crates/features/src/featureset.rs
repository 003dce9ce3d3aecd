//! Feature sets: a serde (TOML/JSON) specification of indicators plus causal transforms,
//! computed into a feature matrix with stable column names and the time index.
//!
//! # Column names
//! * An indicator column is `FUNC.output` (TA-Lib's function and output names, e.g.
//!   `RSI.real`, `MACD.macdsignal`) when no parameters are given, and
//!   `FUNC(k=v,k=v).output` with the parameters in alphabetical order otherwise
//!   (`RSI(timeperiod=7).real`). A `name` in the spec replaces the `FUNC(...)` part.
//! * Raw bar fields (`OPEN`, `HIGH`, `LOW`, `CLOSE`, `VOLUME`) are named in lower case
//!   (`close`).
//! * Each transform appends `|transform(arg)`: `close|log_return(1)`,
//!   `RSI.real|lag(1)|zscore(20)`.
//!
//! # Warm-up
//! Every column has a warm-up: the indicator's TA-Lib lookback plus what its transforms
//! need (`lag(n)`, `diff(n)`, `return(n)`, `log_return(n)` add `n`, `zscore(w)` adds
//! `w - 1`). The first `max` warm-up rows are **dropped** (never zero-filled) and their
//! count is reported in [`FeatureMatrix::warmup_rows`]. Later NaNs (e.g. a z-score over a
//! constant window, a return from a zero value) are kept as NaN.
//!
//! Every value at row `t` only depends on bars `0..=t` (property-tested).
//!
//! ```
//! use aaiti_features::FeatureSpec;
//! # let bars = aaiti_features::__doc_bars(200);
//! let spec: FeatureSpec = toml::from_str(r#"
//!     [[features]]
//!     function = "RSI"
//!     params = { timeperiod = 14 }
//!     [[features]]
//!     function = "BBANDS"
//!     outputs = ["upperband", "lowerband"]
//!     transforms = [{ type = "ratio_to_close" }]
//!     [[features]]
//!     function = "CLOSE"
//!     transforms = [{ type = "log_return", periods = 1 }, { type = "lag", periods = 1 }]
//! "#).unwrap();
//! let m = spec.compute(&bars)?;
//! assert_eq!(m.names(), ["RSI(timeperiod=14).real", "BBANDS.upperband|ratio_to_close",
//!                        "BBANDS.lowerband|ratio_to_close", "close|log_return(1)|lag(1)"]);
//! assert_eq!(m.warmup_rows(), 19); // BBANDS(20) needs 19 bars
//! assert_eq!(m.values().nrows(), 200 - 19);
//! # Ok::<(), aaiti_features::Error>(())
//! ```

use std::fmt::Write as _;

use aaiti_core::{Bars, Dataset};
use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, ArrayView1, Axis, s};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::batch::batch_dyn;
use crate::catalog::indicator;
use crate::error::{Error, Result};
use crate::params::{ParamValue, Params};

/// A causal transform applied to one feature column (applied in the order listed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Simple return `x[t] / x[t-n] - 1`.
    Return {
        /// `n` (default 1).
        #[serde(default = "one")]
        periods: usize,
    },
    /// Log return `ln(x[t] / x[t-n])`.
    LogReturn {
        /// `n` (default 1).
        #[serde(default = "one")]
        periods: usize,
    },
    /// Lag: `x[t-n]`.
    Lag {
        /// `n` (default 1).
        #[serde(default = "one")]
        periods: usize,
    },
    /// Difference `x[t] - x[t-n]`.
    Diff {
        /// `n` (default 1).
        #[serde(default = "one")]
        periods: usize,
    },
    /// Rolling z-score over the last `window` values: `(x - mean) / std` with the
    /// population standard deviation; NaN when the window is constant.
    Zscore {
        /// Window length (≥ 2).
        window: usize,
    },
    /// Ratio to the bar's close: `x[t] / close[t]` (makes price-level features scale-free).
    RatioToClose,
}

fn one() -> usize {
    1
}

impl Transform {
    fn label(&self) -> String {
        match self {
            Self::Return { periods } => format!("return({periods})"),
            Self::LogReturn { periods } => format!("log_return({periods})"),
            Self::Lag { periods } => format!("lag({periods})"),
            Self::Diff { periods } => format!("diff({periods})"),
            Self::Zscore { window } => format!("zscore({window})"),
            Self::RatioToClose => "ratio_to_close".into(),
        }
    }

    /// Extra warm-up rows this transform adds.
    #[must_use]
    pub fn lookback(&self) -> usize {
        match self {
            Self::Return { periods }
            | Self::LogReturn { periods }
            | Self::Lag { periods }
            | Self::Diff { periods } => *periods,
            Self::Zscore { window } => window.saturating_sub(1),
            Self::RatioToClose => 0,
        }
    }

    fn check(&self) -> Result<()> {
        match self {
            Self::Return { periods }
            | Self::LogReturn { periods }
            | Self::Lag { periods }
            | Self::Diff { periods }
                if *periods == 0 =>
            {
                Err(Error::Spec(format!(
                    "transform {}: periods must be >= 1",
                    self.label()
                )))
            }
            Self::Zscore { window } if *window < 2 => Err(Error::Spec(format!(
                "transform zscore: window must be >= 2, got {window}"
            ))),
            _ => Ok(()),
        }
    }

    fn apply(&self, x: ArrayView1<'_, f64>, close: ArrayView1<'_, f64>) -> Array1<f64> {
        let n = x.len();
        let mut out = Array1::from_elem(n, f64::NAN);
        match *self {
            Self::Return { periods: k } => {
                for t in k..n {
                    out[t] = x[t] / x[t - k] - 1.0;
                }
            }
            Self::LogReturn { periods: k } => {
                for t in k..n {
                    out[t] = (x[t] / x[t - k]).ln();
                }
            }
            Self::Lag { periods: k } => {
                for t in k..n {
                    out[t] = x[t - k];
                }
            }
            Self::Diff { periods: k } => {
                for t in k..n {
                    out[t] = x[t] - x[t - k];
                }
            }
            Self::Zscore { window: w } => {
                #[allow(clippy::cast_precision_loss, reason = "window lengths are small")]
                let wf = w as f64;
                for t in (w - 1)..n {
                    let win = x.slice(s![t + 1 - w..=t]);
                    let mean = win.sum() / wf;
                    let var = win.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / wf;
                    out[t] = if var > 0.0 {
                        (x[t] - mean) / var.sqrt()
                    } else {
                        f64::NAN
                    };
                }
            }
            Self::RatioToClose => {
                for t in 0..n {
                    out[t] = x[t] / close[t];
                }
            }
        }
        out
    }
}

/// A computed column: name, values over all bars, warm-up rows.
type Column = (String, Array1<f64>, usize);

/// One entry of a feature spec: an indicator (or raw bar field) with parameters, the
/// outputs to keep and the transforms to apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureDef {
    /// TA-Lib function name (`RSI`, `MACD`, ...) or a raw field `OPEN|HIGH|LOW|CLOSE|VOLUME`.
    pub function: String,
    /// TA-Lib parameters (absent ones take TA-Lib's defaults).
    #[serde(default)]
    pub params: Params,
    /// The outputs to keep (TA-Lib names); all when absent.
    #[serde(default)]
    pub outputs: Option<Vec<String>>,
    /// Transforms applied in order to every kept output.
    #[serde(default)]
    pub transforms: Vec<Transform>,
    /// Replaces the `FUNC(params)` part of the column names.
    #[serde(default)]
    pub name: Option<String>,
}

impl FeatureDef {
    /// A definition of `function` with default parameters and no transforms.
    #[must_use]
    pub fn new(function: &str) -> Self {
        Self {
            function: function.into(),
            params: Params::new(),
            outputs: None,
            transforms: Vec::new(),
            name: None,
        }
    }
    /// Sets a numeric parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: f64) -> Self {
        self.params = self.params.with(name, value);
        self
    }
    /// Appends a transform.
    #[must_use]
    pub fn transform(mut self, t: Transform) -> Self {
        self.transforms.push(t);
        self
    }
    /// Keeps only these outputs.
    #[must_use]
    pub fn outputs(mut self, names: &[&str]) -> Self {
        self.outputs = Some(names.iter().map(|s| (*s).to_owned()).collect());
        self
    }

    fn base_name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let f = self.function.to_ascii_uppercase();
        if self.params.is_empty() {
            return f;
        }
        let mut s = format!("{f}(");
        for (i, k) in self.params.names().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let v = match self.params.get(k) {
                Some(ParamValue::Number(x)) => format!("{x}"),
                Some(ParamValue::Text(t)) => t.clone(),
                None => String::new(),
            };
            let _ = write!(s, "{k}={v}");
        }
        s.push(')');
        s
    }

    /// Computes this definition's columns: (names, columns, warm-up per column).
    fn compute(&self, bars: &Bars) -> Result<Vec<Column>> {
        for t in &self.transforms {
            t.check()?;
        }
        let raw = match self.function.to_ascii_uppercase().as_str() {
            "OPEN" => Some(bars.open()),
            "HIGH" => Some(bars.high()),
            "LOW" => Some(bars.low()),
            "CLOSE" => Some(bars.close()),
            "VOLUME" => Some(bars.volume()),
            _ => None,
        };
        let mut cols: Vec<Column> = Vec::new();
        if let Some(col) = raw {
            if !self.params.is_empty() || self.outputs.is_some() {
                return Err(Error::Spec(format!(
                    "raw field {} takes no params or outputs",
                    self.function
                )));
            }
            let name = self
                .name
                .clone()
                .unwrap_or_else(|| self.function.to_ascii_lowercase());
            cols.push((name, col.to_owned(), 0));
        } else {
            let ind = indicator(&self.function, &self.params)?;
            let names = ind.output_names();
            let keep: Vec<usize> = match &self.outputs {
                None => (0..names.len()).collect(),
                Some(sel) => sel
                    .iter()
                    .map(|o| {
                        names.iter().position(|n| n == o).ok_or_else(|| {
                            Error::Spec(format!(
                                "{}: no output `{o}` (outputs: {})",
                                self.function,
                                names.join(", ")
                            ))
                        })
                    })
                    .collect::<Result<_>>()?,
            };
            let m = batch_dyn(ind.as_ref(), bars);
            let base = self.base_name();
            for j in keep {
                cols.push((
                    format!("{base}.{}", names[j]),
                    m.column(j).to_owned(),
                    ind.lookback(),
                ));
            }
        }
        let close = bars.close();
        for (name, col, lb) in &mut cols {
            for t in &self.transforms {
                *col = t.apply(col.view(), close);
                let _ = write!(name, "|{}", t.label());
                *lb += t.lookback();
            }
        }
        Ok(cols)
    }
}

/// A feature-set specification: a list of [`FeatureDef`]s (TOML `[[features]]` tables or a
/// JSON `{"features": [...]}` object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// Optional name of the set.
    #[serde(default)]
    pub name: Option<String>,
    /// The features, in column order.
    pub features: Vec<FeatureDef>,
}

impl FeatureSpec {
    /// Parses a TOML spec.
    ///
    /// # Errors
    /// [`Error::Parse`] with the TOML error.
    pub fn from_toml(s: &str) -> Result<Self> {
        toml::from_str(s).map_err(|e| Error::Parse {
            input: "feature spec (TOML)".into(),
            reason: e.to_string(),
        })
    }

    /// Parses a JSON spec.
    ///
    /// # Errors
    /// [`Error::Parse`] with the JSON error.
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s).map_err(|e| Error::Parse {
            input: "feature spec (JSON)".into(),
            reason: e.to_string(),
        })
    }

    /// Reads a spec file (`.json` as JSON, anything else as TOML).
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable, [`Error::Parse`] when malformed.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Self::from_json(&text)
        } else {
            Self::from_toml(&text)
        }
    }

    /// A named preset: `"seed60"` reproduces the project seed's "60+ technical indicators"
    /// set (every classic TA-Lib feature function at its defaults; price-level overlays as
    /// ratios to the close; plus close log returns at 1, 5 and 20 bars).
    ///
    /// # Errors
    /// [`Error::Spec`] for an unknown preset name.
    pub fn preset(name: &str) -> Result<Self> {
        match name {
            "seed60" => Ok(seed60()),
            _ => Err(Error::Spec(format!(
                "unknown preset `{name}` (available: seed60)"
            ))),
        }
    }

    /// Computes the feature matrix over `bars`, dropping the warm-up rows.
    ///
    /// # Errors
    /// [`Error::Spec`] for an empty spec, duplicate column names or bad transforms;
    /// catalog errors for unknown functions or invalid parameters.
    pub fn compute(&self, bars: &Bars) -> Result<FeatureMatrix> {
        if self.features.is_empty() {
            return Err(Error::Spec("no features".into()));
        }
        let per_def: Vec<Result<Vec<Column>>> =
            self.features.par_iter().map(|d| d.compute(bars)).collect();
        let mut names = Vec::new();
        let mut cols = Vec::new();
        let mut warmup = 0;
        for r in per_def {
            for (n, c, lb) in r? {
                if names.contains(&n) {
                    return Err(Error::Spec(format!(
                        "duplicate column `{n}` (give one of them a `name`)"
                    )));
                }
                names.push(n);
                cols.push(c);
                warmup = warmup.max(lb);
            }
        }
        let n = bars.len();
        let warmup_rows = warmup.min(n);
        let rows = n - warmup_rows;
        let mut values = Array2::from_elem((rows, cols.len()), f64::NAN);
        for (j, c) in cols.iter().enumerate() {
            values.column_mut(j).assign(&c.slice(s![warmup_rows..]));
        }
        let timestamps = bars
            .timestamps()
            .get(warmup_rows..)
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        Ok(FeatureMatrix {
            timestamps,
            names,
            values,
            warmup_rows,
        })
    }
}

/// A computed feature matrix: rows are bars after the warm-up, columns are features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    timestamps: Vec<DateTime<Utc>>,
    names: Vec<String>,
    #[serde(with = "aaiti_core::serde_f64::nested")]
    values: Array2<f64>,
    warmup_rows: usize,
}

impl FeatureMatrix {
    /// Bar (open) times of the rows.
    #[must_use]
    pub fn timestamps(&self) -> &[DateTime<Utc>] {
        &self.timestamps
    }
    /// Column names (see the module docs for the naming scheme).
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The values, `(rows, columns)`.
    #[must_use]
    pub fn values(&self) -> &Array2<f64> {
        &self.values
    }
    /// Number of leading bars dropped because some feature was still warming up.
    #[must_use]
    pub fn warmup_rows(&self) -> usize {
        self.warmup_rows
    }

    /// An [`aaiti_core::Dataset`] with the given labels (one per row of this matrix, i.e.
    /// already aligned past the warm-up) and label end times.
    ///
    /// # Errors
    /// [`Error::Core`] when lengths or times are inconsistent.
    pub fn into_dataset(
        self,
        labels: Array1<f64>,
        label_end: Vec<DateTime<Utc>>,
    ) -> Result<Dataset> {
        Ok(Dataset::new(
            self.timestamps,
            self.names,
            self.values,
            labels,
            label_end,
        )?)
    }

    /// An [`aaiti_core::Dataset`] with labels given per *bar* of the original series (as the
    /// label functions produce them): the first `warmup_rows` are dropped to align them. A
    /// label whose end time is unknown (`None`: its horizon runs past the data) becomes NaN
    /// with the last bar's time as its end (so purging treats it as overlapping everything
    /// after it).
    ///
    /// # Errors
    /// [`Error::Shape`] when the label series does not have one value per original bar.
    pub fn into_dataset_with_bar_labels(
        self,
        labels: &[f64],
        label_end: &[Option<DateTime<Utc>>],
    ) -> Result<Dataset> {
        let n = self.timestamps.len() + self.warmup_rows;
        if labels.len() != n || label_end.len() != n {
            return Err(Error::Shape(format!(
                "{} labels / {} end times for {n} bars",
                labels.len(),
                label_end.len()
            )));
        }
        let last = self.timestamps.last().copied();
        let mut y = Array1::from_elem(self.timestamps.len(), f64::NAN);
        let mut ends = Vec::with_capacity(self.timestamps.len());
        for (i, t) in self.timestamps.iter().enumerate() {
            let k = i + self.warmup_rows;
            match label_end.get(k).copied().flatten() {
                Some(e) => {
                    y[i] = labels.get(k).copied().unwrap_or(f64::NAN);
                    ends.push(e);
                }
                None => ends.push(last.unwrap_or(*t)),
            }
        }
        self.into_dataset(y, ends)
    }

    /// Writes `timestamp,<names...>` CSV (RFC 3339 times, NaN written as empty).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn write_csv(&self, path: &std::path::Path) -> Result<()> {
        let mut s = String::from("timestamp");
        for n in &self.names {
            s.push(',');
            s.push_str(&csv_field(n));
        }
        s.push('\n');
        for (t, row) in self.timestamps.iter().zip(self.values.axis_iter(Axis(0))) {
            s.push_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            for v in row {
                s.push(',');
                if v.is_finite() {
                    let _ = write!(s, "{v}");
                } else if !v.is_nan() {
                    let _ = write!(s, "{}", if *v > 0.0 { "inf" } else { "-inf" });
                }
            }
            s.push('\n');
        }
        std::fs::write(path, s).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn seed60() -> FeatureSpec {
    let ratio = |f: &str| FeatureDef::new(f).transform(Transform::RatioToClose);
    let mut f = vec![
        FeatureDef::new("CLOSE").transform(Transform::LogReturn { periods: 1 }),
        FeatureDef::new("CLOSE").transform(Transform::LogReturn { periods: 5 }),
        FeatureDef::new("CLOSE").transform(Transform::LogReturn { periods: 20 }),
        FeatureDef::new("VOLUME").transform(Transform::Zscore { window: 20 }),
    ];
    for p in [5.0, 10.0, 20.0, 50.0] {
        f.push(
            FeatureDef::new("SMA")
                .param("timeperiod", p)
                .transform(Transform::RatioToClose),
        );
        f.push(
            FeatureDef::new("EMA")
                .param("timeperiod", p)
                .transform(Transform::RatioToClose),
        );
    }
    for name in [
        "WMA",
        "DEMA",
        "TEMA",
        "TRIMA",
        "KAMA",
        "T3",
        "BBANDS",
        "SAR",
        "MIDPOINT",
        "MIDPRICE",
        "HT_TRENDLINE",
        "KC",
        "DONCHIAN",
        "HMA",
        "ACCBANDS",
        "VWAP",
        "LINEARREG",
        "LINEARREG_INTERCEPT",
        "TSF",
        "AVGPRICE",
        "MEDPRICE",
        "TYPPRICE",
        "WCLPRICE",
    ] {
        f.push(ratio(name));
    }
    f.push(FeatureDef::new("MAMA").transform(Transform::RatioToClose));
    f.push(FeatureDef::new("SUPERTREND").outputs(&["trend"]));
    for name in [
        "ATR",
        "NATR",
        "TRANGE",
        "STDDEV",
        "VAR",
        "BETA",
        "CORREL",
        "LINEARREG_ANGLE",
        "LINEARREG_SLOPE",
        "ADOSC",
        "RSI",
        "MACD",
        "MACDEXT",
        "MACDFIX",
        "STOCH",
        "STOCHF",
        "STOCHRSI",
        "ADX",
        "ADXR",
        "APO",
        "AROON",
        "AROONOSC",
        "BOP",
        "CCI",
        "CMO",
        "DX",
        "MFI",
        "MINUS_DI",
        "MINUS_DM",
        "MOM",
        "PLUS_DI",
        "PLUS_DM",
        "PPO",
        "ROC",
        "ROCP",
        "ROCR",
        "ROCR100",
        "TRIX",
        "ULTOSC",
        "WILLR",
        "HT_DCPERIOD",
        "HT_DCPHASE",
        "HT_PHASOR",
        "HT_SINE",
        "HT_TRENDMODE",
    ] {
        f.push(FeatureDef::new(name));
    }
    f.push(FeatureDef::new("AD").transform(Transform::Diff { periods: 1 }));
    f.push(FeatureDef::new("OBV").transform(Transform::Diff { periods: 1 }));
    FeatureSpec {
        name: Some("seed60".into()),
        features: f,
    }
}
