//! The training pipeline: bars → features → labels → purged chronological split → scaler
//! (train only) → fit with progress and early stopping → evaluation → backtest → importance →
//! [`TrainedModel`].

use std::io::IsTerminal as _;

use aaiti_core::{Bars, CsvOptions, Dataset};
use aaiti_features::labels::{self, Labels, TripleBarrier};
use aaiti_features::scaler::Scaler;
use aaiti_models::{
    AnyModel, Control, EpochHook, EpochReport, ModelSpec, Predict as _, PredictProba as _,
    TrainData,
};
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array1, Array2, ArrayView2, Axis, s};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::backtest::{BacktestResult, backtest, positions_from_proba, positions_from_returns};
use crate::bundle::{Manifest, TrainedModel};
use crate::classification::ClassificationReport;
use crate::config::{ClassMapping, EarlyStopping, LabelKind, TaskType, TrainConfig};
use crate::error::{Error, Result};
use crate::importance::{FeatureScore, permutation_importance};
use crate::regression::RegressionReport;
use crate::split::{SliceTimes, SplitReport, purged_split};
use crate::trading::periods_per_year;

/// When to draw the indicatif progress bar (tracing events are always emitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    #[default]
    Auto,
    /// Never.
    Never,
}

/// Pipeline options that are not part of the model's definition.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Progress bar.
    pub progress: ProgressMode,
}

/// Computes the configured indicators over `bars`: column names are the spec strings (plus
/// `.output` for multi-output indicators).
///
/// # Errors
/// An unknown indicator or bad parameters ([`Error::Features`]).
pub fn compute_features(bars: &Bars, specs: &[String]) -> Result<(Vec<String>, Array2<f64>)> {
    let mut names = Vec::new();
    let mut cols: Vec<Array1<f64>> = Vec::new();
    for spec in specs {
        let (func, params) = aaiti_features::Params::parse_spec(spec)?;
        let ind = aaiti_features::indicator(&func, &params)?;
        let out = aaiti_features::batch_dyn(ind.as_ref(), bars);
        let outs = ind.output_names();
        for (j, col) in out.axis_iter(Axis(1)).enumerate() {
            names.push(if outs.len() == 1 {
                spec.clone()
            } else {
                format!("{spec}.{}", outs.get(j).map_or("?", String::as_str))
            });
            cols.push(col.to_owned());
        }
    }
    let mut x = Array2::<f64>::zeros((bars.len(), cols.len()));
    for (j, c) in cols.iter().enumerate() {
        x.column_mut(j).assign(c);
    }
    Ok((names, x))
}

/// SHA-256 (hex) of the bars: each bar's timestamp (seconds, i64 LE) and open, high, low, close,
/// volume (f64 bits, LE), in order.
#[must_use]
pub fn bars_sha256(bars: &Bars) -> String {
    let mut h = Sha256::new();
    let (o, hi, lo, c, v) = (
        bars.open(),
        bars.high(),
        bars.low(),
        bars.close(),
        bars.volume(),
    );
    for (i, t) in bars.timestamps().iter().enumerate() {
        h.update(t.timestamp().to_le_bytes());
        h.update(t.timestamp_subsec_nanos().to_le_bytes());
        for col in [&o, &hi, &lo, &c, &v] {
            h.update(
                col.get(i)
                    .copied()
                    .unwrap_or(f64::NAN)
                    .to_bits()
                    .to_le_bytes(),
            );
        }
    }
    hex::encode(h.finalize())
}

/// What the training data was: the bars' hash and the time range of every slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFingerprint {
    /// [`bars_sha256`] of the input bars.
    pub bars_sha256: String,
    /// Number of input bars.
    pub n_bars: usize,
    /// First and last bar times.
    pub bars_range: (DateTime<Utc>, DateTime<Utc>),
    /// Training slice times.
    pub train: SliceTimes,
    /// Validation slice times.
    pub validation: SliceTimes,
    /// Test slice times.
    pub test: SliceTimes,
    /// SHA-256 of `bars_sha256` and the three slices' times (one id for the whole data setup).
    pub combined_sha256: String,
}

/// The features, labels and split the model is trained on (before scaling).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Input bars.
    pub bars: Bars,
    /// Usable rows: features complete and label known (unscaled features, encoded labels).
    pub dataset: Dataset,
    /// Bar index of each dataset row.
    pub bar_index: Vec<usize>,
    /// The split.
    pub split: SplitReport,
    /// Rows dropped before splitting: feature warm-up at the start, unknown labels at the end.
    pub dropped_warmup: usize,
    /// Rows without a known label (the last `horizon` bars).
    pub dropped_unlabelled: usize,
    /// The fingerprint.
    pub fingerprint: DataFingerprint,
}

fn make_labels(cfg: &TrainConfig, bars: &Bars) -> Result<Labels> {
    let l = &cfg.label;
    Ok(match l.kind {
        LabelKind::Direction => labels::fixed_horizon(bars, l.horizon, l.threshold, l.return_kind)?,
        LabelKind::ForwardReturn => labels::forward_return(bars, l.horizon, l.return_kind)?,
        LabelKind::TripleBarrier => {
            let tb = TripleBarrier {
                horizon: l.horizon,
                profit_take: l.profit_take,
                stop_loss: l.stop_loss,
                vol_window: l.vol_window,
                ..TripleBarrier::default()
            };
            labels::triple_barrier(bars, &tb)?.labels
        }
    })
}

/// Encodes a −1 / 0 / +1 label as a class per [`ClassMapping`].
fn encode(v: f64, m: ClassMapping) -> f64 {
    match m {
        ClassMapping::Binary => {
            if v > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        ClassMapping::Ternary => {
            if v > 0.0 {
                2.0
            } else if v < 0.0 {
                0.0
            } else {
                1.0
            }
        }
    }
}

/// Loads the bars named by the config (and keeps the last `last_n_bars`).
///
/// # Errors
/// I/O or validation errors from aaiti-core; a timeframe different from the config's.
pub fn load_bars(cfg: &TrainConfig) -> Result<Bars> {
    let loaded = aaiti_core::read_csv(&cfg.data_source.path, &CsvOptions::default())?;
    if !loaded.report.is_empty() {
        tracing::warn!(report = ?loaded.report, "bars were repaired while loading");
    }
    let mut bars = loaded.bars.with_symbol(cfg.data_source.symbol.clone());
    if let Some(n) = cfg.data_source.last_n_bars {
        let len = bars.len();
        bars = bars.slice(len.saturating_sub(n)..len);
    }
    Ok(bars)
}

/// Features, labels and the purged split of `bars` (no model involved).
///
/// # Errors
/// Bad indicators or labels, a timeframe mismatch, a non-finite feature inside the usable rows,
/// or a slice left empty.
pub fn prepare(cfg: &TrainConfig, bars: Bars) -> Result<Prepared> {
    if let Some(tf) = bars.timeframe()
        && tf != cfg.data_source.timeframe
    {
        {
            return Err(crate::error::value_err(
                "data_source.timeframe",
                cfg.data_source.timeframe,
                &format!("the timeframe of the data ({tf})"),
            ));
        }
    }
    let (names, x) = compute_features(&bars, &cfg.features.indicators)?;
    let lab = make_labels(cfg, &bars)?;
    let n = bars.len();
    let first = (0..n)
        .find(|&i| x.row(i).iter().all(|v| v.is_finite()))
        .ok_or_else(|| {
            Error::Data(format!(
                "no bar has all {} features defined ({n} bars)",
                names.len()
            ))
        })?;
    let last = (0..n)
        .rev()
        .find(|&i| lab.end_index().get(i).is_some_and(Option::is_some))
        .ok_or_else(|| Error::Data(format!("no bar has a known label ({n} bars)")))?;
    if last < first {
        return Err(Error::Data(format!(
            "features are complete from bar {first} but labels are known only up to bar {last}"
        )));
    }
    let ts_all = bars.timestamps();
    let mut ts = Vec::with_capacity(last + 1 - first);
    let mut ends = Vec::with_capacity(last + 1 - first);
    let mut y = Vec::with_capacity(last + 1 - first);
    for i in first..=last {
        if let Some((j, v)) = x.row(i).iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::Data(format!(
                "feature `{}` is {v} at bar {i} ({}) inside the usable rows; nothing is dropped silently",
                names.get(j).map_or("?", String::as_str),
                ts_all.get(i).map_or_else(String::new, ToString::to_string)
            )));
        }
        let (Some(&t), Some(Some(e)), Some(&v)) =
            (ts_all.get(i), lab.end_time().get(i), lab.values().get(i))
        else {
            return Err(Error::Data(format!(
                "label of bar {i} is unknown inside the usable rows"
            )));
        };
        ts.push(t);
        ends.push(*e);
        y.push(match cfg.task {
            TaskType::Classification => encode(v, cfg.label.classes),
            TaskType::Regression => v,
        });
    }
    let feats = x.slice(s![first..=last, ..]).to_owned();
    let dataset = Dataset::new(ts, names, feats, Array1::from(y), ends)?;
    let sc = &cfg.split;
    let split = purged_split(
        dataset.timestamps(),
        dataset.label_end(),
        (sc.train, sc.validation, sc.test),
        sc.embargo,
    )?;
    let times = |r: &std::ops::Range<usize>| {
        SliceTimes::of(r, dataset.timestamps(), dataset.label_end())
            .ok_or_else(|| Error::Data("empty slice".into()))
    };
    let (tr, va, te) = (
        times(&split.train)?,
        times(&split.validation)?,
        times(&split.test)?,
    );
    let bars_hash = bars_sha256(&bars);
    let mut h = Sha256::new();
    h.update(bars_hash.as_bytes());
    for st in [&tr, &va, &te] {
        h.update(st.first.to_rfc3339().as_bytes());
        h.update(st.last.to_rfc3339().as_bytes());
    }
    let fingerprint = DataFingerprint {
        bars_sha256: bars_hash,
        n_bars: n,
        bars_range: (
            ts_all.first().copied().unwrap_or_default(),
            ts_all.last().copied().unwrap_or_default(),
        ),
        train: tr,
        validation: va,
        test: te,
        combined_sha256: hex::encode(h.finalize()),
    };
    Ok(Prepared {
        bar_index: (first..=last).collect(),
        dropped_warmup: first,
        dropped_unlabelled: n - 1 - last,
        dataset,
        split,
        fingerprint,
        bars,
    })
}

/// One epoch of a network's training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// Epoch (from 0).
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss.
    pub valid_loss: Option<f64>,
}

/// How the fit went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FitLog {
    /// Per-epoch losses (empty for linfa models, which have no epochs).
    pub epochs: Vec<EpochLog>,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
    /// Best epoch (lowest validation loss) whose weights were kept.
    pub best_epoch: Option<usize>,
}

/// The epoch hook: progress bar, tracing events and early stopping with `min_delta`.
struct Hook {
    bar: Option<ProgressBar>,
    es: Option<EarlyStopping>,
    best: f64,
    since: usize,
    log: FitLog,
}

impl EpochHook for Hook {
    fn on_epoch(&mut self, r: &EpochReport) -> Control {
        tracing::info!(
            epoch = r.epoch,
            epochs = r.epochs,
            train_loss = r.train_loss,
            valid_loss = r.valid_loss,
            best_epoch = r.best_epoch,
            "epoch finished"
        );
        if let Some(b) = &self.bar {
            b.set_length(r.epochs as u64);
            b.set_position(r.epoch as u64 + 1);
            b.set_message(format!(
                "loss {:.5} val {}",
                r.train_loss,
                r.valid_loss
                    .map_or_else(|| "-".into(), |v| format!("{v:.5}"))
            ));
        }
        self.log.epochs.push(EpochLog {
            epoch: r.epoch,
            train_loss: r.train_loss,
            valid_loss: r.valid_loss,
        });
        self.log.best_epoch = Some(r.best_epoch);
        let Some(es) = self.es else {
            return Control::Continue;
        };
        let monitored = r.valid_loss.unwrap_or(r.train_loss);
        if monitored < self.best - es.min_delta {
            self.best = monitored;
            self.since = 0;
        } else {
            self.since += 1;
            if self.since >= es.patience {
                tracing::info!(epoch = r.epoch, best_epoch = r.best_epoch, "early stopping");
                self.log.stopped_early = true;
                return Control::Stop;
            }
        }
        Control::Continue
    }
}

/// The evaluation of one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum EvalMetrics {
    /// Classifier metrics.
    Classification(Box<ClassificationReport>),
    /// Regressor metrics.
    Regression(RegressionReport),
}

/// Every metric of a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// On the validation slice.
    pub validation: EvalMetrics,
    /// On the test slice.
    pub test: EvalMetrics,
    /// Backtest of the model's test-slice signals.
    pub trading: crate::trading::TradingMetrics,
    /// Buy-and-hold over the same bars (same costs), for comparison.
    pub buy_and_hold: crate::trading::TradingMetrics,
}

/// Predictions of `model` on scaled rows, aligned with the last `n − warmup` rows.
pub(crate) fn evaluate(
    model: &AnyModel,
    task: TaskType,
    x: ArrayView2<'_, f64>,
    y: &[f64],
) -> Result<(EvalMetrics, Array1<f64>, Option<Array2<f64>>)> {
    let pred = model.predict(x)?;
    let w = model.warmup();
    let yt = y.get(w..).unwrap_or(&[]);
    Ok(match task {
        TaskType::Classification => {
            let proba = model.predict_proba(x)?;
            let rows: Vec<Vec<f64>> = proba.outer_iter().map(|r| r.to_vec()).collect();
            let classes = model.class_labels().unwrap_or(&[]).to_vec();
            let rep = ClassificationReport::new(
                yt,
                pred.as_slice().unwrap_or(&pred.to_vec()),
                Some((&rows, &classes)),
            )
            .or_else(|e| {
                // e.g. a class of the slice the model never saw in training: log loss and
                // ROC AUC are undefined, the label-based metrics are still computed
                tracing::warn!(error = %e, "probability metrics skipped");
                ClassificationReport::new(yt, &pred.to_vec(), None)
            })?;
            (
                EvalMetrics::Classification(Box::new(rep)),
                pred,
                Some(proba),
            )
        }
        TaskType::Regression => (
            EvalMetrics::Regression(RegressionReport::new(yt, &pred.to_vec())?),
            pred,
            None,
        ),
    })
}

/// The score used by permutation importance: accuracy (classifiers) or R² (regressors), as
/// scikit-learn's `estimator.score`.
pub(crate) fn score(
    model: &AnyModel,
    task: TaskType,
    x: ArrayView2<'_, f64>,
    y: &[f64],
) -> Result<f64> {
    let pred = model.predict(x)?.to_vec();
    let yt = y.get(model.warmup()..).unwrap_or(&[]);
    match task {
        TaskType::Classification => crate::classification::accuracy(yt, &pred),
        TaskType::Regression => crate::regression::r2(yt, &pred),
    }
}

/// The result of [`train`].
#[derive(Debug)]
pub struct TrainOutcome {
    /// The bundle.
    pub model: TrainedModel,
    /// The backtest of the test slice (per-bar series).
    pub backtest: BacktestResult,
    /// The prepared data (for inspection and tests).
    pub prepared: Prepared,
}

/// Runs the whole pipeline from the config's CSV file.
///
/// # Errors
/// Any step's error.
pub fn train(cfg: &TrainConfig, opts: &TrainOptions) -> Result<TrainOutcome> {
    let bars = load_bars(cfg)?;
    train_on_bars(cfg, bars, opts)
}

/// Runs the pipeline on given bars (the config's `data_source.path` is not read).
///
/// # Errors
/// Any step's error.
pub fn train_on_bars(cfg: &TrainConfig, bars: Bars, opts: &TrainOptions) -> Result<TrainOutcome> {
    cfg.validate()?;
    let spec: ModelSpec = cfg.effective_model()?;
    let prepared = prepare(cfg, bars)?;
    let ds = &prepared.dataset;
    let sp = &prepared.split;
    tracing::info!(
        rows = ds.n_rows(),
        features = ds.n_features(),
        train = ?sp.train, validation = ?sp.validation, test = ?sp.test,
        purged_train = sp.purged_train, purged_validation = sp.purged_validation,
        "data prepared"
    );
    let scaler = Scaler::fit_rows(cfg.features.scaler, ds, sp.train.clone())?;
    let xs = scaler.transform(ds.feature_names(), ds.features())?;
    let y = ds.labels().to_vec();
    let slice_x = |r: &std::ops::Range<usize>| xs.slice(s![r.clone(), ..]);
    let slice_y = |r: &std::ops::Range<usize>| y.get(r.clone()).unwrap_or(&[]).to_vec();
    let (ytr, yva, yte) = (
        slice_y(&sp.train),
        slice_y(&sp.validation),
        slice_y(&sp.test),
    );
    let ytr_a = Array1::from(ytr);
    let yva_a = Array1::from(yva.clone());
    let train_data = TrainData::new(slice_x(&sp.train), ytr_a.view())?;
    let valid_data = TrainData::new(slice_x(&sp.validation), yva_a.view())?;
    let bar = (opts.progress == ProgressMode::Auto && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(0);
        if let Ok(st) = ProgressStyle::with_template("{spinner} epoch {pos}/{len} [{bar:30}] {msg}")
        {
            b.set_style(st);
        }
        b
    });
    let mut hook = Hook {
        bar,
        es: cfg.training_params.early_stopping,
        best: f64::INFINITY,
        since: 0,
        log: FitLog::default(),
    };
    tracing::info!(model = spec.kind(), rows = train_data.n_rows(), "fitting");
    let model = spec.fit_with(&train_data, Some(&valid_data), &mut hook)?;
    if let Some(b) = &hook.bar {
        b.finish_and_clear();
    }
    let fit_log = hook.log;
    let (val_metrics, _, _) = evaluate(&model, cfg.task, slice_x(&sp.validation), &yva)?;
    let (test_metrics, pred, proba) = evaluate(&model, cfg.task, slice_x(&sp.test), &yte)?;
    tracing::info!(metrics = ?test_metrics, "test evaluation");
    // backtest over the bars of the predicted test rows
    let w = model.warmup();
    let rows: Vec<usize> = sp.test.clone().skip(w).collect();
    let bidx: Vec<usize> = rows
        .iter()
        .filter_map(|&r| prepared.bar_index.get(r).copied())
        .collect();
    let bars = &prepared.bars;
    let open: Vec<f64> = bidx
        .iter()
        .map(|&i| bars.open().get(i).copied().unwrap_or(f64::NAN))
        .collect();
    let close: Vec<f64> = bidx
        .iter()
        .map(|&i| bars.close().get(i).copied().unwrap_or(f64::NAN))
        .collect();
    let bt_cfg = cfg.backtest.to_config();
    let signals = match (&proba, model.class_labels()) {
        (Some(p), Some(classes)) if !classes.is_empty() => {
            let up = p.column(classes.len() - 1).to_vec();
            let down = p.column(0).to_vec();
            positions_from_proba(&up, &down, &bt_cfg)
        }
        _ => positions_from_returns(&pred.to_vec(), &bt_cfg),
    };
    let ppy = cfg
        .backtest
        .periods_per_year
        .unwrap_or_else(|| periods_per_year(cfg.data_source.timeframe, cfg.backtest.calendar));
    let bt = backtest(&signals, &open, &close, &bt_cfg, ppy)?;
    let hold = backtest(&vec![1.0; signals.len()], &open, &close, &bt_cfg, ppy)?;
    // permutation importance on the test slice
    let importance: Vec<FeatureScore> = if cfg.importance.n_repeats == 0 {
        Vec::new()
    } else {
        let block = w + 1;
        permutation_importance(
            slice_x(&sp.test),
            ds.feature_names(),
            cfg.importance.n_repeats,
            block,
            cfg.seed,
            |xp| score(&model, cfg.task, xp, &yte),
        )?
    };
    let manifest = Manifest::new(
        cfg.clone(),
        ds.feature_names().to_vec(),
        Metrics {
            validation: val_metrics,
            test: test_metrics,
            trading: bt.metrics.clone(),
            buy_and_hold: hold.metrics,
        },
        importance,
        prepared.fingerprint.clone(),
        prepared.split.clone(),
        fit_log,
        model.class_labels().map(<[f64]>::to_vec),
    );
    Ok(TrainOutcome {
        model: TrainedModel::new(model, scaler, manifest),
        backtest: bt,
        prepared,
    })
}
