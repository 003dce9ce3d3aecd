//! # aaiti-training
//!
//! The config-driven training pipeline of aaiti, with the metrics the rest of the workspace
//! reuses (walk-forward, drift, lifecycle).
//!
//! * **Config** ([`TrainConfig`]): one TOML file mirroring the seed's `name, version, type,
//!   dataSource {symbol, timeframe}, architecture {type, units}, trainingParams {epochs,
//!   batchSize}`, plus the data path, indicators, label, split, early stopping, backtest and
//!   importance settings and an `aaiti_models::ModelSpec`. Unknown keys and out-of-range values
//!   are errors naming the key.
//! * **Pipeline** ([`train`]): bars → TA-Lib features → labels with end times → chronological
//!   train / validation / test split with **purging** (rows whose label reaches the next slice
//!   are dropped and counted) and an optional embargo ([`purged_split`]) → scaler fitted on the
//!   training rows only → fit with an indicatif bar (when stderr is a terminal), `tracing`
//!   events and early stopping on the validation loss with the best weights restored → test
//!   evaluation → next-bar backtest → seeded permutation importance → [`TrainedModel`], a
//!   checksummed bundle (model, scaler, config, metrics, importance, data fingerprint, seed,
//!   versions) that reloads and predicts identically and registers through
//!   `aaiti_registry::Registry`.
//! * **Metrics**: classification ([`ConfusionMatrix`], [`ClassificationReport`], [`log_loss`],
//!   [`roc_auc`]) and regression ([`RegressionReport`]) equal to scikit-learn's; trading
//!   metrics ([`TradingMetrics`] and the functions [`sharpe_ratio`], [`sortino_ratio`],
//!   [`max_drawdown`], ...) equal to empyrical's; tested against values those libraries
//!   produced (`tests/golden/training/`).
//!
//! Why hand-written metrics: linfa's metrics cover a subset (no balanced accuracy, MCC with
//! another zero convention, no zero-division control) and no maintained Rust crate implements
//! empyrical; the formulas are short and pinned to the references by golden tests.
//!
//! ## Example
//! ```
//! use aaiti_training::{ConfusionMatrix, ZeroDivision, backtest, BacktestConfig};
//!
//! let cm = ConfusionMatrix::new(&[0.0, 1.0, 1.0, 0.0], &[0.0, 1.0, 0.0, 0.0])?;
//! assert_eq!(cm.accuracy(), 0.75);
//! let pc = cm.per_class(ZeroDivision::Zero);
//! assert_eq!(pc.recall, vec![1.0, 0.5]);
//!
//! // A signal at bar t is filled at the open of bar t + 1: the first bar is always flat.
//! let open = [100.0, 101.0, 102.0, 101.0];
//! let close = [101.0, 102.0, 101.0, 103.0];
//! let cfg = BacktestConfig { fee_bps: 0.0, slippage_bps: 0.0, ..BacktestConfig::default() };
//! let bt = backtest(&[1.0, 1.0, 0.0, 0.0], &open, &close, &cfg, 8760.0)?;
//! assert_eq!(bt.positions, vec![0.0, 1.0, 1.0, 0.0]);
//! # Ok::<(), aaiti_training::Error>(())
//! ```
//!
//! ## Feature flags
//! * `tch` (off): forwards `aaiti-models/tch`, so configs may train the LSTM and MLP (needs
//!   libtorch: `. scripts/libtorch-env.sh`).

mod backtest;
mod bundle;
mod classification;
mod config;
mod error;
mod importance;
mod nanf64;
mod pipeline;
mod regression;
mod split;
mod trading;

pub use crate::{
    backtest::{
        BacktestConfig, BacktestResult, backtest, positions_from_proba, positions_from_returns,
    },
    bundle::{BUNDLE_FORMAT, Manifest, TrainedModel},
    classification::{
        Averaged, ClassificationReport, ConfusionMatrix, PerClass, ZeroDivision, accuracy,
        log_loss, roc_auc,
    },
    config::{
        Architecture, BacktestSection, ClassMapping, DataSource, EarlyStopping, FeatureConfig,
        ImportanceConfig, LabelConfig, LabelKind, SplitConfig, TaskType, TrainConfig,
        TrainingParams,
    },
    error::{Error, Result},
    importance::{FeatureScore, permutation_importance},
    pipeline::{
        DataFingerprint, EpochLog, EvalMetrics, FitLog, Metrics, Prepared, ProgressMode,
        TrainOptions, TrainOutcome, bars_sha256, compute_features, load_bars, prepare, train,
        train_on_bars,
    },
    regression::{RegressionReport, directional_accuracy, mae, r2, rmse},
    split::{SliceTimes, SplitReport, purged_split},
    trading::{
        Calendar, TradingMetrics, annual_return, annual_volatility, calmar_ratio,
        conditional_value_at_risk, downside_risk, equity_curve, max_drawdown,
        max_drawdown_duration, omega_ratio, periods_per_year, sharpe_ratio, sortino_ratio,
        stability, tail_ratio, total_return, value_at_risk,
    },
};
