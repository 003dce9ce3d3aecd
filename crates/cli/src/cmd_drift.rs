//! `aaiti drift`: streaming detectors over a value series, two-sample feature comparison, and a
//! returns-distribution check of new bars against reference bars.

use std::path::{Path, PathBuf};

use aaiti_drift::{
    Binning, Correction, FeatureMonitor, FeatureTest, MonitorConfig, VolatilityContext,
    build_detector, detect,
};
use anyhow::{Context, bail};

/// Arguments of `aaiti drift`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Run a streaming detector over one column of a CSV and print the detection indices
    /// (0-based, river's convention).
    Stream(StreamArgs),
    /// Compare the columns of a reference CSV with those of a current CSV.
    Compare(CompareArgs),
    /// Check new bars against reference bars: returns-distribution drift and volatility regime.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct StreamArgs {
    /// Detector: adwin, page_hinkley, ddm, eddm, hddm_a, hddm_w, kswin, kswin_seedfree,
    /// kswin_seeded, cusum.
    #[arg(long)]
    detector: String,
    /// Detector parameter as key=value (river's names), repeatable: --param delta=0.002.
    #[arg(long = "param")]
    params: Vec<String>,
    /// Input CSV (one value per row; a header row is detected automatically).
    #[arg(long)]
    input: PathBuf,
    /// Column name or 0-based index (default: the only column, or a column named "value").
    #[arg(long)]
    column: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// Reference CSV (columns = features, with a header).
    #[arg(long)]
    reference: PathBuf,
    /// Current CSV with the same columns.
    #[arg(long)]
    current: PathBuf,
    /// Test: ks, psi, psi-evidently, wasserstein, js, chi2.
    #[arg(long, default_value = "ks")]
    test: String,
    /// Correction across features for p-value tests: none, bonferroni, holm, bh.
    #[arg(long, default_value = "bh")]
    correction: String,
    /// Significance level for p-value tests.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Threshold for distances (PSI, Wasserstein, JS).
    #[arg(long, default_value_t = 0.1)]
    threshold: f64,
    /// Calibrate per-feature thresholds on the reference with windows of this many rows.
    #[arg(long)]
    calibrate_window: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Registered model as NAME@VERSION (needs the registry integration; not in this build).
    #[arg(long)]
    model: Option<String>,
    /// Reference bars CSV (e.g. the model's validation period).
    #[arg(long)]
    reference: Option<PathBuf>,
    /// New bars CSV.
    #[arg(long)]
    input: PathBuf,
    /// Volatility window (bars).
    #[arg(long, default_value_t = 50)]
    vol_window: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A parsed CSV: header names and numeric columns.
struct Table {
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

fn read_table(path: &Path) -> anyhow::Result<Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .peekable();
    let Some(&(_, first)) = lines.peek() else {
        bail!("{} is empty", path.display())
    };
    let first_cells: Vec<&str> = first.split(',').map(str::trim).collect();
    let has_header = first_cells.iter().any(|c| c.parse::<f64>().is_err());
    let names: Vec<String> = if has_header {
        lines.next();
        first_cells
            .iter()
            .map(|s| s.trim_matches('"').to_string())
            .collect()
    } else {
        (0..first_cells.len()).map(|i| format!("col{i}")).collect()
    };
    let mut columns = vec![Vec::new(); names.len()];
    for (lineno, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != names.len() {
            bail!(
                "{}:{}: expected {} fields, found {}",
                path.display(),
                lineno + 1,
                names.len(),
                cells.len()
            );
        }
        for (j, c) in cells.iter().enumerate() {
            let v: f64 = c.parse().with_context(|| {
                format!(
                    "{}:{}: column {:?}: not a number: {c:?}",
                    path.display(),
                    lineno + 1,
                    names[j]
                )
            })?;
            columns[j].push(v);
        }
    }
    Ok(Table { names, columns })
}

fn pick_column(t: &Table, column: Option<&str>) -> anyhow::Result<usize> {
    match column {
        Some(c) => {
            if let Some(i) = t.names.iter().position(|n| n == c) {
                return Ok(i);
            }
            let i: usize = c
                .parse()
                .with_context(|| format!("no column named {c:?} (have {:?})", t.names))?;
            if i >= t.names.len() {
                bail!(
                    "column index {i} out of range (have {} columns)",
                    t.names.len()
                );
            }
            Ok(i)
        }
        None if t.names.len() == 1 => Ok(0),
        None => t
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case("value"))
            .with_context(|| format!("several columns {:?}: choose one with --column", t.names)),
    }
}

#[allow(clippy::print_stdout, reason = "the CLI's output")]
fn emit(text: &str) {
    println!("{text}");
}

fn stream(a: &StreamArgs) -> anyhow::Result<()> {
    let mut kv = Vec::new();
    for p in &a.params {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected key=value"))?;
        kv.push((k.trim().to_string(), v.trim().to_string()));
    }
    let refs: Vec<(&str, &str)> = kv.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut det = build_detector(&a.detector, &refs)?;
    let t = read_table(&a.input)?;
    let j = pick_column(&t, a.column.as_deref())?;
    let d = detect(&mut det, &t.columns[j])?;
    if a.json {
        emit(&serde_json::to_string_pretty(&serde_json::json!({
            "detector": det.name(),
            "params": kv.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
            "n": t.columns[j].len(),
            "drifts": d.drifts,
            "warnings": d.warnings,
        }))?);
    } else {
        emit(&format!(
            "{}: {} values, {} drifts, {} warnings",
            det.name(),
            t.columns[j].len(),
            d.drifts.len(),
            d.warnings.len()
        ));
        emit(&format!("drift indices: {:?}", d.drifts));
        if !d.warnings.is_empty() {
            emit(&format!("warning indices: {:?}", d.warnings));
        }
    }
    Ok(())
}

fn compare(a: &CompareArgs) -> anyhow::Result<()> {
    let test = match a.test.as_str() {
        "ks" => FeatureTest::Ks,
        "psi" => FeatureTest::Psi(Binning::default()),
        "psi-evidently" => FeatureTest::Psi(Binning::EvidentlyCompatible),
        "wasserstein" => FeatureTest::Wasserstein,
        "js" => FeatureTest::JensenShannon(Binning::default()),
        "chi2" => FeatureTest::ChiSquared,
        other => bail!(
            "unknown --test {other:?}; expected ks, psi, psi-evidently, wasserstein, js, chi2"
        ),
    };
    let correction = match a.correction.as_str() {
        "none" => Correction::None,
        "bonferroni" => Correction::Bonferroni,
        "holm" => Correction::Holm,
        "bh" | "fdr" => Correction::BenjaminiHochberg,
        other => bail!("unknown --correction {other:?}; expected none, bonferroni, holm, bh"),
    };
    let r = read_table(&a.reference)?;
    let c = read_table(&a.current)?;
    let cfg = MonitorConfig {
        test,
        alpha: a.alpha,
        correction,
        distance_threshold: a.threshold,
    };
    let mut mon = FeatureMonitor::from_columns(r.names.clone(), &r.columns, cfg)?;
    if let Some(w) = a.calibrate_window {
        mon.calibrate(w, 0.99)?;
    }
    let rep = mon.check_columns(&c.names, &c.columns)?;
    if a.json {
        emit(&serde_json::to_string_pretty(&rep)?);
    } else {
        emit(&format!(
            "{} ({:?}{}): {} of {} features drifted; n_ref = {}, n_cur = {}",
            rep.test,
            rep.correction,
            if rep.calibrated { ", calibrated" } else { "" },
            rep.n_drifted(),
            rep.features.len(),
            rep.n_reference,
            rep.n_current
        ));
        for f in &rep.features {
            emit(&format!(
                "{:<24} stat {:>12.6}  p {:>10}  p_adj {:>10}  threshold {:>9.4}  {}",
                f.name,
                f.statistic,
                f.pvalue.map_or("-".into(), |p| format!("{p:.3e}")),
                f.adjusted_pvalue.map_or("-".into(), |p| format!("{p:.3e}")),
                f.threshold,
                if f.drifted { "DRIFT" } else { "ok" }
            ));
        }
    }
    Ok(())
}

fn log_returns(bars: &aaiti_core::Bars) -> Vec<f64> {
    let close = bars.close().to_vec();
    close.windows(2).map(|w| (w[1] / w[0]).ln()).collect()
}

fn check(a: &CheckArgs) -> anyhow::Result<()> {
    if let Some(m) = &a.model {
        bail!(
            "--model {m}: checking against a registered model needs the registry integration, which is not in this build; \
             pass --reference <validation bars.csv> instead"
        );
    }
    let reference = a
        .reference
        .as_ref()
        .context("give --reference <bars.csv> (the model's validation period)")?;
    let rb = aaiti_core::read_csv_path(reference)?;
    let nb = aaiti_core::read_csv_path(&a.input)?;
    let (rr, nr) = (log_returns(&rb), log_returns(&nb));
    let ks = aaiti_drift::ks_2samp(&rr, &nr, aaiti_drift::KsMethod::Auto)?;
    let psi = aaiti_drift::psi(&rr, &nr, Binning::default())?;
    let ctx = VolatilityContext::from_reference(&rr, a.vol_window, 1.5)?.classify(&nr)?;
    if a.json {
        emit(&serde_json::to_string_pretty(&serde_json::json!({
            "n_reference": rr.len(), "n_current": nr.len(),
            "ks": ks, "psi": psi, "regime": ctx,
        }))?);
    } else {
        emit(&format!(
            "returns: n_ref = {}, n_cur = {}",
            rr.len(),
            nr.len()
        ));
        emit(&format!(
            "KS D = {:.4}, p = {:.3e}; PSI = {psi:.4}",
            ks.statistic, ks.pvalue
        ));
        emit(&format!(
            "volatility: recent {:.3e} vs reference {:.3e} (ratio {:.2}, {:?}){}",
            ctx.current_vol,
            ctx.reference_vol,
            ctx.ratio,
            ctx.regime,
            if ctx.changed { ": REGIME CHANGE" } else { "" }
        ));
    }
    Ok(())
}

/// Runs the subcommand.
pub(crate) fn run(cmd: Command) -> anyhow::Result<()> {
    match &cmd.action {
        Action::Stream(a) => stream(a),
        Action::Compare(a) => compare(a),
        Action::Check(a) => check(a),
    }
}
