//! `aaiti walkforward`: plan walk-forward / combinatorial purged splits and print the fold table
//! (`plan`), or run the whole validation of a training config (`run`).

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use aaiti_registry::{Field, Filter, MetricPoint, NewRun, Query, Registry, RunStatus};
use aaiti_walkforward::pipeline::RunReport;

use aaiti_walkforward::{
    Anchor, Boundary, CalendarTrain, CalendarWalkForward, CombinatorialPurgedCv, Embargo, Freq,
    LabelTimes, PartialFold, Purger, Size, Split, Splitter, WalkForward,
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
    /// Run the walk-forward validation of a training config with a `[walkforward]` section
    /// (see `configs/btc_walkforward.toml`): per split features, labels, purge, scaler refit,
    /// fit and evaluation, in parallel; prints the table, aggregate, PSR/DSR and verdict.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// The run config: a training config (as for `aaiti train`) plus a `[walkforward]` section.
    #[arg(long)]
    config: PathBuf,
    /// Write `report.json` and the plots (`accuracy`, `equity`, `timeline`; SVG and PNG) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads for the splits (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Record the run (one run plus one run per fold, with per-fold metrics) in a registry:
    /// `sqlite://PATH`, `postgres://...` (if built in), `memory` or `none`. Earlier runs of the
    /// same config name there supply the trial Sharpe ratios of the DSR.
    #[arg(long, default_value = "none")]
    registry: String,
    /// Link the recorded runs to this registered model id.
    #[arg(long)]
    model_id: Option<String>,
    /// Who records the runs (audit actor).
    #[arg(long, default_value = "aaiti-cli")]
    user: String,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    json: bool,
    /// Never draw the progress bar (it is drawn only when stderr is a terminal).
    #[arg(long)]
    no_progress: bool,
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
    /// calendar: anchor frequency, a pandas 3 alias (MS, ME, QS, QE, YS, YE, W, W-MON..W-SUN,
    /// D, 3D, B, 12h, 30min, 15s, ...).
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

/// Parses a pandas (3.x) offset alias: `[n]unit` with unit `MS`, `ME`, `QS`, `QE`, `YS`, `YE`,
/// `W`, `W-MON`..`W-SUN`, `D`, `B`, `h`, `min`, `s` (any n >= 1). Aliases that pandas 3
/// removed (`M`, `Q`, `Y`, `A`, `AS`, `H`, `T`, `S`, ...) are refused, as pandas does.
fn freq(s: &str) -> anyhow::Result<Freq> {
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (num, unit) = s.split_at(digits);
    let n: u32 = if num.is_empty() {
        1
    } else {
        num.parse()
            .with_context(|| format!("bad multiple in --freq {s:?}"))?
    };
    if n == 0 {
        bail!("--freq {s:?}: the multiple must be >= 1");
    }
    let anchored = |a: Anchor| -> Freq {
        if n == 1 {
            Freq::from(a)
        } else {
            Freq::EveryNth(n, a)
        }
    };
    let weekday = |d: &str| -> Option<Weekday> {
        ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
            .contains(&d.to_ascii_uppercase().as_str())
            .then(|| d.parse().ok())
            .flatten()
    };
    Ok(match unit {
        "MS" => anchored(Anchor::MonthStart),
        "ME" => anchored(Anchor::MonthEnd),
        "QS" => anchored(Anchor::QuarterStart),
        "QE" => anchored(Anchor::QuarterEnd),
        "YS" => anchored(Anchor::YearStart),
        "YE" => anchored(Anchor::YearEnd),
        "W" => anchored(Anchor::Weekly(Weekday::Sun)),
        _ if unit.starts_with("W-") => anchored(Anchor::Weekly(
            weekday(&unit[2..]).with_context(|| format!("bad weekday in --freq {s:?}"))?,
        )),
        "D" | "d" => Freq::Days(n),
        "B" => Freq::BusinessDays(n),
        "h" => Freq::Hours(n),
        "min" => Freq::Minutes(n),
        "s" => Freq::Seconds(n),
        "M" | "Q" | "Y" | "A" | "AS" | "BA" | "H" | "T" | "S" | "L" | "U" | "N" => {
            bail!("--freq {s:?}: pandas 3 removed this alias (use ME, QE, YE, YS, h, min or s)")
        }
        _ => bail!(
            "unsupported --freq {s:?} (use MS, ME, QS, QE, YS, YE, W, W-MON..W-SUN, nD, nB, nh, nmin, ns)"
        ),
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
    match cmd.action {
        Action::Plan(a) => plan(&a),
        Action::Run(a) => run_validation(&a),
    }
}

fn run_name(config_name: &str) -> String {
    format!("{config_name}/walkforward")
}

/// Per-period OOS Sharpe ratios of earlier finished runs of this config in the registry.
fn registry_trials(reg: &Registry, name: &str) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::new();
    let mut q = Query {
        filter: Some(Filter::eq(Field::Name, run_name(name))),
        limit: Some(1000),
        ..Query::default()
    };
    loop {
        let page = reg.meta().search_runs(&q)?;
        for r in &page.items {
            if r.status == RunStatus::Finished
                && let Some(m) = r.metrics.get("oos_sharpe")
                && m.last.is_finite()
            {
                out.push(m.last);
            }
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    Ok(out)
}

fn record(reg: &Registry, rep: &RunReport, a: &RunArgs) -> anyhow::Result<i64> {
    let meta = reg.meta();
    let model_id = a
        .model_id
        .as_deref()
        .map(aaiti_registry::parse_model_id)
        .transpose()?;
    let wf = &rep.walkforward;
    let mut params: BTreeMap<String, String> = BTreeMap::new();
    params.insert("walkforward".into(), serde_json::to_string(wf)?);
    params.insert("model".into(), rep.model.clone());
    params.insert("symbol".into(), rep.data.symbol.clone());
    params.insert("timeframe".into(), rep.data.timeframe.clone());
    params.insert("bars_sha256".into(), rep.data.bars_sha256.clone());
    params.insert("n_splits".into(), rep.report.summary.n_splits.to_string());
    params.insert(
        "verdict".into(),
        format!("{:?}", rep.report.verdict.recommendation).to_uppercase(),
    );
    let name = run_name(&rep.name);
    let parent = meta
        .create_runs(vec![NewRun {
            name: name.clone(),
            model_id,
            params,
            created_by: a.user.clone(),
        }])?
        .first()
        .map(|r| r.id)
        .context("the registry created no run")?;
    let folds: Vec<NewRun> = rep
        .report
        .splits
        .iter()
        .zip(&rep.split_times)
        .map(|(s, t)| {
            let mut p = BTreeMap::new();
            p.insert("parent_run".into(), parent.to_string());
            p.insert("split".into(), s.split.to_string());
            p.insert("train_rows".into(), fmt_ranges(&s.train));
            p.insert("test_rows".into(), fmt_ranges(&s.test));
            if let Some((x, y)) = t.test {
                p.insert("test_start".into(), x.to_rfc3339());
                p.insert("test_end".into(), y.to_rfc3339());
            }
            NewRun {
                name: format!("{name}/fold-{}", s.split),
                model_id,
                params: p,
                created_by: a.user.clone(),
            }
        })
        .collect();
    let fold_runs = meta.create_runs(folds)?;
    let now = aaiti_core::clock::Clock::now(&aaiti_core::clock::SystemClock);
    let pt = |key: &str, step: usize, value: f64| MetricPoint {
        key: key.to_string(),
        step: i64::try_from(step).unwrap_or(i64::MAX),
        timestamp: now,
        value,
    };
    let mut parent_pts = Vec::new();
    for (s, run) in rep.report.splits.iter().zip(&fold_runs) {
        let mut vals: Vec<(String, f64)> = Vec::new();
        if let Some(c) = s.result.classification {
            vals.extend([
                ("accuracy".to_string(), c.accuracy),
                ("precision".to_string(), c.precision),
                ("recall".to_string(), c.recall),
                ("f1".to_string(), c.f1),
            ]);
        }
        vals.extend(s.result.trading.iter().map(|(k, v)| (k.clone(), *v)));
        #[allow(clippy::cast_precision_loss, reason = "row counts")]
        vals.extend([
            ("n_train".to_string(), s.n_train as f64),
            ("n_test".to_string(), s.n_test as f64),
            ("purged".to_string(), s.purged as f64),
            ("embargoed".to_string(), s.embargoed as f64),
        ]);
        let pts: Vec<MetricPoint> = vals.iter().map(|(k, v)| pt(k.as_str(), 0, *v)).collect();
        meta.log_metrics(run.id, &pts)?;
        meta.finish_run(run.id, RunStatus::Finished)?;
        parent_pts.extend(vals.iter().map(|(k, v)| pt(k.as_str(), s.split, *v)));
    }
    let su = &rep.report.summary;
    if let Some(acc) = &su.accuracy {
        parent_pts.push(pt("mean_accuracy", 0, acc.mean));
        parent_pts.push(pt("std_accuracy", 0, acc.std));
    }
    if let Some(c) = su.consistency {
        parent_pts.push(pt("consistency", 0, c));
    }
    if let Some(st) = &rep.report.statistics {
        parent_pts.push(pt("oos_sharpe", 0, st.sharpe));
        if let Some(v) = st.psr {
            parent_pts.push(pt("psr", 0, v));
        }
        if let Some(v) = st.dsr {
            parent_pts.push(pt("dsr", 0, v));
        }
    }
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    parent_pts.push(pt("leaking_rows", 0, rep.leaking_rows as f64));
    meta.log_metrics(parent, &parent_pts)?;
    meta.finish_run(parent, RunStatus::Finished)?;
    Ok(parent)
}

fn run_validation(a: &RunArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (cfg, wf) = aaiti_walkforward::pipeline::load_config(&a.config)?;
    let registry = crate::registry_url::open_registry(&a.registry)?;
    let trials = match &registry {
        Some(reg) => registry_trials(reg, &cfg.name)?,
        None => Vec::new(),
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = a.threads {
        if t == 0 {
            bail!("--threads must be >= 1");
        }
        pool = pool.num_threads(t);
    }
    let pool = pool.build().context("starting the worker threads")?;
    let threads = pool.current_num_threads();
    let bar = (!a.no_progress && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(0);
        if let Ok(st) = indicatif::ProgressStyle::with_template(
            "{spinner} split {pos}/{len} [{bar:30}] {elapsed}",
        ) {
            b.set_style(st);
        }
        b
    });
    let progress = |done: usize, total: usize| {
        if let Some(b) = &bar {
            b.set_length(total as u64);
            b.set_position(done as u64);
        }
    };
    let rep = pool.install(|| aaiti_walkforward::pipeline::run(&cfg, &wf, &trials, progress))?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    let mut text = if a.json {
        serde_json::to_string_pretty(&rep)?
    } else {
        let mut t = rep.table();
        use std::fmt::Write as _;
        if rep.leaking_rows == 0 {
            let _ = writeln!(t, "audit: no training label overlaps a test window");
        } else {
            let _ = writeln!(
                t,
                "audit: {} training rows have labels overlapping a test window (purge = false)",
                rep.leaking_rows
            );
        }
        let _ = write!(
            t,
            "ran {} splits on {threads} threads in {secs:.1} s",
            rep.report.summary.n_splits
        );
        t
    };
    if let Some(dir) = &a.out {
        let files = rep.write(dir)?;
        if !a.json {
            use std::fmt::Write as _;
            let _ = write!(text, "\nwrote {} files to {}", files.len(), dir.display());
        }
    }
    if let Some(reg) = &registry {
        let id = record(reg, &rep, a)?;
        if !a.json {
            use std::fmt::Write as _;
            let _ = write!(
                text,
                "\nrecorded run {id} ({} fold runs, {} earlier trials used for the DSR) in {}",
                rep.report.summary.n_splits,
                trials.len(),
                a.registry
            );
        }
    }
    #[allow(clippy::print_stdout, reason = "the CLI's output")]
    {
        println!("{text}");
    }
    Ok(())
}

fn plan(a: &PlanArgs) -> anyhow::Result<()> {
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
    let mut sp = splits(a, n, ts.as_deref())?;
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
