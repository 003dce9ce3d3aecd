//! Property tests: after purge + embargo no training label window intersects any
//! test window (both conventions), purging is minimal, and nothing depends on the future.

#![allow(clippy::unwrap_used, reason = "tests")]
#![allow(clippy::single_range_in_vec_init, reason = "splits are range lists")]

use std::collections::BTreeSet;

use aaiti_walkforward::{
    Boundary, CombinatorialPurgedCv, Embargo, LabelTimes, Purger, Split, Splitter, WalkForward,
    audit,
};
use proptest::prelude::*;

fn labels_strategy() -> impl Strategy<Value = (Vec<i64>, Vec<i64>)> {
    (30usize..200).prop_flat_map(|n| {
        (
            prop::collection::vec(0i64..4, n),
            prop::collection::vec(0i64..15, n),
        )
            .prop_map(|(steps, horizons)| {
                let mut t = 0;
                let t0: Vec<i64> = steps
                    .iter()
                    .map(|s| {
                        t += s;
                        t
                    })
                    .collect();
                let t1 = t0.iter().zip(&horizons).map(|(a, h)| a + h).collect();
                (t0, t1)
            })
    })
}

fn splits_for(n: usize, kind: u8, a: usize, b: usize) -> Vec<Split> {
    match kind % 3 {
        0 => WalkForward::rolling(5 + a % 20, 2 + b % 10)
            .with_step(1 + b % 7)
            .split(n)
            .unwrap_or_default(),
        1 => WalkForward::expanding(5 + a % 20, 2 + b % 10)
            .split(n)
            .unwrap_or_default(),
        _ => CombinatorialPurgedCv::new(3 + a % 5, 2, 0, 0)
            .and_then(|cv| cv.split(n))
            .unwrap_or_default(),
    }
}

fn boundary(x: bool) -> Boundary {
    if x { Boundary::Afml } else { Boundary::Strict }
}

fn embargo(k: u8, v: usize) -> Embargo {
    match k % 4 {
        0 => Embargo::None,
        1 => Embargo::Rows(v % 6),
        2 => Embargo::Fraction((v % 5) as f64 / 100.0),
        _ => Embargo::Duration((v % 9) as i64),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn no_training_label_overlaps_a_test_window(
        (t0, t1) in labels_strategy(), kind in any::<u8>(), a in any::<usize>(), b in any::<usize>(),
        afml in any::<bool>(), ek in any::<u8>(), ev in any::<usize>()
    ) {
        let n = t0.len();
        let labels = LabelTimes::new(t0.clone(), t1.clone()).unwrap();
        let splits = splits_for(n, kind, a, b);
        let bd = boundary(afml);
        let purged = Purger::new(&labels, bd).with_embargo(embargo(ek, ev)).apply_all(&splits).unwrap();
        prop_assert!(audit(&purged, &labels, bd).unwrap().is_empty());
        for (p, s) in purged.iter().zip(&splits) {
            // test untouched, train only shrinks, accounting adds up
            prop_assert_eq!(&p.test, &s.test);
            prop_assert_eq!(p.n_train() + (p.purged - s.purged) + (p.embargoed - s.embargoed), s.n_train());
            // embargo by duration: no training row starts within d after a block's label end
            if let Embargo::Duration(d) = embargo(ek, ev) {
                for blk in &p.test {
                    let bmax = t1[blk.clone()].iter().copied().max().unwrap();
                    for i in p.train_indices() {
                        prop_assert!(!(i >= blk.end && t0[i] > bmax && t0[i] <= bmax + d));
                    }
                }
            }
        }
    }

    #[test]
    fn purge_removes_exactly_the_leaking_rows(
        (t0, t1) in labels_strategy(), kind in any::<u8>(), a in any::<usize>(), b in any::<usize>(),
        afml in any::<bool>()
    ) {
        let n = t0.len();
        let labels = LabelTimes::new(t0, t1).unwrap();
        let splits = splits_for(n, kind, a, b);
        let bd = boundary(afml);
        let leaks = audit(&splits, &labels, bd).unwrap();
        let purged = Purger::new(&labels, bd).apply_all(&splits).unwrap();
        for (p, s) in purged.iter().zip(&splits) {
            let before: BTreeSet<usize> = s.train_indices().collect();
            let after: BTreeSet<usize> = p.train_indices().collect();
            let removed: BTreeSet<usize> = before.difference(&after).copied().collect();
            let leaking: BTreeSet<usize> =
                leaks.iter().filter(|l| l.split == s.id).map(|l| l.train_row).collect();
            prop_assert_eq!(removed, leaking);
        }
    }

    #[test]
    fn walk_forward_purge_ignores_the_future(
        (t0, t1) in labels_strategy(), a in any::<usize>(), b in any::<usize>(),
        afml in any::<bool>(), bump in 1i64..1000
    ) {
        let n = t0.len();
        let labels = LabelTimes::new(t0.clone(), t1.clone()).unwrap();
        let splits = splits_for(n, 0, a, b);
        let bd = boundary(afml);
        for s in &splits {
            let end = s.test_span().unwrap().end;
            // perturb every row at/after the end of this test window
            let mut t0b = t0.clone();
            let mut t1b = t1.clone();
            for i in end..n {
                t0b[i] += bump;
                t1b[i] += 2 * bump;
            }
            let lb = LabelTimes::new(t0b, t1b).unwrap();
            let x = Purger::new(&labels, bd).apply(s).unwrap();
            let y = Purger::new(&lb, bd).apply(s).unwrap();
            prop_assert_eq!(x, y);
        }
    }

    #[test]
    fn n_splits_equals_splits_produced(
        n in 1usize..400, init in 0usize..60, test in 0usize..30, step in 0usize..12,
        gap in 0usize..6, anchored in any::<bool>(), keep in any::<bool>(), k in 0usize..9
    ) {
        let mut wf = if anchored { WalkForward::expanding(init, test) } else { WalkForward::rolling(init.max(1), test) };
        wf = wf.with_gap(gap);
        if step > 0 { wf = wf.with_step(step); }
        if keep { wf = wf.with_partial(aaiti_walkforward::PartialFold::Keep); }
        match (wf.n_splits(n), wf.split(n)) {
            (Ok(c), Ok(s)) => {
                prop_assert_eq!(c, s.len());
                prop_assert!(c >= 1);
                for sp in &s {
                    prop_assert!(sp.test.iter().all(|r| r.end <= n && r.start < r.end));
                    prop_assert!(sp.train.iter().all(|r| r.end <= sp.test[0].start));
                }
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "n_splits {:?} vs split {:?}", a, b.map(|s| s.len())),
        }
        let sk = WalkForward::sklearn(k, None, None, gap);
        match (sk.n_splits(n), sk.split(n)) {
            (Ok(c), Ok(s)) => prop_assert_eq!(c, s.len()),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false),
        }
    }
}

#[test]
fn infeasible_errors_carry_the_inequality() {
    let e = WalkForward::sklearn(5, None, None, 0).split(4).unwrap_err();
    assert!(e.to_string().contains("n_splits + 1 <= n_samples"), "{e}");
    let e = WalkForward::skfolio(10, 2, 1, false, false)
        .split(10)
        .unwrap_err();
    assert!(e.to_string().contains("initial_train + gap"), "{e}");
    let e = CombinatorialPurgedCv::new(5, 2, 3, 0)
        .unwrap()
        .split(20)
        .unwrap_err();
    assert!(e.to_string().contains("purged_size + embargo_size"), "{e}");
    assert!(CombinatorialPurgedCv::new(30, 15, 0, 0).is_err());
}

#[test]
fn sklearn_and_skfolio_zero_size_edge_cases() {
    // sklearn: max_train_size=0 is "no cap"; test_size=0 fails
    let s = WalkForward::sklearn(3, Some(0), None, 0).split(8).unwrap();
    assert_eq!(s[2].train, vec![0..6]);
    assert_eq!(s[2].test, vec![6..8]);
    assert!(WalkForward::sklearn(3, None, Some(0), 0).split(8).is_err());
    // skfolio: train_size must be >= 1, also with expand_train
    assert!(WalkForward::skfolio(0, 2, 0, true, false).split(8).is_err());
    assert!(
        WalkForward::skfolio(0, 2, 0, false, false)
            .split(8)
            .is_err()
    );
}

#[test]
fn seed_fractions_resolve_against_n() {
    let s = WalkForward::seed(true).split(1000).unwrap();
    assert_eq!(s[0].train, vec![0..600]);
    assert_eq!(s[0].test, vec![600..700]);
    assert_eq!(s[1].test, vec![650..750]);
    assert_eq!(s.last().unwrap().test, vec![900..1000]);
    let r = WalkForward::seed(false).split(1000).unwrap();
    assert_eq!(r[1].train, vec![50..650]);
}

#[test]
fn cpcv_counts_and_afml_embargo() {
    let cv = CombinatorialPurgedCv::new(6, 2, 0, 0).unwrap();
    assert_eq!(cv.n_combinations(), 15);
    assert_eq!(cv.n_test_paths(), 5);
    let cv = CombinatorialPurgedCv::new(16, 8, 0, 0).unwrap();
    assert_eq!(cv.n_combinations(), 12_870);
    // every path covers every fold exactly once
    let cv = CombinatorialPurgedCv::new(8, 3, 0, 0).unwrap();
    for p in cv.paths() {
        assert_eq!(
            p.iter().map(|x| x.0).collect::<Vec<_>>(),
            (0..8).collect::<Vec<_>>()
        );
    }
    // embargo in rows after the purged region (AFML Snippet 7.3 style)
    let labels =
        LabelTimes::from_end_rows(&(0..30).map(|i| (i + 2).min(29)).collect::<Vec<_>>()).unwrap();
    let split = Split {
        id: 0,
        train: vec![0..10, 15..30],
        test: vec![10..15],
        purged: 0,
        embargoed: 0,
    };
    let p = Purger::new(&labels, Boundary::Afml)
        .with_embargo(Embargo::Rows(3))
        .apply(&split)
        .unwrap();
    // before: rows 9 (t1=11>10) and 8 (t1=10, touching: kept) -> 0..9 ; after: test label end = 16,
    // rows 15 (t0=15<16) purged, row 16 starts at b: kept by AFML, then 3 embargo rows 16..19
    assert_eq!(p.train, vec![0..9, 19..30]);
    assert_eq!((p.purged, p.embargoed), (2, 3));
}

#[test]
fn chunked_range_max_on_large_non_monotone_labels() {
    // n > 1024 and non-monotone label ends exercise the chunked range-max path
    let n = 5000usize;
    let t0: Vec<i64> = (0..n as i64).collect();
    let t1: Vec<i64> = (0..n as i64)
        .map(|i| i + (i * 7919 % 97) + if i % 1500 == 7 { 900 } else { 0 })
        .collect();
    let labels = LabelTimes::new(t0, t1).unwrap();
    for (bd, emb) in [
        (Boundary::Afml, Embargo::Rows(5)),
        (Boundary::Strict, Embargo::Duration(30)),
    ] {
        let splits = CombinatorialPurgedCv::new(6, 2, 0, 0)
            .unwrap()
            .split(n)
            .unwrap();
        let leaks = audit(&splits, &labels, bd).unwrap();
        let p = Purger::new(&labels, bd)
            .with_embargo(emb)
            .apply_all(&splits)
            .unwrap();
        assert!(audit(&p, &labels, bd).unwrap().is_empty());
        let p0 = Purger::new(&labels, bd).apply_all(&splits).unwrap();
        let removed: usize = splits
            .iter()
            .zip(&p0)
            .map(|(a, b)| a.n_train() - b.n_train())
            .sum();
        let unique: BTreeSet<(usize, usize)> =
            leaks.iter().map(|l| (l.split, l.train_row)).collect();
        assert_eq!(removed, unique.len());
    }
}

#[test]
fn cpcv_row_accounting_with_touching_removal_zones() {
    // fold size 10, purge 4 + embargo 4: zones of neighbouring blocks overlap
    let cv = CombinatorialPurgedCv::new(5, 2, 4, 4).unwrap();
    for s in cv.split(50).unwrap() {
        assert_eq!(
            s.n_train() + s.n_test() + s.purged + s.embargoed,
            50,
            "{s:?}"
        );
    }
    let cv = CombinatorialPurgedCv::new(8, 3, 2, 3).unwrap();
    for s in cv.split(203).unwrap() {
        assert_eq!(
            s.n_train() + s.n_test() + s.purged + s.embargoed,
            203,
            "{s:?}"
        );
    }
}
