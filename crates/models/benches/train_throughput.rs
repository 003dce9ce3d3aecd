//! Training throughput of aaiti's tch networks (samples/s), the Rust half of the side-by-side
//! comparison with PyTorch (`torch_throughput.py` is the same model and loop in Python;
//! `run_compare.sh` runs both and writes `docs/benchmarks/models.md`).
//!
//! It times the real public API: `LstmParams`/`MlpParams` → `fit_with` on `TrainData` (f64
//! rows), i.e. window building, f64 → f32 tensor conversion, Adam steps without shuffling (the
//! default), a loss `.item()` per step and the best-epoch snapshot. The epoch hook timestamps
//! the end of every epoch, so two numbers come out:
//! * `loop_sps`: samples/s over epochs 2..=E (the steady-state training loop; epoch 1 is
//!   warm-up: first-touch allocations, oneDNN primitive creation);
//! * `fit_sps`: samples/s of the whole `fit_with` call (data preparation included).
//!
//! ```text
//! cargo bench -p aaiti-models --features tch --bench train_throughput -- \
//!     --model lstm --threads 2 --repeats 1
//! ```
//! Prints one JSON object per repeat on stdout.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    reason = "benchmark binary"
)]

use std::time::Instant;

use aaiti_models::{
    Control, EpochHook, EpochReport, LstmParams, MlpParams, ParamGuard, TrainConfig, TrainData,
};
use ndarray::{Array1, Array2};

/// Shapes shared with `torch_throughput.py` (keep in sync).
const N_FEATURES: usize = 40;
const LOOKBACK: usize = 32;
const HIDDEN: usize = 64;
const BATCH: usize = 64;
const LSTM_SAMPLES: usize = 4096;
const LSTM_EPOCHS: usize = 3;
const MLP_SAMPLES: usize = 32768;
const MLP_EPOCHS: usize = 5;

/// Deterministic features and a binary label, the same formula as the Python script.
fn data(rows: usize) -> (Array2<f64>, Array1<f64>) {
    let x = Array2::from_shape_fn((rows, N_FEATURES), |(i, j)| {
        let (i, j) = (i as f64, j as f64);
        (0.013 * i * (j + 1.0) + j).sin() + 0.1 * (0.7 * i + 3.0 * j).cos()
    });
    let y = Array1::from_shape_fn(rows, |i| {
        if x[[i, 0]] + x[[i, 1]] > 0.0 {
            1.0
        } else {
            0.0
        }
    });
    (x, y)
}

struct Run {
    samples_per_epoch: usize,
    epochs: usize,
    fit_s: f64,
    loop_s: f64,
    final_loss: f64,
}

fn time_fit(fit: impl FnOnce(&mut dyn EpochHook), samples_per_epoch: usize) -> Run {
    let mut ends: Vec<(Instant, f64)> = Vec::new();
    let start = Instant::now();
    fit(&mut |r: &EpochReport| {
        ends.push((Instant::now(), r.train_loss));
        Control::Continue
    });
    let fit_s = start.elapsed().as_secs_f64();
    let (first, _) = ends.first().copied().expect("at least one epoch");
    let (last, final_loss) = ends.last().copied().expect("at least one epoch");
    Run {
        samples_per_epoch,
        epochs: ends.len(),
        fit_s,
        loop_s: last.duration_since(first).as_secs_f64(),
        final_loss,
    }
}

fn train_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: BATCH,
        learning_rate: 1e-3,
        seed: 0,
        ..TrainConfig::default()
    }
}

fn run_lstm() -> Run {
    let (x, y) = data(LSTM_SAMPLES + LOOKBACK - 1);
    let d = TrainData::new(x.view(), y.view()).unwrap();
    let p = LstmParams::new()
        .lookback(LOOKBACK)
        .hidden(HIDDEN)
        .train(train_config(LSTM_EPOCHS))
        .check()
        .unwrap();
    time_fit(
        |hook| {
            p.fit_with(&d, None, hook).unwrap();
        },
        LSTM_SAMPLES,
    )
}

fn run_mlp() -> Run {
    let (x, y) = data(MLP_SAMPLES);
    let d = TrainData::new(x.view(), y.view()).unwrap();
    let p = MlpParams::new()
        .hidden([64, 32])
        .train(train_config(MLP_EPOCHS))
        .check()
        .unwrap();
    time_fit(
        |hook| {
            p.fit_with(&d, None, hook).unwrap();
        },
        MLP_SAMPLES,
    )
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn main() {
    // `cargo bench` passes `--bench`; ignore anything we do not know.
    let args: Vec<String> = std::env::args().collect();
    let model = arg(&args, "--model").unwrap_or("lstm").to_string();
    let threads: usize = arg(&args, "--threads").map_or(1, |s| s.parse().expect("--threads N"));
    let repeats: usize = arg(&args, "--repeats").map_or(1, |s| s.parse().expect("--repeats N"));
    aaiti_models::set_threads(threads);
    for rep in 0..repeats {
        let r = match model.as_str() {
            "lstm" => run_lstm(),
            "mlp" => run_mlp(),
            other => {
                eprintln!("unknown --model {other} (lstm|mlp)");
                std::process::exit(2);
            }
        };
        let timed = r.samples_per_epoch * (r.epochs - 1);
        let total = r.samples_per_epoch * r.epochs;
        println!(
            "{}",
            serde_json::json!({
                "impl": "aaiti-tch",
                "model": model,
                "threads": threads,
                "rep": rep,
                "samples_per_epoch": r.samples_per_epoch,
                "epochs": r.epochs,
                "loop_s": r.loop_s,
                "loop_sps": timed as f64 / r.loop_s,
                "fit_s": r.fit_s,
                "fit_sps": total as f64 / r.fit_s,
                "final_loss": r.final_loss,
            })
        );
    }
}
