//! Loads and validates one CSV file and computes its quality report, for the side-by-side
//! comparison with pandas in `benches/compare/csv_load.py`.
#![allow(
    clippy::print_stdout,
    reason = "prints the row and gap counts it computed"
)]

use aaiti_core::{CsvOptions, read_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: aaiti-csv-load FILE")?;
    let bars = read_csv(&path, &CsvOptions::default())?.bars;
    let q = bars.quality_report();
    println!("{} {}", q.rows, q.gap_count);
    Ok(())
}
