//! The CORREL and BETA batch kernels against the streaming fold, bit for bit, and the
//! streaming states changed for speed (CCI's cached prefix sums, the block extremes of
//! WILLR / STOCH / AROON) through serde checkpoints, including CCI states saved before
//! the cache existed.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{Rng, bars, fold, same};

use aaiti_core::Bar;
use aaiti_features::momentum::{Aroon, Cci, Stoch, Willr};
use aaiti_features::statistic::{Beta, Correl};
use aaiti_features::{Columns, DynIndicator, Indicator, MaType, PriceField};

type Series = [Vec<f64>; 5];

/// A random walk with flat runs, zero prices (BETA's zero guard), a level shift and
/// volumes.
fn walk(n: usize, seed: u64) -> Series {
    let mut r = Rng(seed);
    let mut p: f64 = 100.0;
    let mut s: Series = Default::default();
    for i in 0..n {
        let scale = if i > n / 2 { 1e4 } else { 1.0 };
        if (i / 30) % 7 == 2 {
            let q = if (i / 30) % 14 == 2 {
                0.0
            } else {
                (p * scale * 100.0).round() / 100.0
            };
            for c in &mut s {
                c.push(q);
            }
            continue;
        }
        let open = p * scale;
        p = (p * (1.0 + 0.02 * (r.next() - 0.5))).max(1.0);
        let close = p * scale;
        s[0].push(open);
        s[1].push(open.max(close) * (1.0 + 0.01 * r.next()));
        s[2].push(open.min(close) * (1.0 - 0.01 * r.next()));
        s[3].push(close);
        s[4].push((1000.0 * r.next()).round());
    }
    s
}

/// A few levels around zero, `±0` included, in every column.
fn ties(n: usize, seed: u64) -> Series {
    let mut r = Rng(seed);
    let levels = [-2.0, -1.0, -0.0, 0.0, 1.0, 2.0, 1e-300, -1e300];
    let mut s: Series = Default::default();
    for _ in 0..n {
        for c in &mut s {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            c.push(levels[((r.next() * 8.0) as usize).min(7)]);
        }
    }
    s
}

/// `base` with `v` written into column `col` at a few rows.
fn poke(mut base: Series, col: usize, v: f64, rows: &[usize]) -> Series {
    for &i in rows {
        if let Some(x) = base[col].get_mut(i) {
            *x = v;
        }
    }
    base
}

fn indicators(p: usize) -> Vec<Box<dyn DynIndicator>> {
    vec![
        Box::new(Correl::new(p).unwrap()),
        Box::new(
            Correl::new(p)
                .unwrap()
                .with_prices(PriceField::Close, PriceField::Volume),
        ),
        Box::new(
            Correl::new(p)
                .unwrap()
                .with_prices(PriceField::Open, PriceField::Open),
        ),
        Box::new(Beta::new(p).unwrap()),
        Box::new(
            Beta::new(p)
                .unwrap()
                .with_prices(PriceField::Close, PriceField::Open),
        ),
    ]
}

fn check(label: &str, data: &Series, periods: &[usize]) {
    for len in [0, 1, 2, 3, data[0].len()] {
        let d: Vec<&[f64]> = data.iter().map(|c| &c[..len.min(c.len())]).collect();
        let cols = Columns::new(d[0], d[1], d[2], d[3], d[4]).unwrap();
        for &p in periods {
            for ind in indicators(p) {
                let mut got = vec![7.0];
                ind.batch_into(&cols, &mut got);
                let want = fold(ind.as_ref(), &cols);
                assert_eq!(got.len(), want.len() + 1, "{ind:?} on {label}");
                assert!(
                    same(got[0], 7.0),
                    "{ind:?} on {label}: overwrote the prefix"
                );
                for (row, (g, w)) in got[1..].iter().zip(&want).enumerate() {
                    assert!(
                        same(*g, *w),
                        "{ind:?} on {label} ({len} bars): kernel {g:?} != fold {w:?} at row {row}"
                    );
                }
            }
        }
    }
}

#[test]
fn fd_correl_beta_kernels_equal_the_fold() {
    let periods = [1, 2, 3, 5, 14, 30, 255, 256, 257, 600];
    check("walk", &walk(3000, 11), &periods);
    check("ties", &ties(2000, 12), &[1, 2, 3, 5, 30, 300]);
    let w = walk(1500, 13);
    for (col, v) in [
        (1, f64::NAN),
        (2, f64::INFINITY),
        (3, f64::NEG_INFINITY),
        (0, 0.0),
    ] {
        let rows = [0, 1, 7, 260, 261, 900, 1499];
        check(
            "pokes",
            &poke(w.clone(), col, v, &rows),
            &[1, 2, 5, 30, 256],
        );
    }
}

/// Folds `ind` over `list`, replacing the state at `cut` by its JSON round trip (after
/// `edit`), and checks every output against the uninterrupted fold.
fn resumes<I: Indicator>(ind: &I, list: &[Bar], cut: usize, edit: impl Fn(String) -> String) {
    let mut a = ind.clone();
    let mut b = ind.clone();
    for (i, bar) in list.iter().enumerate() {
        if i == cut {
            let json = edit(serde_json::to_string(&b).unwrap());
            b = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{ind:?} at {cut}: {e}: {json}"));
        }
        let (x, y) = (a.update(bar), b.update(bar));
        assert_eq!(
            format!("{x:?}"),
            format!("{y:?}"),
            "{ind:?} after a cut at {cut}, bar {i}"
        );
    }
}

#[test]
fn fd_streaming_states_resume_from_json() {
    let list = bars(&walk(400, 21));
    let tie_list = bars(&ties(400, 22));
    for cut in [0, 1, 5, 13, 14, 15, 29, 100, 399] {
        // (Not on the ties: their infinite %K values make the SMA stages' state
        // non-finite, which JSON cannot hold.)
        let stoch = Stoch::new(5, 3, MaType::Sma, 3, MaType::Sma).unwrap();
        resumes(&stoch, &list, cut, |s| s);
        for l in [&list, &tie_list] {
            resumes(&Cci::new(14).unwrap(), l, cut, |s| s);
            resumes(&Willr::new(14).unwrap(), l, cut, |s| s);
            resumes(&Aroon::new(7).unwrap(), l, cut, |s| s);
            // An AROON state saved before the cached factor existed.
            resumes(&Aroon::new(9).unwrap(), l, cut, |s| {
                let mut v: serde_json::Value = serde_json::from_str(&s).unwrap();
                let core = v.get_mut("core").unwrap().as_object_mut().unwrap();
                assert!(core.remove("factor").is_some());
                serde_json::to_string(&v).unwrap()
            });
            // A CCI state saved before the prefix cache existed.
            resumes(&Cci::new(9).unwrap(), l, cut, |s| {
                let v: serde_json::Value = serde_json::from_str(&s).unwrap();
                let mut m = v.as_object().unwrap().clone();
                assert!(m.remove("pre").is_some());
                serde_json::to_string(&m).unwrap()
            });
        }
    }
}
