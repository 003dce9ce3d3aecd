//! Batch evaluation: runs an indicator over whole series.
//!
//! Batch output is *defined* as the fold of [`Indicator::update`] from a fresh state, so
//! the streaming state a live service keeps produces exactly (bit for bit) the values a
//! model was trained on. Hot functions compute it with a dedicated kernel
//! ([`Indicator::batch_into`]) that the tests hold to the same bits as the fold.

use aaiti_core::Bars;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::indicator::{Columns, DynIndicator, Indicator, IndicatorOutput};

/// Owned copies of the five columns, for the rare `Bars` whose columns are not contiguous.
struct OwnedColumns([Vec<f64>; 5]);

impl OwnedColumns {
    fn of(bars: &Bars) -> Self {
        Self([
            bars.open().to_vec(),
            bars.high().to_vec(),
            bars.low().to_vec(),
            bars.close().to_vec(),
            bars.volume().to_vec(),
        ])
    }
}

/// Calls `f` with the columns of `bars`, borrowed when contiguous (always, for `Bars`
/// built by aaiti-core) and copied otherwise.
fn with_columns<R>(bars: &Bars, f: impl FnOnce(&Columns<'_>) -> R) -> R {
    let (o, h, l, c, v) = (
        bars.open(),
        bars.high(),
        bars.low(),
        bars.close(),
        bars.volume(),
    );
    if let (Some(o), Some(h), Some(l), Some(c), Some(v)) = (
        o.as_slice(),
        h.as_slice(),
        l.as_slice(),
        c.as_slice(),
        v.as_slice(),
    ) && let Ok(cols) = Columns::new(o, h, l, c, v)
    {
        return f(&cols);
    }
    let owned = OwnedColumns::of(bars);
    let [o, h, l, c, v] = &owned.0;
    match Columns::new(o, h, l, c, v) {
        Ok(cols) => f(&cols),
        // `Bars` guarantees equal column lengths; an empty input is the only fallback.
        Err(_) => f(&Columns::from_series(&[])),
    }
}

/// Shapes a kernel's row-major output as `(n, k)`. A kernel that wrote the wrong number of
/// values (a bug the tests would catch) yields an all-NaN matrix rather than a panic.
fn shape(n: usize, k: usize, buf: Vec<f64>) -> Array2<f64> {
    debug_assert_eq!(
        buf.len(),
        n * k,
        "batch kernel wrote a wrong number of values"
    );
    Array2::from_shape_vec((n, k), buf).unwrap_or_else(|_| Array2::from_elem((n, k), f64::NAN))
}

/// Runs `ind` (from its freshly reset state) over `bars`: one row per bar, one column per
/// output ([`IndicatorOutput::names`] order). Rows inside the lookback are NaN, exactly
/// TA-Lib's NaN mask.
///
/// ```
/// use aaiti_features::{batch, overlap::Sma};
/// # let bars = aaiti_features::__doc_bars(50);
/// let sma = Sma::new(10)?;
/// let out = batch(&sma, &bars);
/// assert_eq!(out.dim(), (50, 1));
/// assert!(out[[8, 0]].is_nan() && out[[9, 0]].is_finite());
/// # Ok::<(), aaiti_features::Error>(())
/// ```
#[must_use]
pub fn batch<I: Indicator>(ind: &I, bars: &Bars) -> Array2<f64> {
    let k = I::Output::names().len();
    with_columns(bars, |cols| {
        let mut buf = Vec::with_capacity(cols.len() * k);
        ind.batch_into(cols, &mut buf);
        shape(cols.len(), k, buf)
    })
}

/// Runs a boxed indicator (from its reset state) over `bars`, like [`batch()`].
#[must_use]
pub fn batch_dyn(ind: &dyn DynIndicator, bars: &Bars) -> Array2<f64> {
    let k = ind.output_names().len();
    with_columns(bars, |cols| {
        let mut buf = Vec::with_capacity(cols.len() * k);
        ind.batch_into(cols, &mut buf);
        shape(cols.len(), k, buf)
    })
}

/// [`batch()`] over many instruments in parallel (rayon); one matrix per instrument.
#[must_use]
pub fn batch_many<I: Indicator>(ind: &I, instruments: &[Bars]) -> Vec<Array2<f64>> {
    instruments.par_iter().map(|b| batch(ind, b)).collect()
}

/// Runs a single-input indicator over each column of `series` (one instrument per column)
/// in parallel. Each value is fed as a bar whose five fields all equal it, so the
/// indicator's `price` field does not matter. Returns one `(rows, outputs)` matrix per
/// column.
#[must_use]
pub fn batch_columns<I: Indicator>(ind: &I, series: ArrayView2<'_, f64>) -> Vec<Array2<f64>> {
    let cols: Vec<_> = series.axis_iter(Axis(1)).collect();
    let k = I::Output::names().len();
    cols.into_par_iter()
        .map(|col| {
            let owned;
            let x = match col.as_slice() {
                Some(x) => x,
                None => {
                    owned = col.to_vec();
                    &owned
                }
            };
            let mut buf = Vec::with_capacity(x.len() * k);
            ind.batch_into(&Columns::from_series(x), &mut buf);
            shape(x.len(), k, buf)
        })
        .collect()
}
