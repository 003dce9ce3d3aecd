//! The typed query language: a filter AST with AND/OR/NOT over attributes, tags, params and
//! metrics, an ordering, and keyset pagination.
//!
//! Semantics (identical on every backend, checked by the conformance suite):
//! - A comparison on something absent (a missing tag, metric or param, a NULL attribute, a NaN
//!   metric) is **false**, so `Not(cmp)` is **true** there (two-valued logic, no SQL NULL
//!   surprises).
//! - Text compares byte-wise; numbers compare as f64; times compare as instants.
//! - Ordering by a metric only returns items that have a non-NaN value for it. Ties break on the
//!   id, in the same direction, so keyset pagination is exact.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::types::Split;

/// How a run metric is summarised for filtering and sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// Value at the highest step.
    Last,
    /// Minimum.
    Min,
    /// Maximum.
    Max,
}

impl Agg {
    /// Column name suffix.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Last => "last",
            Self::Min => "min",
            Self::Max => "max",
        }
    }
}

/// Something a filter or an ordering can refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Model or run name (text).
    Name,
    /// Model version string (text; models only).
    Version,
    /// Model version sequence number (int; models only).
    VersionSeq,
    /// Model status or run status (text).
    Status,
    /// Model type (text; models only).
    ModelType,
    /// Framework (text; models only).
    Framework,
    /// Creator (text).
    CreatedBy,
    /// Registration time of a model, start time of a run (time).
    CreatedAt,
    /// Generation (int; models only).
    Generation,
    /// Data fingerprint (text; models only).
    DataFingerprint,
    /// A model tag (text; models only).
    Tag(String),
    /// A model metric on a split (number; models only).
    Metric(Split, String),
    /// A run parameter (text; runs only).
    Param(String),
    /// A run metric summary (number; runs only).
    RunMetric(String, Agg),
}

/// What a query is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Models.
    Models,
    /// Runs.
    Runs,
}

/// The value type a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    Text,
    /// Integer.
    Int,
    /// Float.
    Float,
    /// Time.
    Time,
}

impl Field {
    /// The value type of this field, or an error if it does not apply to `target`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the field does not exist for `target`.
    pub fn value_type(&self, target: Target) -> Result<ValueType> {
        let models_only = matches!(
            self,
            Field::Version
                | Field::VersionSeq
                | Field::ModelType
                | Field::Framework
                | Field::Generation
                | Field::DataFingerprint
                | Field::Tag(_)
                | Field::Metric(..)
        );
        let runs_only = matches!(self, Field::Param(_) | Field::RunMetric(..));
        if (models_only && target == Target::Runs) || (runs_only && target == Target::Models) {
            return Err(Error::invalid(
                "filter",
                format!("field {self:?} does not apply to {target:?}"),
            ));
        }
        Ok(match self {
            Field::Name
            | Field::Version
            | Field::Status
            | Field::ModelType
            | Field::Framework
            | Field::CreatedBy
            | Field::DataFingerprint
            | Field::Tag(_)
            | Field::Param(_) => ValueType::Text,
            Field::VersionSeq | Field::Generation => ValueType::Int,
            Field::CreatedAt => ValueType::Time,
            Field::Metric(..) | Field::RunMetric(..) => ValueType::Float,
        })
    }
}

/// A literal in a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Float (must not be NaN).
    Float(f64),
    /// Time.
    Time(DateTime<Utc>),
}

impl Value {
    /// Coerces to the field's type (ints widen to floats), or errors.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] on a type mismatch or NaN.
    pub fn coerce(&self, ty: ValueType) -> Result<Value> {
        match (self, ty) {
            (Value::Text(s), ValueType::Text) => Ok(Value::Text(s.clone())),
            (Value::Int(i), ValueType::Int) => Ok(Value::Int(*i)),
            #[allow(clippy::cast_precision_loss, reason = "documented int→float widening")]
            (Value::Int(i), ValueType::Float) => Ok(Value::Float(*i as f64)),
            (Value::Float(f), ValueType::Float) if f.is_nan() => Err(Error::invalid(
                "filter",
                "NaN is not a valid comparison value",
            )),
            (Value::Float(f), ValueType::Float) => Ok(Value::Float(*f)),
            (Value::Time(t), ValueType::Time) => Ok(Value::Time(crate::types::truncate_micros(*t))),
            (v, ty) => Err(Error::invalid(
                "filter",
                format!("value {v:?} does not match field type {ty:?}"),
            )),
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `=`
    Eq,
    /// `!=` (false when absent, like every comparison)
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// SQL spelling.
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
    /// Applies to an ordering.
    #[must_use]
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Gt => ord == Greater,
            Op::Ge => ord != Less,
        }
    }
}

/// A boolean filter expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// All must hold (empty: true).
    And(Vec<Filter>),
    /// Any must hold (empty: false).
    Or(Vec<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// `field op value`.
    Cmp(Field, Op, Value),
    /// `field IN (values)` (empty: false).
    In(Field, Vec<Value>),
    /// The field is present (tag/param/metric exists and is not NaN; attribute is not NULL).
    Exists(Field),
}

impl Filter {
    /// `field = value`.
    pub fn eq(field: Field, value: impl Into<Value>) -> Self {
        Filter::Cmp(field, Op::Eq, value.into())
    }
    /// `field > value`.
    pub fn gt(field: Field, value: impl Into<Value>) -> Self {
        Filter::Cmp(field, Op::Gt, value.into())
    }
    /// `field < value`.
    pub fn lt(field: Field, value: impl Into<Value>) -> Self {
        Filter::Cmp(field, Op::Lt, value.into())
    }
    /// `lo <= field <= hi`.
    pub fn between(field: Field, lo: impl Into<Value>, hi: impl Into<Value>) -> Self {
        Filter::And(vec![
            Filter::Cmp(field.clone(), Op::Ge, lo.into()),
            Filter::Cmp(field, Op::Le, hi.into()),
        ])
    }
    /// Negation (builder style).
    #[must_use]
    pub fn negate(self) -> Self {
        Filter::Not(Box::new(self))
    }

    /// Checks every field applies to `target` and every value matches its field's type; returns
    /// the filter with values coerced. Backends call this first.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the offending field/value.
    pub fn validate(&self, target: Target) -> Result<Filter> {
        Ok(match self {
            Filter::And(v) => Filter::And(
                v.iter()
                    .map(|f| f.validate(target))
                    .collect::<Result<_>>()?,
            ),
            Filter::Or(v) => Filter::Or(
                v.iter()
                    .map(|f| f.validate(target))
                    .collect::<Result<_>>()?,
            ),
            Filter::Not(f) => Filter::Not(Box::new(f.validate(target)?)),
            Filter::Cmp(field, op, v) => {
                let ty = field.value_type(target)?;
                Filter::Cmp(field.clone(), *op, v.coerce(ty)?)
            }
            Filter::In(field, vs) => {
                let ty = field.value_type(target)?;
                Filter::In(
                    field.clone(),
                    vs.iter().map(|v| v.coerce(ty)).collect::<Result<_>>()?,
                )
            }
            Filter::Exists(field) => {
                field.value_type(target)?;
                Filter::Exists(field.clone())
            }
        })
    }

    /// Evaluates against an item given a field accessor (used by the in-memory backend; SQL
    /// backends compile the same semantics).
    pub fn eval(&self, get: &dyn Fn(&Field) -> Option<Value>) -> bool {
        match self {
            Filter::And(v) => v.iter().all(|f| f.eval(get)),
            Filter::Or(v) => v.iter().any(|f| f.eval(get)),
            Filter::Not(f) => !f.eval(get),
            Filter::Cmp(field, op, want) => match get(field) {
                Some(have) => compare(&have, want).is_some_and(|o| op.holds(o)),
                None => false,
            },
            Filter::In(field, wants) => match get(field) {
                Some(have) => wants
                    .iter()
                    .any(|w| compare(&have, w) == Some(std::cmp::Ordering::Equal)),
                None => false,
            },
            Filter::Exists(field) => get(field).is_some(),
        }
    }
}

/// Orders two values of the same type (None for mismatched types or NaN).
#[must_use]
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        #[allow(clippy::cast_precision_loss, reason = "mixed int/float compare as f64")]
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        #[allow(clippy::cast_precision_loss, reason = "mixed int/float compare as f64")]
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Time(x), Value::Time(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<DateTime<Utc>> for Value {
    fn from(t: DateTime<Utc>) -> Self {
        Value::Time(t)
    }
}

/// Sort order of a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Sort key: `CreatedAt`, `Name`, `VersionSeq`, `Generation`, `Metric` or `RunMetric`.
    pub field: Field,
    /// Descending?
    pub descending: bool,
}

impl Default for Order {
    fn default() -> Self {
        Self {
            field: Field::CreatedAt,
            descending: false,
        }
    }
}

impl Order {
    /// Checks the sort key is supported for `target`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for unsupported sort keys.
    pub fn validate(&self, target: Target) -> Result<()> {
        self.field.value_type(target)?;
        match (&self.field, target) {
            (Field::CreatedAt | Field::Name, _) => Ok(()),
            (Field::VersionSeq | Field::Generation | Field::Metric(..), Target::Models) => Ok(()),
            (Field::RunMetric(..), Target::Runs) => Ok(()),
            (f, _) => Err(Error::invalid("order", format!("cannot sort by {f:?}"))),
        }
    }
}

/// A query over models or runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// Filter (`None`: everything).
    pub filter: Option<Filter>,
    /// Order.
    pub order: Order,
    /// Page size (default 100, at most 100,000).
    pub limit: Option<usize>,
    /// Keyset cursor from the previous [`crate::Page::next`].
    pub after: Option<String>,
}

impl Query {
    /// The effective page size.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for 0 or more than 100,000.
    pub fn page_size(&self) -> Result<usize> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=100_000).contains(&n) => Ok(n),
            Some(n) => Err(Error::invalid("limit", format!("{n} is not in 1..=100000"))),
        }
    }
}

/// The decoded keyset cursor: sort value and id of the last item of the previous page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort value of the last item.
    pub value: Value,
    /// Id of the last item (UUID text for models, integer text for runs).
    pub id: String,
}

impl Cursor {
    /// Encodes as an opaque string.
    #[must_use]
    pub fn encode(&self) -> String {
        hex::encode(serde_json::to_vec(self).unwrap_or_default())
    }
    /// Decodes [`Cursor::encode`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed cursor.
    pub fn decode(s: &str) -> Result<Self> {
        let bytes = hex::decode(s).map_err(|e| Error::invalid("cursor", e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::invalid("cursor", e.to_string()))
    }
}
