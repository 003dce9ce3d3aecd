//! Hilbert-transform cycle functions and MAMA (owned by helper F2; placeholder until filled in).

use serde::{Deserialize, Serialize};

use crate::catalog::FunctionInfo;
use crate::error::Result;
use crate::indicator::DynIndicator;
use crate::params::Params;

/// Builds a cycle function by TA-Lib name; `None` when the name is not one of them.
pub(crate) fn build(_name: &str, _params: &Params) -> Option<Result<Box<dyn DynIndicator>>> {
    None
}

/// Catalog entries of this group.
pub(crate) fn infos() -> Vec<FunctionInfo> {
    Vec::new()
}

/// MAMA's `mama` line as a scalar MA core for `matype = 7` (fastlimit 0.5, slowlimit 0.05).
///
/// Contract used by `overlap::ma::MaCore`: `new() -> Option<Self>` (`None` while MAMA is
/// not implemented), `lookback()`, `update(x) -> Option<f64>`, `reset()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MamaMa {}

impl MamaMa {
    pub(crate) fn new() -> Option<Self> {
        None
    }
    pub(crate) fn lookback(&self) -> usize {
        32
    }
    pub(crate) fn update(&mut self, _x: f64) -> Option<f64> {
        None
    }
    pub(crate) fn reset(&mut self) {}
}
