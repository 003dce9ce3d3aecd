//! `aaiti walkforward`: plan walk-forward / combinatorial purged splits and print the fold table.
//!
//! `aaiti walkforward run --config model.toml` (fit and evaluate every fold) needs the training
//! pipeline (aaiti-training), which does not exist yet; only `plan` is available.

use std::path::PathBuf;

use aaiti_walkforward::{
    Boundary, CalendarTrain, CalendarWalkForward, CombinatorialPurgedCv, Embargo, Freq, LabelTimes,
    PartialFold, Purger, Size, Split, Splitter, WalkForward,
};
use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc, Weekday};

/// Arguments of `aaiti walkforward`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Print the train/test/purge/embargo fold table of a splitter (no model is fitted).
    Plan(PlanArgs),
}

/// Which splitter to plan.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Scheme {
    /// Anchored: training always starts at row 0 (`--train` = first training size).
    Expanding,
    /// Rolling training window of `--train` rows.
    Rolling,
    /// scikit-learn TimeSeriesSplit (`--n-splits`, `--max-train`, `--test`, `--gap`).
    Sklearn,
    /// Combinatorial purged CV, skfolio semantics (`--folds`, `--test-folds`, `--purge`, `--embargo`).
    Cpcv,
    /// Calendar windows on the bars' timestamps (needs `--input`, `--freq`).
    Calendar,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum BoundaryArg {
    /// AFML: a label ending exactly at the test start is kept.
    Afml,
    /// Strict: touching counts as overlap.
    Strict,
}

#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools, reason = "CLI flags")]
struct PlanArgs {
    /// Number of rows to split.
    #[arg(long, conflicts_with = "input")]
    n_samples: Option<usize>,
    /// A bars CSV (timestamp,open,high,low,close,volume); rows and timestamps come from it.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Splitter.
    #[arg(long, value_enum, default_value = "expanding")]
    scheme: Scheme,
    /// Training size: rows (`500`) or a fraction of the rows (`0.6`).
    #[arg(long, default_value = "0.6")]
    train: String,
    /// Test size: rows or a fraction (`0.1`). For `sklearn`, omit for n / (n_splits + 1).
    #[arg(long)]
    test: Option<String>,
    /// Step between folds: rows or a fraction (default: the test size).
    #[arg(long)]
    step: Option<String>,
    /// Rows left out between training end and test start.
    #[arg(long, default_value_t = 0)]
    gap: usize,
    /// Keep a last, shortened test window instead of dropping it.
    #[arg(long)]
    keep_partial: bool,
    /// sklearn: number of splits.
    #[arg(long, default_value_t = 5)]
    n_splits: usize,
    /// sklearn: maximum training size (rolling cap).
    #[arg(long)]
    max_train: Option<usize>,
    /// cpcv: number of folds N.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// cpcv: number of test folds k.
    #[arg(long, default_value_t = 2)]
    test_folds: usize,
    /// cpcv / calendar: rows purged around each test block.
    #[arg(long, default_value_t = 0)]
    purge: usize,
    /// Embargo rows after each test block (cpcv; or with --horizon for any scheme).
    #[arg(long, default_value_t = 0)]
    embargo: usize,
    /// calendar: anchor frequency (MS, ME, QS, YS, W-MON..W-SUN, D, 3D, 12h, ...).
    #[arg(long, default_value = "MS")]
    freq: String,
    /// calendar: training length in frequency periods.
    #[arg(long)]
    train_periods: Option<usize>,
    /// calendar: training length in months before each test start.
    #[arg(long)]
    train_months: Option<u32>,
    /// calendar: training length in days before each test start.
    #[arg(long)]
    train_days: Option<i64>,
    /// calendar: test length in frequency periods.
    #[arg(long, default_value_t = 1)]
    test_periods: usize,
    /// calendar: expanding training window.
    #[arg(long)]
    expand_train: bool,
    /// Purge by label end: each row's label ends `horizon` rows later.
    #[arg(long)]
    horizon: Option<usize>,
    /// Purge boundary convention (with --horizon).
    #[arg(long, value_enum, default_value = "afml")]
    boundary: BoundaryArg,
    /// Emit JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn size(s: &str, what: &str) -> anyhow::Result<Size> {
    if s.contains('.') {
        Ok(Size::Fraction(s.parse().with_context(|| {
            format!("--{what} {s:?} is not a number")
        })?))
    } else {
        Ok(Size::Count(s.parse().with_context(|| {
            format!("--{what} {s:?} is not a row count")
        })?))
    }
}

fn count(s: &str, what: &str) -> anyhow::Result<usize> {
    s.parse()
        .with_context(|| format!("--{what} {s:?} must be a row count for this scheme"))
}

fn freq(s: &str) -> anyhow::Result<Freq> {
    let wd = |d: &str| -> Option<Weekday> { d.parse().ok() };
    Ok(match s {
        "MS" => Freq::MonthStart,
        "ME" | "M" => Freq::MonthEnd,
        "QS" => Freq::QuarterStart,
        "YS" | "AS" => Freq::YearStart,
        "W" => Freq::Weekly(Weekday::Sun),
        _ if s.starts_with("W-") => {
            Freq::Weekly(wd(&s[2..]).with_context(|| format!("bad weekday in {s:?}"))?)
        }
        _ if s.ends_with('D') => Freq::Days(if s.len() == 1 {
            1
        } else {
            s[..s.len() - 1].parse()?
        }),
        _ if s.ends_with('h') || s.ends_with('H') => Freq::Hours(if s.len() == 1 {
            1
        } else {
            s[..s.len() - 1].parse()?
        }),
        _ => bail!("unsupported --freq {s:?} (use MS, ME, QS, YS, W-MON.., nD, nh)"),
    })
}

fn splits(a: &PlanArgs, n: usize, ts: Option<&[DateTime<Utc>]>) -> anyhow::Result<Vec<Split>> {
    let partial = if a.keep_partial {
        PartialFold::Keep
    } else {
        PartialFold::Drop
    };
    let test = a.test.as_deref();
    Ok(match a.scheme {
        Scheme::Expanding | Scheme::Rolling => {
            let test = size(test.unwrap_or("0.1"), "test")?;
            let train = size(&a.train, "train")?;
            let mut wf = if matches!(a.scheme, Scheme::Expanding) {
                WalkForward::expanding(train, test)
            } else {
                WalkForward::rolling(train, test)
            };
            if let Some(s) = &a.step {
                wf = wf.with_step(size(s, "step")?);
            }
            wf.with_gap(a.gap).with_partial(partial).split(n)?
        }
        Scheme::Sklearn => {
            let t = test.map(|t| count(t, "test")).transpose()?;
            WalkForward::sklearn(a.n_splits, a.max_train, t, a.gap).split(n)?
        }
        Scheme::Cpcv => {
            CombinatorialPurgedCv::new(a.folds, a.test_folds, a.purge, a.embargo)?.split(n)?
        }
        Scheme::Calendar => {
            let ts = ts.context("--scheme calendar needs --input bars.csv (timestamps)")?;
            let train = match (a.train_periods, a.train_months, a.train_days) {
                (Some(p), None, None) => CalendarTrain::Periods(p),
                (None, Some(m), None) => CalendarTrain::Months(m),
                (None, None, Some(d)) => CalendarTrain::Duration(chrono::Duration::days(d)),
                _ => bail!("give exactly one of --train-periods, --train-months, --train-days"),
            };
            CalendarWalkForward {
                freq: freq(&a.freq)?,
                train,
                test_periods: a.test_periods,
                purged_size: a.purge,
                expand_train: a.expand_train,
                reduce_test: a.keep_partial,
                previous: false,
            }
            .split(ts)?
        }
    })
}

fn fmt_ranges(r: &[std::ops::Range<usize>]) -> String {
    if r.is_empty() {
        return "-".into();
    }
    r.iter()
        .map(|x| format!("[{},{})", x.start, x.end))
        .collect::<Vec<_>>()
        .join(" ")
}

fn time_span(r: &[std::ops::Range<usize>], ts: &[DateTime<Utc>]) -> serde_json::Value {
    match (r.first(), r.last()) {
        (Some(a), Some(b)) if b.end >= 1 => match (ts.get(a.start), ts.get(b.end - 1)) {
            (Some(s), Some(e)) => serde_json::json!([s.to_rfc3339(), e.to_rfc3339()]),
            _ => serde_json::Value::Null,
        },
        _ => serde_json::Value::Null,
    }
}

/// Runs the subcommand.
pub(crate) fn run(cmd: Command) -> anyhow::Result<()> {
    let Action::Plan(a) = cmd.action;
    let ts: Option<Vec<DateTime<Utc>>> = match &a.input {
        Some(p) => Some(
            aaiti_core::read_csv_path(p)
                .with_context(|| format!("reading {}", p.display()))?
                .timestamps()
                .to_vec(),
        ),
        None => None,
    };
    let n = match (a.n_samples, &ts) {
        (Some(n), _) => n,
        (None, Some(t)) => t.len(),
        (None, None) => bail!("give --n-samples N or --input bars.csv"),
    };
    let mut sp = splits(&a, n, ts.as_deref())?;
    if let Some(h) = a.horizon {
        let ends: Vec<usize> = (0..n).map(|i| (i + h).min(n.saturating_sub(1))).collect();
        let labels = LabelTimes::from_end_rows(&ends)?;
        let bd = match a.boundary {
            BoundaryArg::Afml => Boundary::Afml,
            BoundaryArg::Strict => Boundary::Strict,
        };
        let emb = if a.embargo > 0 && !matches!(a.scheme, Scheme::Cpcv) {
            Embargo::Rows(a.embargo)
        } else {
            Embargo::None
        };
        sp = Purger::new(&labels, bd).with_embargo(emb).apply_all(&sp)?;
        let leaks = aaiti_walkforward::audit(&sp, &labels, bd)?;
        if !leaks.is_empty() {
            bail!("internal error: {} leaking rows after purge", leaks.len());
        }
    }
    let mut out = String::new();
    if a.json {
        let rows: Vec<serde_json::Value> = sp
            .iter()
            .map(|s| {
                let mut v = serde_json::json!({
                    "split": s.id, "train": s.train.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
                    "test": s.test.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
                    "n_train": s.n_train(), "n_test": s.n_test(),
                    "purged": s.purged, "embargoed": s.embargoed,
                });
                if let Some(t) = &ts {
                    v["train_time"] = time_span(&s.train, t);
                    v["test_time"] = time_span(&s.test, t);
                }
                v
            })
            .collect();
        out = serde_json::to_string_pretty(
            &serde_json::json!({"n_samples": n, "n_splits": sp.len(), "splits": rows}),
        )?;
    } else {
        use std::fmt::Write as _;
        writeln!(out, "{} splits over {n} rows", sp.len())?;
        writeln!(
            out,
            "{:>5}  {:>8}  {:>7}  {:>7}  {:>9}  train / test rows",
            "split", "n_train", "n_test", "purged", "embargoed"
        )?;
        for s in &sp {
            writeln!(
                out,
                "{:>5}  {:>8}  {:>7}  {:>7}  {:>9}  {} / {}",
                s.id,
                s.n_train(),
                s.n_test(),
                s.purged,
                s.embargoed,
                fmt_ranges(&s.train),
                fmt_ranges(&s.test)
            )?;
            if let Some(t) = &ts {
                let f = |v: serde_json::Value| {
                    v.as_array().map_or("-".to_string(), |a| {
                        format!(
                            "{} .. {}",
                            a[0].as_str().unwrap_or(""),
                            a[1].as_str().unwrap_or("")
                        )
                    })
                };
                writeln!(
                    out,
                    "{:>5}  train {}   test {}",
                    "",
                    f(time_span(&s.train, t)),
                    f(time_span(&s.test, t))
                )?;
            }
        }
    }
    #[allow(clippy::print_stdout, reason = "the CLI's output")]
    {
        println!("{out}");
    }
    Ok(())
}
