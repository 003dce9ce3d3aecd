//! The conformance suite every model passes (feature `conformance`, always on in this crate's
//! tests): output shapes, seeded determinism, save/load round trip with identical
//! predictions, wrong input widths refused, NaN input refused with a typed error naming the
//! cell, and (classifiers) probabilities that are a distribution agreeing with `predict`.
//!
//! The checks panic with a message naming the model and the failed property, like
//! `object_store`'s integration suite: call them from tests.
//!
//! ```
//! use aaiti_models::{conformance, GaussianNbParams};
//! let (x, y) = conformance::classification_data(120, 4, 3, 1);
//! conformance::check_classifier(&GaussianNbParams::new(), x.view(), y.view(), 1e-12);
//! ```

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, concatenate};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

use crate::{Error, Fit, Persist, Predict, PredictProba, TrainData};

/// Synthetic classification data: `n × d` standard-normal-ish features (sum of uniforms), `k`
/// classes separated along the first two features, with label noise.
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "small class counts")]
pub fn classification_data(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, d), |_| {
        (0..4).map(|_| rng.random::<f64>() - 0.5).sum::<f64>()
    });
    let y = x
        .outer_iter()
        .map(|r| {
            let s = r.get(0).copied().unwrap_or(0.0)
                + 0.5 * r.get(1).copied().unwrap_or(0.0)
                + 0.3 * (rng.random::<f64>() - 0.5);
            let c = ((s + 1.0) / 2.0 * k as f64).floor();
            c.clamp(0.0, k.saturating_sub(1) as f64)
        })
        .collect();
    (x, y)
}

/// Synthetic regression data: `y = x·w + 0.5 + noise`.
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "small dimensions")]
pub fn regression_data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, d), |_| {
        (0..4).map(|_| rng.random::<f64>() - 0.5).sum::<f64>()
    });
    let w = Array1::from_shape_fn(d, |j| {
        (j as f64 + 1.0) * if j % 2 == 0 { 1.0 } else { -0.5 }
    });
    let y = x.dot(&w) + 0.5 + Array1::from_shape_fn(n, |_| 0.1 * (rng.random::<f64>() - 0.5));
    (x, y)
}

fn bits(a: &Array1<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Checks every model property (see the module docs) for a model fitted on `x`, `y`.
///
/// # Panics
/// When a property does not hold; the message names the model and the property.
pub fn check_model<'a, P>(params: &P, x: ArrayView2<'a, f64>, y: ArrayView1<'a, f64>)
where
    P: Fit,
    P::Fitted: Predict<Error = Error> + Persist,
    P::Error: std::fmt::Debug,
{
    let kind = <P::Fitted as Persist>::KIND;
    let data = TrainData::new(x, y).expect("conformance data is valid");
    let m = params
        .fit(&data)
        .unwrap_or_else(|e| panic!("{kind}: fit failed: {e:?}"));
    let (n, d) = x.dim();

    // shapes
    assert_eq!(m.n_features(), d, "{kind}: n_features");
    let pred = m
        .predict(x)
        .unwrap_or_else(|e| panic!("{kind}: predict failed: {e}"));
    assert_eq!(
        pred.len(),
        n - m.warmup(),
        "{kind}: one prediction per row after warmup"
    );
    assert!(
        pred.iter().all(|v| v.is_finite()),
        "{kind}: finite predictions"
    );
    let part = x.slice(ndarray::s![..n / 2, ..]);
    if part.nrows() > m.warmup() {
        let p2 = m
            .predict(part)
            .unwrap_or_else(|e| panic!("{kind}: predict on a prefix: {e}"));
        assert_eq!(p2.len(), part.nrows() - m.warmup(), "{kind}: prefix shape");
    }

    // seeded determinism: a second fit gives bit-identical predictions
    let m2 = params
        .fit(&data)
        .unwrap_or_else(|e| panic!("{kind}: second fit failed: {e:?}"));
    let pred2 = m2
        .predict(x)
        .unwrap_or_else(|e| panic!("{kind}: predict failed: {e}"));
    assert_eq!(
        bits(&pred),
        bits(&pred2),
        "{kind}: two fits with the same seed differ"
    );

    // save / load round trip
    let bytes = m
        .to_bytes()
        .unwrap_or_else(|e| panic!("{kind}: to_bytes: {e}"));
    if kind != "any" {
        assert_eq!(
            crate::peek_kind(&bytes).ok().as_deref(),
            Some(kind),
            "{kind}: kind in bytes"
        );
    }
    let back = P::Fitted::from_bytes(&bytes).unwrap_or_else(|e| panic!("{kind}: from_bytes: {e}"));
    let pred3 = back
        .predict(x)
        .unwrap_or_else(|e| panic!("{kind}: predict after load: {e}"));
    assert_eq!(
        bits(&pred),
        bits(&pred3),
        "{kind}: predictions change after save/load"
    );
    assert!(
        P::Fitted::from_bytes(&bytes[..bytes.len() / 2]).is_err(),
        "{kind}: truncated bytes accepted"
    );
    let mut bad = bytes.clone();
    bad[8..12].copy_from_slice(&(crate::FORMAT_VERSION + 1).to_le_bytes());
    assert!(
        matches!(
            P::Fitted::from_bytes(&bad),
            Err(Error::UnsupportedVersion { .. })
        ),
        "{kind}: newer format version accepted"
    );

    // wrong widths
    let wider = concatenate(Axis(1), &[x, x.slice_move(ndarray::s![.., ..1])]).expect("same rows");
    assert!(
        matches!(m.predict(wider.view()), Err(Error::WidthMismatch { expected, got }) if expected == d && got == d + 1),
        "{kind}: wider input not refused"
    );
    if d > 1 {
        let narrower = x.slice(ndarray::s![.., ..d - 1]);
        assert!(
            matches!(m.predict(narrower), Err(Error::WidthMismatch { .. })),
            "{kind}: narrower input not refused"
        );
    }

    // NaN input: a typed error naming the cell
    let mut nan = x.to_owned();
    let (r, c) = (n / 3, d / 2);
    nan[[r, c]] = f64::NAN;
    assert!(
        matches!(m.predict(nan.view()), Err(Error::NonFiniteFeature { row, col, .. }) if row == r && col == c),
        "{kind}: NaN input not refused with its position"
    );
    // NaN training data is refused before any model sees it
    assert!(matches!(
        TrainData::new(nan.view(), y.to_owned().view()).map(|_| ()),
        Err(Error::NonFiniteFeature { .. })
    ));
}

/// [`check_model`] plus the classifier properties: `predict_proba` is `rows × classes`, each
/// row a distribution (sums to 1 within `sum_tol`), `predict` is the most probable class, and
/// it survives save/load bit-identically.
///
/// # Panics
/// When a property does not hold.
pub fn check_classifier<'a, P>(
    params: &P,
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
    sum_tol: f64,
) where
    P: Fit,
    P::Fitted: PredictProba + Predict<Error = Error> + Persist,
    P::Error: std::fmt::Debug,
{
    check_model(params, x, y);
    let kind = <P::Fitted as Persist>::KIND;
    let data = TrainData::new(x, y).expect("conformance data is valid");
    let m = params
        .fit(&data)
        .unwrap_or_else(|e| panic!("{kind}: fit failed: {e:?}"));
    let mut classes: Vec<f64> = y.to_vec();
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    assert_eq!(
        m.classes(),
        classes.as_slice(),
        "{kind}: classes are the sorted distinct labels"
    );
    let p = m
        .predict_proba(x)
        .unwrap_or_else(|e| panic!("{kind}: predict_proba: {e}"));
    let n_out = x.nrows() - m.warmup();
    assert_eq!(p.dim(), (n_out, classes.len()), "{kind}: proba shape");
    assert!(
        p.iter().all(|v| (0.0..=1.0).contains(v)),
        "{kind}: probabilities in [0, 1]"
    );
    for (i, row) in p.outer_iter().enumerate() {
        let s: f64 = row.sum();
        assert!((s - 1.0).abs() <= sum_tol, "{kind}: row {i} sums to {s}");
    }
    let pred = m.predict(x).expect("predict");
    for (i, (row, &label)) in p.outer_iter().zip(&pred).enumerate() {
        let best = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let at = classes
            .iter()
            .position(|&c| c == label)
            .expect("predicted label is a class");
        assert!(
            row[at] >= best,
            "{kind}: row {i}: predict is not the most probable class"
        );
    }
    let back = P::Fitted::from_bytes(&m.to_bytes().expect("to_bytes")).expect("from_bytes");
    let p2 = back.predict_proba(x).expect("predict_proba after load");
    assert!(
        p.iter().zip(&p2).all(|(a, b)| a.to_bits() == b.to_bits()),
        "{kind}: proba changes after save/load"
    );
    let mut nan = x.to_owned();
    nan[[0, 0]] = f64::INFINITY;
    assert!(
        matches!(
            m.predict_proba(nan.view()),
            Err(Error::NonFiniteFeature { row: 0, col: 0, .. })
        ),
        "{kind}: inf input not refused by predict_proba"
    );
}
