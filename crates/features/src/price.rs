//! Price transforms: AVGPRICE, MEDPRICE, TYPPRICE, WCLPRICE.

use aaiti_core::Bar;
use serde::{Deserialize, Serialize};

use crate::indicator::Indicator;

/// Which price transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceKind {
    /// AVGPRICE: `(open + high + low + close) / 4`.
    Avg,
    /// MEDPRICE: `(high + low) / 2`.
    Med,
    /// TYPPRICE: `(high + low + close) / 3`.
    Typ,
    /// WCLPRICE: `(high + low + 2*close) / 4`.
    Wcl,
}

/// A pointwise price transform (TA-Lib `AVGPRICE`, `MEDPRICE`, `TYPPRICE`, `WCLPRICE`;
/// lookback 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTransform {
    kind: PriceKind,
}

impl PriceTransform {
    /// A new transform.
    #[must_use]
    pub fn new(kind: PriceKind) -> Self {
        Self { kind }
    }
}

impl Indicator for PriceTransform {
    type Output = f64;
    fn lookback(&self) -> usize {
        0
    }
    #[inline]
    fn update(&mut self, b: &Bar) -> Option<f64> {
        Some(match self.kind {
            PriceKind::Avg => (b.open + b.high + b.low + b.close) / 4.0,
            PriceKind::Med => (b.high + b.low) / 2.0,
            PriceKind::Typ => (b.high + b.low + b.close) / 3.0,
            PriceKind::Wcl => (b.high + b.low + (b.close * 2.0)) / 4.0,
        })
    }
    fn reset(&mut self) {}
}
