//! Loading every bundled data file end to end.

use aaiti_core::{CsvOptions, Timeframe, read_csv};

#[test]
fn btc_hourly_loads_with_documented_quality() {
    let loaded = read_csv(aaiti_tests::btc_hourly(), &CsvOptions::default()).unwrap();
    let bars = loaded.bars;
    assert_eq!(bars.len(), 20_111);
    assert_eq!(bars.timeframe(), Some(Timeframe::H1));
    let q = bars.quality_report();
    // data/README.md: no missing hours, 28 flat zero-volume filler bars, longest run 15 hours
    // on 2018-08-10 01:00..15:00, largest |log return| 0.132 at 2017-12-22T13:00Z.
    assert_eq!(q.gap_count, 0);
    assert_eq!(q.flat_zero_volume_bars, 28);
    assert_eq!(q.flat_bars, 30);
    let run = q.longest_flat_zero_volume_run.unwrap();
    assert_eq!(run.bars, 15);
    assert_eq!(run.start.to_rfc3339(), "2018-08-10T01:00:00+00:00");
    let (r, t) = q.largest_abs_log_return.unwrap();
    assert!((r - 0.132).abs() < 5e-4, "{r}");
    assert_eq!(t.to_rfc3339(), "2017-12-22T13:00:00+00:00");
}

#[test]
fn every_bundled_file_is_valid() {
    let expected = [
        ("aapl_1d_adjusted.csv", 3270),
        ("btc_perp_1m_2022-01.csv.gz", 45_031),
        ("btcusd_coinbase_1h.csv", 20_111),
        ("ethusd_coinbase_1h.csv", 16_863),
        ("goog_1d_adjusted.csv", 2148),
        ("ibm_1d_adjusted.csv", 3270),
        ("msft_1d_adjusted.csv", 3270),
        ("nasdaq_composite_index_1d.csv", 5031),
        ("sp500_index_1d.csv", 5031),
    ];
    for (file, rows) in expected {
        let bars = read_csv(aaiti_tests::data_dir().join(file), &CsvOptions::default())
            .unwrap()
            .bars;
        assert_eq!(bars.len(), rows, "{file}");
    }
}

#[test]
fn minute_bars_resample_to_hours_and_days_consistently() {
    let bars = read_csv(
        aaiti_tests::data_dir().join("btc_perp_1m_2022-01.csv.gz"),
        &CsvOptions::default(),
    )
    .unwrap()
    .bars;
    assert_eq!(bars.timeframe(), Some(Timeframe::M1));
    let hourly = bars.resample(Timeframe::H1).unwrap();
    let daily_direct = bars.resample(Timeframe::D1).unwrap();
    let daily_via_hours = hourly.resample(Timeframe::D1).unwrap();
    // Prices and times nest exactly; volume sums agree to rounding (float addition is not
    // associative), see `Bars::resample`.
    assert_eq!(daily_direct.timestamps(), daily_via_hours.timestamps());
    for (a, b) in [
        (daily_direct.open(), daily_via_hours.open()),
        (daily_direct.high(), daily_via_hours.high()),
        (daily_direct.low(), daily_via_hours.low()),
        (daily_direct.close(), daily_via_hours.close()),
    ] {
        assert_eq!(a, b);
    }
    for (a, b) in daily_direct
        .volume()
        .iter()
        .zip(daily_via_hours.volume().iter())
    {
        assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} vs {b}");
    }
    let total: f64 = bars.volume().sum();
    let total_h: f64 = hourly.volume().sum();
    assert!((total - total_h).abs() <= 1e-9 * total);
}
