//! Side-by-side speed run against the TA-Lib wheel: times the 26 indicators of
//! `talib_compare.py` on the *same* 1,000,000-bar series (read from the raw file the
//! Python side writes), batch and streaming, and prints one JSON object.
//!
//! * batch: [`aaiti_features::batch()`] (the indicator's batch kernel,
//!   `Indicator::batch_into`, into an `Array2`), best of `REPEAT` runs after a warm-up;
//! * streaming: a fresh state fed bar by bar (`update`), outputs consumed, best of `REPEAT`.
//!
//! Run through `crates/features/benches/run_compare.sh`, or directly:
//! `cargo bench -p aaiti-features --bench compare -- /tmp/aaiti_features_bench_ohlcv.f64`
//! (`--only=KAMA,MACD` times just the indicators whose names start with those prefixes;
//! `--repeat=N` keeps the best of N runs instead of 5).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::cast_precision_loss,
    reason = "bench binary"
)]

use std::hint::black_box;
use std::time::Instant;

use aaiti_core::{Bar, Bars, Ohlcv};
use aaiti_features::momentum::{Adx, Cci, Macd, Mfi, Rsi, Stoch, Willr};
use aaiti_features::overlap::{Bbands, Dema, Ema, Kama, Sar, Sma, Tema, Wma};
use aaiti_features::statistic::{LinearReg, RegKind, StdDev};
use aaiti_features::volatility::Atr;
use aaiti_features::volume::{Ad, Obv};
use aaiti_features::{Indicator, MaType, batch};
use chrono::{TimeZone, Utc};

/// Timed runs per case (best kept); `--repeat=N` overrides.
const REPEAT: usize = 5;

/// Reads `n` bars stored as five little-endian f64 columns (open, high, low, close, volume).
fn load(path: &str) -> Bars {
    let raw = std::fs::read(path).expect("series file (run talib_compare.py first)");
    let vals: Vec<f64> = raw
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let n = vals.len() / 5;
    let col = |k: usize| ndarray::Array1::from(vals[k * n..(k + 1) * n].to_vec());
    let ts = (0..n)
        .map(|i| Utc.timestamp_opt(1_000_000_000 + 60 * i as i64, 0).unwrap())
        .collect();
    Bars::new(
        "BENCH",
        None,
        ts,
        Ohlcv {
            open: col(0),
            high: col(1),
            low: col(2),
            close: col(3),
            volume: col(4),
        },
    )
    .unwrap()
}

fn repeat() -> usize {
    std::env::args()
        .find_map(|a| a.strip_prefix("--repeat=").and_then(|r| r.parse().ok()))
        .unwrap_or(REPEAT)
}

fn best(mut f: impl FnMut()) -> f64 {
    f();
    let mut b = f64::INFINITY;
    for _ in 0..repeat() {
        let t = Instant::now();
        f();
        b = b.min(t.elapsed().as_secs_f64());
    }
    b
}

/// (batch seconds, streaming seconds) for one indicator.
///
/// Streaming feeds a fresh state bar by bar, each `Bar` assembled from the same column
/// arrays the batch reads (as a live service assembles the bar it just received), and
/// consumes every output through `black_box`. (Until 2026-11-28 it walked a separate
/// `Vec<Bar>` of 40-byte rows behind `black_box`, which added 40 MB of memory traffic per
/// run that the batch side, reading one 8 MB column, did not pay.)
fn time<I: Indicator>(ind: &I, bars: &Bars) -> (f64, f64) {
    let tb = best(|| {
        black_box(batch(black_box(ind), bars));
    });
    let (o, h, l, c, v) = (
        bars.open().to_vec(),
        bars.high().to_vec(),
        bars.low().to_vec(),
        bars.close().to_vec(),
        bars.volume().to_vec(),
    );
    let ts = best(|| {
        let mut st = black_box(ind).clone();
        st.reset();
        for ((((&open, &high), &low), &close), &volume) in o.iter().zip(&h).zip(&l).zip(&c).zip(&v)
        {
            let bar = Bar {
                open,
                high,
                low,
                close,
                volume,
            };
            black_box(st.update(&bar));
        }
    });
    (tb, ts)
}

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_else(|| "/tmp/aaiti_features_bench_ohlcv.f64".into());
    let only: Vec<String> = std::env::args()
        .filter_map(|a| a.strip_prefix("--only=").map(str::to_owned))
        .flat_map(|a| a.split(',').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let bars = load(&path);
    let n = bars.len();
    let mut out: Vec<(&str, (f64, f64))> = Vec::new();
    macro_rules! case {
        ($name:expr, $ind:expr) => {{
            let ind = $ind.unwrap();
            if !only.is_empty() && !only.iter().any(|o| $name.starts_with(o.as_str())) {
                // Not selected by `--only`.
            } else {
                let r = time(&ind, &bars);
                eprintln!(
                    "{:15} batch {:8.3} ms  stream {:8.3} ms",
                    $name,
                    r.0 * 1e3,
                    r.1 * 1e3
                );
                out.push(($name, r));
            }
        }};
    }
    case!("SMA(30)", Sma::new(30));
    case!("EMA(30)", Ema::new(30));
    case!("WMA(30)", Wma::new(30));
    case!("DEMA(30)", Dema::new(30));
    case!("TEMA(30)", Tema::new(30));
    case!("KAMA(30)", Kama::new(30));
    case!("BBANDS(20,2)", Bbands::new(20, 2.0, 2.0, MaType::Sma));
    case!("MACD(12,26,9)", Macd::new(12, 26, 9));
    case!("RSI(14)", Rsi::new(14));
    case!(
        "STOCH(5,3,3)",
        Stoch::new(5, 3, MaType::Sma, 3, MaType::Sma)
    );
    case!("WILLR(14)", Willr::new(14));
    case!("CCI(14)", Cci::new(14));
    case!("ADX(14)", Adx::new(14));
    case!("ATR(14)", Atr::new(14));
    case!("OBV", Ok::<_, aaiti_features::Error>(Obv::new()));
    case!("AD", Ok::<_, aaiti_features::Error>(Ad::new()));
    case!("MFI(14)", Mfi::new(14));
    case!("SAR(0.02,0.2)", Sar::new(0.02, 0.2));
    case!("LINEARREG(14)", LinearReg::new(RegKind::Value, 14));
    case!("STDDEV(20)", StdDev::new(20, 1.0));
    case!("AROON(14)", aaiti_features::momentum::Aroon::new(14));
    // More of the overlap/statistic/oscillator kernels (not in the table).
    case!("TRIMA(30)", aaiti_features::overlap::Trima::new(30));
    case!("T3(5,0.7)", aaiti_features::overlap::T3::new(5, 0.7));
    case!(
        "MACDEXT(EMA)",
        aaiti_features::momentum::MacdExt::new(12, MaType::Ema, 26, MaType::Ema, 9, MaType::Ema)
    );
    case!(
        "APO(12,26,EMA)",
        aaiti_features::momentum::Apo::new(12, 26, MaType::Ema)
    );
    case!("VAR(20)", aaiti_features::statistic::Var::new(20, 1.0));
    let body: Vec<String> = out
        .iter()
        .map(|(name, (b, s))| format!("\"{name}\": {{\"batch_s\": {b:e}, \"stream_s\": {s:e}}}"))
        .collect();
    println!(
        "{{\"n_bars\": {n}, \"repeat\": {}, \"results\": {{{}}}}}",
        repeat(),
        body.join(", ")
    );
}
