//! Property tests: CSV write → read round-trips `Bars` exactly; resampling nests
//! (1m → 5m → 1h equals 1m → 1h); every generated series satisfies the invariants.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use aaiti_core::{Bars, CsvOptions, Ohlcv, Timeframe, read_csv, write_csv};
use chrono::{DateTime, TimeDelta, Utc};
use ndarray::Array1;
use proptest::prelude::*;

/// A random valid minute series: random gaps (including none), random positive prices with
/// wide magnitudes, zero and fractional volumes.
fn minute_bars() -> impl Strategy<Value = Bars> {
    (1usize..400, 0i64..100_000).prop_flat_map(|(n, start_min)| {
        (
            proptest::collection::vec(
                (
                    1i64..4,
                    1e-3f64..1e6,
                    0.0f64..0.05,
                    0.0f64..1.0,
                    0.0f64..1.0,
                    prop_oneof![Just(0.0), 0.0f64..1e9],
                ),
                n,
            ),
            Just(start_min),
        )
            .prop_map(|(rows, start_min)| {
                let t0 = DateTime::<Utc>::from_timestamp(1_600_000_000 - 1_600_000_000 % 3600, 0)
                    .unwrap()
                    + TimeDelta::minutes(start_min);
                let mut t = t0;
                let (mut ts, mut o, mut h, mut l, mut c, mut v) =
                    (vec![], vec![], vec![], vec![], vec![], vec![]);
                for (step, mid, spread, fo, fc, vol) in rows {
                    let lo = mid;
                    let hi = mid * (1.0 + spread);
                    ts.push(t);
                    o.push((lo + fo * (hi - lo)).clamp(lo, hi));
                    c.push((lo + fc * (hi - lo)).clamp(lo, hi));
                    h.push(hi);
                    l.push(lo);
                    v.push(vol);
                    t += TimeDelta::minutes(step);
                }
                Bars::new(
                    "P",
                    Some(Timeframe::M1),
                    ts,
                    Ohlcv {
                        open: Array1::from(o),
                        high: Array1::from(h),
                        low: Array1::from(l),
                        close: Array1::from(c),
                        volume: Array1::from(v),
                    },
                )
                .unwrap()
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn csv_round_trip_is_exact(bars in minute_bars(), gz in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if gz { "P.csv.gz" } else { "P.csv" });
        write_csv(&bars, &path).unwrap();
        let opts = CsvOptions { symbol: Some("P".into()), timeframe: Some(Timeframe::M1), ..CsvOptions::default() };
        let back = read_csv(&path, &opts).unwrap();
        prop_assert!(back.report.is_empty());
        prop_assert_eq!(back.bars, bars);
    }

    #[test]
    fn resampling_nests(bars in minute_bars()) {
        let five = bars.resample(Timeframe::M5).unwrap();
        let via = five.resample(Timeframe::H1).unwrap();
        let direct = bars.resample(Timeframe::H1).unwrap();
        prop_assert_eq!(via.timestamps(), direct.timestamps());
        prop_assert_eq!(via.open(), direct.open());
        prop_assert_eq!(via.high(), direct.high());
        prop_assert_eq!(via.low(), direct.low());
        prop_assert_eq!(via.close(), direct.close());
        for (a, b) in via.volume().iter().zip(direct.volume().iter()) {
            prop_assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{} vs {}", a, b);
        }
        // Every resampled bar is valid and labelled at its bucket's open time.
        let rebuilt = Bars::new("P", Some(Timeframe::H1), direct.timestamps().to_vec(), direct.columns().clone());
        prop_assert!(rebuilt.is_ok());
        for t in direct.timestamps() {
            prop_assert_eq!(Timeframe::H1.bucket_start(*t), *t);
        }
    }

    #[test]
    fn resampling_never_looks_ahead(bars in minute_bars(), cut in 0usize..400) {
        // A completed hourly bar depends only on minute bars inside its hour: truncating the
        // input after any point leaves every earlier completed bucket unchanged.
        let cut = cut.min(bars.len());
        let full = bars.resample(Timeframe::H1).unwrap();
        let part = bars.slice(0..cut).resample(Timeframe::H1).unwrap();
        let complete = part.len().saturating_sub(1);
        prop_assert_eq!(&full.timestamps()[..complete], &part.timestamps()[..complete]);
        for i in 0..complete {
            prop_assert_eq!(full.bar(i), part.bar(i));
        }
    }
}

#[test]
fn resampling_rejects_incompatible_timeframes() {
    let bars = Bars::new(
        "X",
        Some("7m".parse().unwrap()),
        vec!["2024-01-01T00:07:00Z".parse().unwrap()],
        Ohlcv {
            open: ndarray::array![1.0],
            high: ndarray::array![1.0],
            low: ndarray::array![1.0],
            close: ndarray::array![1.0],
            volume: ndarray::array![1.0],
        },
    )
    .unwrap();
    assert!(matches!(
        bars.resample(Timeframe::H1),
        Err(aaiti_core::Error::IncompatibleTimeframe { .. })
    ));
    let misaligned = bars.clone().with_timeframe(Some(Timeframe::M5));
    assert!(matches!(
        misaligned.resample(Timeframe::H1),
        Err(aaiti_core::Error::Misaligned { .. })
    ));
    assert!(matches!(
        bars.with_timeframe(None).resample(Timeframe::H1),
        Err(aaiti_core::Error::MissingTimeframe { .. })
    ));
}
