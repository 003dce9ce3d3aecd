//! The function catalog: every indicator by TA-Lib function name, with TA-Lib parameter
//! names, defaults, ranges and output names.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::indicator::{DynIndicator, PriceField};
use crate::params::{MaType, Params};

/// The type, default and valid range of one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ParamKind {
    /// An integer in `min..=max`.
    Integer {
        /// TA-Lib's default.
        default: usize,
        /// Smallest valid value.
        min: usize,
        /// Largest valid value.
        max: usize,
    },
    /// A real number in `min..=max`.
    Real {
        /// TA-Lib's default.
        default: f64,
        /// Smallest valid value.
        min: f64,
        /// Largest valid value.
        max: f64,
    },
    /// A TA-Lib MA type (0..=8).
    MaType {
        /// TA-Lib's default.
        default: MaType,
    },
    /// A bar field read by the function (`open|high|low|close|volume`).
    Price {
        /// TA-Lib abstract-API default.
        default: PriceField,
    },
}

/// One parameter of a function.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamInfo {
    /// TA-Lib's parameter name (`timeperiod`, `nbdevup`, `matype`, `price`...).
    pub name: &'static str,
    /// Type, default and range.
    pub kind: ParamKind,
}

impl ParamInfo {
    /// An integer parameter.
    #[must_use]
    pub const fn int(name: &'static str, default: usize, min: usize, max: usize) -> Self {
        Self {
            name,
            kind: ParamKind::Integer { default, min, max },
        }
    }
    /// A real parameter.
    #[must_use]
    pub const fn real(name: &'static str, default: f64, min: f64, max: f64) -> Self {
        Self {
            name,
            kind: ParamKind::Real { default, min, max },
        }
    }
    /// An MA-type parameter.
    #[must_use]
    pub const fn ma(name: &'static str, default: MaType) -> Self {
        Self {
            name,
            kind: ParamKind::MaType { default },
        }
    }
    /// A bar-field parameter.
    #[must_use]
    pub const fn price(name: &'static str, default: PriceField) -> Self {
        Self {
            name,
            kind: ParamKind::Price { default },
        }
    }
}

/// Description of one catalog function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionInfo {
    /// TA-Lib function name (`RSI`).
    pub name: &'static str,
    /// TA-Lib group (`Overlap Studies`, `Momentum Indicators`, ...).
    pub group: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Bar fields read (before `price` selection).
    pub inputs: &'static [&'static str],
    /// Parameters, in TA-Lib order.
    pub params: Vec<ParamInfo>,
    /// Output names (TA-Lib abstract API).
    pub outputs: Vec<&'static str>,
}

/// Resolved parameter access for a builder: values from [`Params`] with defaults and
/// ranges from the function's [`ParamInfo`] list.
#[derive(Debug)]
pub(crate) struct Args<'a> {
    params: &'a Params,
    infos: &'static [ParamInfo],
}

impl Args<'_> {
    fn info(&self, name: &str) -> Result<ParamKind> {
        self.infos
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.kind)
            .ok_or_else(|| Error::Unsupported {
                what: format!("parameter `{name}`"),
                reason: "internal catalog error: parameter not declared".into(),
            })
    }
    /// An integer parameter.
    pub(crate) fn int(&self, name: &str) -> Result<usize> {
        match self.info(name)? {
            ParamKind::Integer { default, min, max } => {
                self.params.usize_param(name, default, min, max)
            }
            _ => Err(Error::Unsupported {
                what: name.into(),
                reason: "internal catalog error: not an integer".into(),
            }),
        }
    }
    /// A real parameter.
    pub(crate) fn real(&self, name: &str) -> Result<f64> {
        match self.info(name)? {
            ParamKind::Real { default, min, max } => self.params.f64_param(name, default, min, max),
            _ => Err(Error::Unsupported {
                what: name.into(),
                reason: "internal catalog error: not a real".into(),
            }),
        }
    }
    /// An MA-type parameter.
    pub(crate) fn ma(&self, name: &str) -> Result<MaType> {
        match self.info(name)? {
            ParamKind::MaType { default } => self.params.ma_type_param(name, default),
            _ => Err(Error::Unsupported {
                what: name.into(),
                reason: "internal catalog error: not an MA type".into(),
            }),
        }
    }
    /// A bar-field parameter.
    pub(crate) fn price(&self, name: &str) -> Result<PriceField> {
        match self.info(name)? {
            ParamKind::Price { default } => self.params.price_param(name, default),
            _ => Err(Error::Unsupported {
                what: name.into(),
                reason: "internal catalog error: not a price".into(),
            }),
        }
    }
}

/// A catalog entry: metadata plus a builder.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) group: &'static str,
    pub(crate) description: &'static str,
    pub(crate) inputs: &'static [&'static str],
    pub(crate) params: &'static [ParamInfo],
    pub(crate) outputs: &'static [&'static str],
    pub(crate) build: fn(&Args<'_>) -> Result<Box<dyn DynIndicator>>,
}

impl Spec {
    pub(crate) fn info(&self) -> FunctionInfo {
        FunctionInfo {
            name: self.name,
            group: self.group,
            description: self.description,
            inputs: self.inputs,
            params: self.params.to_vec(),
            outputs: self.outputs.to_vec(),
        }
    }
}

/// Looks `name` up (case-insensitive) in `specs`, checks the parameter names and builds it.
/// `None` when `name` is not in `specs`. Errors name the function.
pub(crate) fn build_from(
    specs: &[Spec],
    name: &str,
    params: &Params,
) -> Option<Result<Box<dyn DynIndicator>>> {
    let spec = specs.iter().find(|s| s.name.eq_ignore_ascii_case(name))?;
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    let r = params
        .check_known(&names)
        .and_then(|()| {
            (spec.build)(&Args {
                params,
                infos: spec.params,
            })
        })
        .map_err(|e| e.in_function(spec.name));
    Some(r)
}

/// The catalog entries of `specs`.
pub(crate) fn infos_from(specs: &[Spec]) -> Vec<FunctionInfo> {
    specs.iter().map(Spec::info).collect()
}

/// Builds an indicator by TA-Lib function name (case-insensitive) and TA-Lib parameter
/// names; absent parameters take TA-Lib's defaults.
///
/// ```
/// use aaiti_features::{Params, indicator};
/// let macd_like = indicator("EMA", &Params::new().with("timeperiod", 8.0))?;
/// assert_eq!(macd_like.lookback(), 7);
/// assert_eq!(macd_like.output_names(), vec!["real".to_string()]);
/// assert!(indicator("SMA", &Params::new().with("timeperiod", 0.0)).is_err());
/// assert!(indicator("SMA", &Params::new().with("period", 5.0)).is_err()); // unknown name
/// # Ok::<(), aaiti_features::Error>(())
/// ```
///
/// # Errors
/// [`Error::UnknownFunction`], [`Error::UnknownParameter`] or [`Error::InvalidParameter`]
/// (naming the function, the parameter and its valid range).
pub fn indicator(name: &str, params: &Params) -> Result<Box<dyn DynIndicator>> {
    if let Some(r) = build_from(crate::specs::SPECS, name, params) {
        return r;
    }
    if let Some(r) = crate::momentum::build(name, params) {
        return r;
    }
    if let Some(r) = crate::cycle::build(name, params) {
        return r;
    }
    Err(Error::UnknownFunction {
        name: name.to_owned(),
    })
}

/// Every function in the catalog (names, groups, parameters with defaults and ranges,
/// output names), sorted by group then name.
#[must_use]
pub fn catalog() -> Vec<FunctionInfo> {
    let mut v = infos_from(crate::specs::SPECS);
    v.extend(crate::momentum::infos());
    v.extend(crate::cycle::infos());
    v.sort_by(|a, b| (a.group, a.name).cmp(&(b.group, b.name)));
    v
}

/// The catalog entry of one function (case-insensitive).
#[must_use]
pub fn function_info(name: &str) -> Option<FunctionInfo> {
    catalog()
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
}
