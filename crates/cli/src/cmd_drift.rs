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
    /// (0-based, river's convention) and, for ddm/eddm/hddm_a/hddm_w, the warning indices (an
    /// index can be in both, as river's two flags).
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
    /// Test: ks (scipy ks_2samp, method auto), psi (bins at the reference deciles,
    /// np.quantile linear, empty bins 1e-4), psi-evidently, wasserstein (scipy
    /// wasserstein_distance / max(np.std(reference), 0.001)), js (scipy jensenshannon, natural
    /// log, over psi's bins), chi2.
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
    /// Registered model as NAME@VERSION: compare its features on --input against its own
    /// training-time reference period, monitor its realised hit rate, and write the result
    /// into the registry's drift fields. Exit code 0 = stable, 1 = drift, 2 = error.
    #[arg(long)]
    model: Option<String>,
    /// Registry URL for --model (as `aaiti train`): sqlite://path.db, postgres://..., memory.
    #[arg(long, default_value = "sqlite://aaiti-registry.db")]
    registry: String,
    /// With --model: the bars the model was trained on (default: the path in its manifest). They
    /// must reproduce the model's data fingerprint.
    #[arg(long)]
    reference_data: Option<PathBuf>,
    /// With --model: which period of the training data is the reference: train, validation, test.
    #[arg(long, default_value = "validation")]
    reference_period: String,
    /// With --model: test per feature (ks, psi, psi-evidently, wasserstein, js, chi2).
    #[arg(long, default_value = "ks")]
    test: String,
    /// With --model: correction across features for p-value tests: none, bonferroni, holm, bh.
    #[arg(long, default_value = "bh")]
    correction: String,
    /// With --model: significance level of p-value tests.
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// With --model: threshold of distance tests.
    #[arg(long, default_value_t = 0.1)]
    threshold: f64,
    /// With --model: hit-rate monitor (the seed's rule: window 20, 5% relative below the
    /// validation accuracy) must see this many bad windows in a row (1 = the bare seed rule).
    #[arg(long, default_value_t = 3)]
    consecutive: usize,
    /// With --model: actor recorded in the registry.
    #[arg(long, default_value = "aaiti-cli")]
    user: String,
    /// Reference bars CSV (e.g. the model's validation period), without --model.
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
pub(crate) fn emit(text: &str) {
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

pub(crate) fn parse_test(name: &str) -> anyhow::Result<FeatureTest> {
    Ok(match name {
        "ks" => FeatureTest::Ks,
        "psi" => FeatureTest::Psi(Binning::default()),
        "psi-evidently" => FeatureTest::Psi(Binning::EvidentlyCompatible),
        "wasserstein" => FeatureTest::Wasserstein,
        "js" => FeatureTest::JensenShannon(Binning::default()),
        "chi2" => FeatureTest::ChiSquared,
        other => bail!(
            "unknown --test {other:?}; expected ks, psi, psi-evidently, wasserstein, js, chi2"
        ),
    })
}

pub(crate) fn parse_correction(name: &str) -> anyhow::Result<Correction> {
    Ok(match name {
        "none" => Correction::None,
        "bonferroni" => Correction::Bonferroni,
        "holm" => Correction::Holm,
        "bh" | "fdr" => Correction::BenjaminiHochberg,
        other => bail!("unknown --correction {other:?}; expected none, bonferroni, holm, bh"),
    })
}

fn compare(a: &CompareArgs) -> anyhow::Result<()> {
    let test = parse_test(&a.test)?;
    let correction = parse_correction(&a.correction)?;
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

fn check(a: &CheckArgs) -> anyhow::Result<bool> {
    if let Some(m) = &a.model {
        return model_check::check_model(
            m,
            &model_check::ModelCheckArgs {
                registry: &a.registry,
                input: &a.input,
                reference_data: a.reference_data.as_deref(),
                reference_period: &a.reference_period,
                test: parse_test(&a.test)?,
                correction: parse_correction(&a.correction)?,
                alpha: a.alpha,
                threshold: a.threshold,
                consecutive: a.consecutive,
                user: &a.user,
                json: a.json,
            },
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
    Ok(false)
}

/// Runs the subcommand. Exit code: 0, or 1 when `check --model` finds drift (errors: 2, from
/// `main`).
pub(crate) fn run(cmd: Command) -> anyhow::Result<std::process::ExitCode> {
    let drift = match &cmd.action {
        Action::Stream(a) => stream(a).map(|()| false),
        Action::Compare(a) => compare(a).map(|()| false),
        Action::Check(a) => check(a),
    }?;
    Ok(if drift {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// `aaiti drift check --model NAME@VERSION`: the registry integration.
///
/// Reference distribution: the bundle stores no feature sample, but it stores the data
/// fingerprint (SHA-256 of the bars and the train/validation/test time ranges) and the full
/// training config. The reference is therefore *recomputed*: the training bars are loaded (the
/// manifest's path or `--reference-data`), the training pipeline's own `prepare` rebuilds the
/// dataset, the rebuilt fingerprint must equal the stored one (otherwise: error, no silent
/// mismatch), and the rows of the chosen period (default: validation, where the baseline
/// accuracy comes from) are the reference. Nothing is added to the bundle format.
pub(crate) mod model_check {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;

    use aaiti_drift::{
        AlarmKind, Correction, DriftDetector, DriftEvent, DriftFields, DriftHandler, DriftSink,
        Explanation, FeatureMonitor, FeatureTest, MonitorConfig, PerformanceMonitor,
        PerformanceMonitorConfig, RetrainRequest, RetrainTrigger, top_feature_shifts,
    };
    use aaiti_registry::{
        DriftState, Model, ModelPatch, ModelRegistry, NewEvent, PerformanceRecord, WriteOptions,
    };
    use aaiti_training::{EvalMetrics, TrainedModel};
    use anyhow::{Context, bail};

    use super::emit;

    /// Options of the model check.
    #[derive(Debug)]
    pub(crate) struct ModelCheckArgs<'a> {
        pub(crate) registry: &'a str,
        pub(crate) input: &'a Path,
        pub(crate) reference_data: Option<&'a Path>,
        pub(crate) reference_period: &'a str,
        pub(crate) test: FeatureTest,
        pub(crate) correction: Correction,
        pub(crate) alpha: f64,
        pub(crate) threshold: f64,
        pub(crate) consecutive: usize,
        pub(crate) user: &'a str,
        pub(crate) json: bool,
    }

    /// [`DriftSink`] over the model registry: drift fields via `update_model`, performance via
    /// `record_performance`, retrain requests as `model.retrain_requested` audit events (a job
    /// record the training pipeline can pick up with an event query).
    #[derive(Debug)]
    pub(crate) struct RegistrySink {
        reg: Arc<dyn ModelRegistry>,
        model: Model,
        actor: String,
        /// Retrain requests emitted (for the report).
        pub(crate) requests: Vec<RetrainRequest>,
    }

    fn backend(e: impl std::fmt::Display) -> aaiti_drift::Error {
        aaiti_drift::Error::Numerical {
            what: "registry",
            detail: e.to_string(),
        }
    }

    fn parse_time(at: &str) -> aaiti_drift::Result<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| backend(format!("time {at:?}: {e}")))
    }

    impl RegistrySink {
        fn check(&self, model: &str, version: &str) -> aaiti_drift::Result<()> {
            if model == self.model.name && version == self.model.version.to_string() {
                Ok(())
            } else {
                Err(backend(format!(
                    "sink is bound to {}@{}, got {model}@{version}",
                    self.model.name, self.model.version
                )))
            }
        }
        fn opts(&self, reason: &str) -> WriteOptions {
            WriteOptions {
                actor: Some(self.actor.clone()),
                reason: Some(reason.to_string()),
                ..WriteOptions::default()
            }
        }
    }

    impl DriftSink for RegistrySink {
        fn auto_retrain_enabled(&self, model: &str, version: &str) -> aaiti_drift::Result<bool> {
            self.check(model, version)?;
            let m = self.reg.get_model(self.model.id).map_err(backend)?;
            Ok(m.drift.auto_retrain_enabled)
        }
        fn set_drift_fields(
            &mut self,
            model: &str,
            version: &str,
            fields: &DriftFields,
        ) -> aaiti_drift::Result<()> {
            self.check(model, version)?;
            let current = self.reg.get_model(self.model.id).map_err(backend)?;
            let patch = ModelPatch {
                drift: Some(DriftState {
                    detected: fields.drift_detected,
                    detected_at: Some(parse_time(&fields.drift_detected_at)?),
                    metrics: serde_json::to_value(&fields.drift_metrics).map_err(backend)?,
                    auto_retrain_enabled: current.drift.auto_retrain_enabled,
                }),
                ..ModelPatch::default()
            };
            self.model = self
                .reg
                .update_model(self.model.id, patch, self.opts("aaiti drift check"))
                .map_err(backend)?;
            Ok(())
        }
        fn append_performance(
            &mut self,
            model: &str,
            version: &str,
            at: &str,
            metrics: &BTreeMap<String, f64>,
        ) -> aaiti_drift::Result<()> {
            self.check(model, version)?;
            let rec = PerformanceRecord {
                at: parse_time(at)?,
                accuracy: metrics.get("accuracy").copied(),
                drift_score: metrics.get("drift_score").copied(),
                alert: metrics
                    .get("drift")
                    .filter(|v| **v > 0.0)
                    .map(|_| "drift".to_string()),
                ..PerformanceRecord::default()
            };
            self.reg
                .record_performance(self.model.id, &[rec])
                .map_err(backend)
        }
        fn request_retrain(&mut self, request: &RetrainRequest) -> aaiti_drift::Result<()> {
            self.check(&request.model, &request.version)?;
            self.reg
                .append_event(NewEvent {
                    actor: self.actor.clone(),
                    action: "model.retrain_requested".into(),
                    entity_kind: "model".into(),
                    entity_id: self.model.id.to_string(),
                    before: None,
                    after: Some(serde_json::to_value(request).map_err(backend)?),
                    reason: Some(request.reason.message.clone()),
                })
                .map_err(backend)?;
            self.requests.push(request.clone());
            Ok(())
        }
    }

    /// Runs the check; `Ok(true)` when drift was found.
    pub(crate) fn check_model(spec: &str, a: &ModelCheckArgs<'_>) -> anyhow::Result<bool> {
        let Some((name, version)) = spec.split_once('@') else {
            bail!("--model {spec:?}: expected NAME@VERSION")
        };
        let reg = crate::registry_url::open_registry(a.registry)?.context(
            "drift check --model needs a registry (--registry sqlite://... or postgres://...)",
        )?;
        let model = reg
            .meta()
            .get_model_version(name, version)
            .with_context(|| format!("looking up {spec} in {}", a.registry))?;
        let bundle = TrainedModel::load_from_registry(&reg, model.id)
            .with_context(|| format!("loading the trained bundle of {spec}"))?;
        let man = bundle.manifest();

        // --- reference: rebuild the training dataset and check its fingerprint
        let mut cfg = man.config.clone();
        if let Some(p) = a.reference_data {
            cfg.data_source.path = p.to_path_buf();
        }
        let ref_bars = aaiti_training::load_bars(&cfg).with_context(|| {
            format!(
                "loading the training bars {} (override with --reference-data)",
                cfg.data_source.path.display()
            )
        })?;
        let prepared = aaiti_training::prepare(&cfg, ref_bars)?;
        if prepared.fingerprint.combined_sha256 != man.fingerprint.combined_sha256 {
            bail!(
                "the reference data {} does not reproduce {spec}'s data fingerprint \
                 (bars sha256 {} vs {} in the manifest); pass the bars it was trained on with --reference-data",
                cfg.data_source.path.display(),
                prepared.fingerprint.bars_sha256,
                man.fingerprint.bars_sha256
            );
        }
        let period = match a.reference_period {
            "train" => &man.fingerprint.train,
            "validation" => &man.fingerprint.validation,
            "test" => &man.fingerprint.test,
            other => bail!("--reference-period {other:?}: expected train, validation or test"),
        };
        let ds = &prepared.dataset;
        let rows: Vec<usize> = ds
            .timestamps()
            .iter()
            .enumerate()
            .filter(|(_, t)| **t >= period.first && **t <= period.last)
            .map(|(i, _)| i)
            .collect();
        let names = man.feature_names.clone();

        // --- current: the model's features on the new bars
        let new_bars = aaiti_core::read_csv_path(a.input)
            .with_context(|| format!("reading {}", a.input.display()))?;
        let (cur_names, x) = aaiti_training::compute_features(&new_bars, &cfg.features.indicators)?;
        if cur_names != names {
            bail!("feature names of the new bars {cur_names:?} differ from the model's {names:?}");
        }
        let complete: Vec<usize> = (0..x.nrows())
            .filter(|&i| x.row(i).iter().all(|v| v.is_finite()))
            .collect();
        if complete.is_empty() {
            bail!(
                "{}: no bar has complete features (too few bars for the indicators' warm-up)",
                a.input.display()
            );
        }
        let ref_x = ds.features().select(ndarray::Axis(0), &rows);
        let cur_x = x.select(ndarray::Axis(0), &complete);
        let mon = FeatureMonitor::new(
            names.clone(),
            ref_x.view(),
            MonitorConfig {
                test: a.test,
                alpha: a.alpha,
                correction: a.correction,
                distance_threshold: a.threshold,
            },
        )?;
        let report = mon.check(&names, cur_x.view())?;
        let data_drift = report.n_drifted() > 0;

        // --- performance: realised hit rate, when the new bars carry labels (needs enough bars
        // for the pipeline's split; otherwise the check is features only)
        let baseline = match &man.metrics.validation {
            EvalMetrics::Classification(c) => c.accuracy,
            EvalMetrics::Regression(r) => r.directional_accuracy,
        };
        let perf = match aaiti_training::prepare(&cfg, new_bars.clone()) {
            Ok(p) => {
                let d = &p.dataset;
                let pred = bundle.predict_features(d.features())?;
                let warm = d.n_rows() - pred.len();
                let labels = d.labels();
                let classification = man.classes.is_some();
                let hits: Vec<f64> = pred
                    .iter()
                    .zip(labels.iter().skip(warm))
                    .map(|(&p, &y)| {
                        let hit = if classification {
                            p == y
                        } else {
                            (p > 0.0) == (y > 0.0)
                        };
                        if hit { 1.0 } else { 0.0 }
                    })
                    .collect();
                let mut pm = PerformanceMonitor::new(PerformanceMonitorConfig {
                    consecutive: a.consecutive,
                    ..PerformanceMonitorConfig::seed_rule(baseline)
                })?;
                let mut first_drift = None;
                let mut n_drifts = 0usize;
                for (i, &h) in hits.iter().enumerate() {
                    if pm.update(h)?.is_drift() {
                        n_drifts += 1;
                        first_drift.get_or_insert(i);
                    }
                }
                let rate = hits.iter().sum::<f64>() / hits.len().max(1) as f64;
                Some((hits.len(), rate, n_drifts, first_drift))
            }
            Err(e) => {
                tracing::warn!("no realised labels on {}: {e}", a.input.display());
                None
            }
        };
        let perf_drift = perf.is_some_and(|(_, _, n, _)| n > 0);
        let drift = data_drift || perf_drift;

        // --- registry side effects
        let now = aaiti_core::clock::Clock::now(&aaiti_core::clock::SystemClock).to_rfc3339();
        let ref_x = ds.features().select(ndarray::Axis(0), &rows);
        let cur_x = x.select(ndarray::Axis(0), &complete);
        let top = top_feature_shifts(&names, ref_x.view(), cur_x.view(), 5)?;
        let max_stat = report
            .features
            .iter()
            .map(|f| f.statistic)
            .fold(f64::NAN, f64::max);
        let mut metrics = BTreeMap::new();
        metrics.insert("drift_score".to_string(), max_stat);
        metrics.insert("features_drifted".to_string(), report.n_drifted() as f64);
        metrics.insert("drift".to_string(), if drift { 1.0 } else { 0.0 });
        if let Some((n, rate, _, _)) = perf {
            metrics.insert("accuracy".to_string(), rate);
            metrics.insert("n_labelled".to_string(), n as f64);
        }
        metrics.insert("baseline_accuracy".to_string(), baseline);
        let mut sink = RegistrySink {
            reg: reg.meta().clone(),
            model: model.clone(),
            actor: a.user.to_string(),
            requests: Vec::new(),
        };
        let version = model.version.to_string();
        if drift {
            let (source, kind, statistic, threshold, window, n) = if data_drift {
                (
                    format!("feature_{}", report.test),
                    AlarmKind::DataDrift,
                    max_stat,
                    a.threshold,
                    report.n_current,
                    report.n_current as u64,
                )
            } else {
                let (n, rate, _, _) = perf.unwrap_or_default();
                (
                    "hit_rate_seed_rule".to_string(),
                    AlarmKind::ModelDegradation,
                    rate,
                    baseline * 0.95,
                    20,
                    n as u64,
                )
            };
            let message = format!(
                "{} of {} features drifted ({} {:?}); realised hit rate {}",
                report.n_drifted(),
                report.features.len(),
                report.test,
                report.correction,
                perf.map_or("unknown (no labels)".to_string(), |(n, r, k, _)| format!(
                    "{r:.4} over {n} bars vs baseline {baseline:.4}, {k} monitor alarm(s)"
                ))
            );
            let event = DriftEvent {
                model: model.name.clone(),
                version: version.clone(),
                at: now.clone(),
                explanation: Explanation {
                    source,
                    kind,
                    statistic,
                    threshold,
                    window,
                    n,
                    top_features: top,
                    regime: None,
                    message,
                },
                metrics: metrics.clone(),
            };
            let mut trigger = RetrainTrigger::new(sink);
            trigger.on_drift(&event)?;
            sink = trigger.into_sink();
        } else {
            sink.append_performance(&model.name, &version, &now, &metrics)?;
        }

        if a.json {
            emit(&serde_json::to_string_pretty(&serde_json::json!({
                "model": format!("{}@{}", model.name, version),
                "drift": drift,
                "data_drift": data_drift,
                "performance_drift": perf_drift,
                "reference_period": a.reference_period,
                "n_reference": report.n_reference,
                "n_current": report.n_current,
                "features": report,
                "hit_rate": perf.map(|(n, r, k, f)| serde_json::json!({
                    "n": n, "rate": r, "baseline": baseline, "alarms": k, "first_alarm": f,
                })),
                "retrain_requested": !sink.requests.is_empty(),
            }))?);
        } else {
            emit(&format!(
                "{}@{}: {} of {} features drifted ({} {:?}, reference = {} period, n_ref = {}, n_cur = {})",
                model.name,
                version,
                report.n_drifted(),
                report.features.len(),
                report.test,
                report.correction,
                a.reference_period,
                report.n_reference,
                report.n_current
            ));
            for f in &report.features {
                emit(&format!(
                    "  {:<24} stat {:>10.5}  p_adj {:>10}  {}",
                    f.name,
                    f.statistic,
                    f.adjusted_pvalue.map_or("-".into(), |p| format!("{p:.3e}")),
                    if f.drifted { "DRIFT" } else { "ok" }
                ));
            }
            match perf {
                Some((n, r, k, first)) => emit(&format!(
                    "hit rate {r:.4} over {n} labelled bars vs validation accuracy {baseline:.4}: {k} alarm(s) of the seed rule ({} bad windows in a row){}",
                    a.consecutive,
                    first.map_or(String::new(), |i| format!(", first at bar {i}"))
                )),
                None => emit("hit rate: no realised labels in the new bars"),
            }
            emit(&format!(
                "{}{}",
                if drift { "DRIFT" } else { "stable" },
                if sink.requests.is_empty() {
                    ""
                } else {
                    " (retrain requested: auto_retrain_enabled)"
                }
            ));
        }
        Ok(drift)
    }
}
