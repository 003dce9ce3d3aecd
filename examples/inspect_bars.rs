//! Load the bundled BTC/USD hourly bars, print their quality report and resample to daily bars.
#![allow(clippy::print_stdout, reason = "an example prints its results")]

use aaiti_core::{CsvOptions, Timeframe, read_csv};

fn main() -> anyhow::Result<()> {
    let path = aaiti_examples::data_dir().join("btcusd_coinbase_1h.csv");
    let loaded = read_csv(
        &path,
        &CsvOptions {
            timeframe: Some(Timeframe::H1),
            ..CsvOptions::default()
        },
    )?;
    let bars = loaded.bars;
    let q = bars.quality_report();
    println!(
        "{} bars of {} from {:?} to {:?}",
        q.rows,
        bars.symbol(),
        q.first,
        q.last
    );
    println!(
        "gaps: {}, flat zero-volume bars: {}",
        q.gap_count, q.flat_zero_volume_bars
    );
    let daily = bars.resample(Timeframe::D1)?;
    println!(
        "{} daily bars; last close {}",
        daily.len(),
        daily.close()[daily.len() - 1]
    );
    Ok(())
}
