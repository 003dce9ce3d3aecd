//! Batch evaluation: folds an indicator's streaming `update` over whole series.
//!
//! Batch output is *defined* as the fold of [`Indicator::update`] from a fresh state, so
//! the streaming state a live service keeps produces exactly (bit for bit) the values a
//! model was trained on.

use aaiti_core::{Bar, Bars};
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

use crate::indicator::{DynIndicator, Indicator, IndicatorOutput, scalar_bar};

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
    let mut st = ind.clone();
    st.reset();
    let k = I::Output::names().len();
    let n = bars.len();
    let (o, h, l, c, v) = (
        bars.open(),
        bars.high(),
        bars.low(),
        bars.close(),
        bars.volume(),
    );
    // Fast path: contiguous columns, output written into one row-major buffer (no per-row
    // ndarray indexing). Same fold of `update`, so the values are identical.
    let mut buf = vec![f64::NAN; n * k];
    if let (Some(o), Some(h), Some(l), Some(c), Some(v)) = (
        o.as_slice(),
        h.as_slice(),
        l.as_slice(),
        c.as_slice(),
        v.as_slice(),
    ) {
        for (i, ((((&open, &high), &low), &close), &volume)) in
            o.iter().zip(h).zip(l).zip(c).zip(v).enumerate()
        {
            let bar = Bar {
                open,
                high,
                low,
                close,
                volume,
            };
            if let Some(y) = st.update(&bar)
                && let Some(s) = buf.get_mut(i * k..(i + 1) * k)
            {
                y.write_to(s);
            }
        }
    } else {
        for i in 0..n {
            let bar = Bar {
                open: o[i],
                high: h[i],
                low: l[i],
                close: c[i],
                volume: v[i],
            };
            if let Some(y) = st.update(&bar)
                && let Some(s) = buf.get_mut(i * k..(i + 1) * k)
            {
                y.write_to(s);
            }
        }
    }
    Array2::from_shape_vec((n, k), buf).unwrap_or_else(|_| Array2::from_elem((n, k), f64::NAN))
}

/// Runs a boxed indicator (from its reset state) over `bars`, like [`batch()`].
#[must_use]
pub fn batch_dyn(ind: &dyn DynIndicator, bars: &Bars) -> Array2<f64> {
    let mut st = ind.box_clone();
    st.reset();
    let k = st.output_names().len();
    let n = bars.len();
    let (o, h, l, c, v) = (
        bars.open(),
        bars.high(),
        bars.low(),
        bars.close(),
        bars.volume(),
    );
    // One row-major buffer; each bar's outputs are written straight into its row.
    let mut buf = vec![f64::NAN; n * k];
    for (i, row) in buf.chunks_exact_mut(k.max(1)).enumerate().take(n) {
        let bar = Bar {
            open: o[i],
            high: h[i],
            low: l[i],
            close: c[i],
            volume: v[i],
        };
        st.update_into(&bar, row);
    }
    Array2::from_shape_vec((n, k), buf).unwrap_or_else(|_| Array2::from_elem((n, k), f64::NAN))
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
    cols.into_par_iter()
        .map(|col| {
            let mut st = ind.clone();
            st.reset();
            let k = I::Output::names().len();
            let mut out = Array2::from_elem((col.len(), k), f64::NAN);
            for (i, x) in col.iter().enumerate() {
                if let Some(y) = st.update(&scalar_bar(*x))
                    && let Some(s) = out.row_mut(i).into_slice()
                {
                    y.write_to(s);
                }
            }
            out
        })
        .collect()
}
