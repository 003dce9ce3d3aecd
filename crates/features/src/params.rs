//! Indicator parameters by TA-Lib name: parsing, typed access and range checks.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::indicator::PriceField;

/// TA-Lib's moving-average type (`TA_MAType`, the `matype` parameters), numbered as TA-Lib.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[repr(u8)]
pub enum MaType {
    /// 0: simple.
    #[default]
    Sma = 0,
    /// 1: exponential (SMA-seeded).
    Ema = 1,
    /// 2: weighted.
    Wma = 2,
    /// 3: double exponential.
    Dema = 3,
    /// 4: triple exponential.
    Tema = 4,
    /// 5: triangular.
    Trima = 5,
    /// 6: Kaufman adaptive.
    Kama = 6,
    /// 7: MESA adaptive (MAMA with fastlimit 0.5, slowlimit 0.05).
    Mama = 7,
    /// 8: Tillson T3 (vfactor 0.7).
    T3 = 8,
}

impl MaType {
    /// All types in TA-Lib order.
    pub const ALL: [Self; 9] = [
        Self::Sma,
        Self::Ema,
        Self::Wma,
        Self::Dema,
        Self::Tema,
        Self::Trima,
        Self::Kama,
        Self::Mama,
        Self::T3,
    ];

    /// From TA-Lib's integer code 0..=8.
    #[must_use]
    pub fn from_code(code: i64) -> Option<Self> {
        usize::try_from(code)
            .ok()
            .and_then(|c| Self::ALL.get(c).copied())
    }

    /// TA-Lib's integer code.
    #[must_use]
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The TA-Lib function name (`SMA`, `EMA`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sma => "SMA",
            Self::Ema => "EMA",
            Self::Wma => "WMA",
            Self::Dema => "DEMA",
            Self::Tema => "TEMA",
            Self::Trima => "TRIMA",
            Self::Kama => "KAMA",
            Self::Mama => "MAMA",
            Self::T3 => "T3",
        }
    }
}

/// One parameter value: a number, or text (for `price` fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// A number (integers are stored exactly as `f64`).
    Number(f64),
    /// Text, e.g. `close` for a `price` parameter.
    Text(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(x) => write!(f, "{x}"),
            Self::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// Parameters of one indicator by TA-Lib name (`timeperiod`, `fastperiod`, `nbdevup`,
/// `matype`, ...), plus `price` (which bar field a single-input function reads).
///
/// ```
/// use aaiti_features::Params;
/// let (func, p) = Params::parse_spec("MACD:fastperiod=8,slowperiod=21")?;
/// assert_eq!(func, "MACD");
/// assert_eq!(p.usize_param("fastperiod", 12, 2, 100_000)?, 8);
/// assert_eq!(p.usize_param("signalperiod", 9, 1, 100_000)?, 9); // default
/// assert!(p.usize_param("slowperiod", 26, 30, 100_000).is_err()); // out of range
/// # Ok::<(), aaiti_features::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
}

impl Params {
    /// No parameters: every function uses TA-Lib's defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a numeric parameter (builder style).
    #[must_use]
    pub fn with(mut self, name: &str, value: f64) -> Self {
        self.values
            .insert(name.to_owned(), ParamValue::Number(value));
        self
    }

    /// Adds or replaces a text parameter (builder style), e.g. `price = "high"`.
    #[must_use]
    pub fn with_text(mut self, name: &str, value: &str) -> Self {
        self.values
            .insert(name.to_owned(), ParamValue::Text(value.to_owned()));
        self
    }

    /// Sets a parameter.
    pub fn insert(&mut self, name: &str, value: ParamValue) {
        self.values.insert(name.to_owned(), value);
    }

    /// The raw value of `name`, if given.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// Parameter names given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// Number of parameters given.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no parameter is given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Parses `k=v,k=v` (whitespace allowed; values that parse as numbers are numbers,
    /// others are text).
    ///
    /// # Errors
    /// [`Error::Parse`] for an item without `=`, an empty name, or a repeated name.
    pub fn parse(s: &str) -> Result<Self> {
        let mut p = Self::new();
        for item in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let Some((k, v)) = item.split_once('=') else {
                return Err(Error::Parse {
                    input: s.to_owned(),
                    reason: format!("`{item}` is not `name=value`"),
                });
            };
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() {
                return Err(Error::Parse {
                    input: s.to_owned(),
                    reason: format!("empty parameter name in `{item}`"),
                });
            }
            if p.values.contains_key(k) {
                return Err(Error::Parse {
                    input: s.to_owned(),
                    reason: format!("parameter `{k}` given twice"),
                });
            }
            let val = v
                .parse::<f64>()
                .map_or_else(|_| ParamValue::Text(v.to_owned()), ParamValue::Number);
            p.values.insert(k.to_owned(), val);
        }
        Ok(p)
    }

    /// Parses `FUNC` or `FUNC:k=v,k=v` into the function name and its parameters.
    ///
    /// # Errors
    /// [`Error::Parse`] for an empty function name or malformed parameters.
    pub fn parse_spec(s: &str) -> Result<(String, Self)> {
        let (f, rest) = s.split_once(':').unwrap_or((s, ""));
        let f = f.trim();
        if f.is_empty() || !f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Parse {
                input: s.to_owned(),
                reason: "expected `FUNC` or `FUNC:name=value,...`".into(),
            });
        }
        Ok((f.to_owned(), Self::parse(rest)?))
    }

    /// Errors on any parameter not in `valid`.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`] naming the first unknown parameter and the valid ones.
    pub fn check_known(&self, valid: &[&str]) -> Result<()> {
        if let Some(k) = self.values.keys().find(|k| !valid.contains(&k.as_str())) {
            return Err(Error::UnknownParameter {
                function: String::new(),
                name: k.clone(),
                valid: if valid.is_empty() {
                    "(none)".into()
                } else {
                    valid.join(", ")
                },
            });
        }
        Ok(())
    }

    fn number(&self, name: &str, expected: &str) -> Result<Option<f64>> {
        match self.values.get(name) {
            None => Ok(None),
            Some(ParamValue::Number(x)) => Ok(Some(*x)),
            Some(v @ ParamValue::Text(_)) => Err(invalid(name, v.to_string(), expected.to_owned())),
        }
    }

    /// An integer parameter in `min..=max`, or `default` when absent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its valid range when the value is
    /// not an integer or out of range.
    pub fn usize_param(&self, name: &str, default: usize, min: usize, max: usize) -> Result<usize> {
        let expected = format!("an integer in {min}..={max}");
        let Some(x) = self.number(name, &expected)? else {
            return Ok(default);
        };
        #[allow(
            clippy::cast_precision_loss,
            reason = "TA-Lib ranges are far below 2^52"
        )]
        let ok = x.fract() == 0.0 && x >= min as f64 && x <= max as f64;
        if !ok {
            return Err(invalid(name, format!("{x}"), expected));
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked above"
        )]
        Ok(x as usize)
    }

    /// A real parameter in `min..=max`, or `default` when absent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter and its range when out of range or NaN.
    pub fn f64_param(&self, name: &str, default: f64, min: f64, max: f64) -> Result<f64> {
        let expected = format!("a number in {min:e}..={max:e}");
        let Some(x) = self.number(name, &expected)? else {
            return Ok(default);
        };
        if !(x >= min && x <= max) {
            return Err(invalid(name, format!("{x}"), expected));
        }
        Ok(x)
    }

    /// A TA-Lib MA type (integer 0..=8, or its name such as `EMA`), or `default` when absent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when not one of TA-Lib's nine MA types.
    pub fn ma_type_param(&self, name: &str, default: MaType) -> Result<MaType> {
        let expected = "a TA-Lib MA type 0..=8 (0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA, 6 KAMA, 7 MAMA, 8 T3)";
        match self.values.get(name) {
            None => Ok(default),
            #[allow(clippy::cast_possible_truncation, reason = "checked to be integral")]
            Some(ParamValue::Number(x)) if x.fract() == 0.0 && (0.0..=8.0).contains(x) => {
                MaType::from_code(*x as i64)
                    .ok_or_else(|| invalid(name, format!("{x}"), expected.into()))
            }
            Some(ParamValue::Text(s)) => MaType::ALL
                .iter()
                .copied()
                .find(|m| m.name().eq_ignore_ascii_case(s))
                .ok_or_else(|| invalid(name, format!("{s:?}"), expected.into())),
            Some(v) => Err(invalid(name, v.to_string(), expected.into())),
        }
    }

    /// A bar field (`open|high|low|close|volume`), or `default` when absent.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for any other value.
    pub fn price_param(&self, name: &str, default: PriceField) -> Result<PriceField> {
        match self.values.get(name) {
            None => Ok(default),
            Some(ParamValue::Text(s)) => PriceField::parse(s).ok_or_else(|| {
                invalid(
                    name,
                    format!("{s:?}"),
                    "one of open, high, low, close, volume".into(),
                )
            }),
            Some(v) => Err(invalid(
                name,
                v.to_string(),
                "one of open, high, low, close, volume".into(),
            )),
        }
    }
}

fn invalid(name: &str, value: String, expected: String) -> Error {
    Error::InvalidParameter {
        function: String::new(),
        name: name.to_owned(),
        value,
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_ranges() {
        let (f, p) = Params::parse_spec("RSI:timeperiod=1").unwrap();
        assert_eq!(f, "RSI");
        let e = p.usize_param("timeperiod", 14, 2, 100_000).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("timeperiod") && msg.contains("2..=100000"),
            "{msg}"
        );
        assert!(Params::parse("a").is_err());
        assert!(Params::parse("a=1,a=2").is_err());
        let p = Params::parse("matype=1, price=high, x=2.5").unwrap();
        assert_eq!(p.ma_type_param("matype", MaType::Sma).unwrap(), MaType::Ema);
        assert_eq!(
            p.price_param("price", PriceField::Close).unwrap(),
            PriceField::High
        );
        assert!(p.usize_param("x", 1, 1, 10).is_err());
        assert!(p.check_known(&["matype", "price"]).is_err());
        assert!(p.check_known(&["matype", "price", "x"]).is_ok());
        assert!(
            Params::new()
                .with("matype", 9.0)
                .ma_type_param("matype", MaType::Sma)
                .is_err()
        );
        assert!(
            Params::new()
                .with("v", f64::NAN)
                .f64_param("v", 0.0, 0.0, 1.0)
                .is_err()
        );
    }

    #[test]
    fn serde_map() {
        let p: Params = serde_json::from_str(r#"{"timeperiod": 10, "price": "open"}"#).unwrap();
        assert_eq!(p.usize_param("timeperiod", 14, 2, 100).unwrap(), 10);
        let t: Params = toml::from_str("fastperiod = 3\nmatype = 1").unwrap();
        assert_eq!(t.usize_param("fastperiod", 12, 2, 100).unwrap(), 3);
    }
}
