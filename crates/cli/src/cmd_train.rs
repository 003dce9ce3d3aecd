//! `aaiti train`: runs the aaiti-training pipeline from a TOML config, registers the model and
//! prints the metrics table and the top features.

use std::fmt::Write as _;
use std::path::PathBuf;

use aaiti_training::{EvalMetrics, TrainConfig, TrainOptions, TrainOutcome};

/// Arguments of `aaiti train`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {
    /// The training config (TOML; see `configs/btc_logreg.toml`).
    #[arg(long)]
    config: PathBuf,
    /// Where to register the model: `sqlite://PATH` (artifacts go to `PATH.artifacts/`),
    /// `postgres://...` (if built in), `memory` (discarded at exit) or `none`.
    #[arg(long, default_value = "sqlite://aaiti-registry.db")]
    registry: String,
    /// Also write the bundle to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Who registers the model (audit actor).
    #[arg(long, default_value = "aaiti-cli")]
    user: String,
    /// Number of features to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        format!("{v}")
    }
}

/// The summary printed at the end of a run.
fn summary(out: &TrainOutcome, secs: f64, top: usize) -> String {
    let m = out.model.manifest();
    let sp = &m.split;
    let fp = &m.fingerprint;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "model      {} ({})",
        m.config.name,
        out.model.model().kind()
    );
    let _ = writeln!(
        s,
        "data       {} bars of {} {}, sha256 {}",
        fp.n_bars,
        m.config.data_source.symbol,
        m.config.data_source.timeframe,
        &fp.bars_sha256[..16.min(fp.bars_sha256.len())]
    );
    for (name, st) in [
        ("train", &fp.train),
        ("validation", &fp.validation),
        ("test", &fp.test),
    ] {
        let _ = writeln!(
            s,
            "{name:<10} {:>6} rows  {} .. {}",
            st.rows, st.first, st.last
        );
    }
    let _ = writeln!(
        s,
        "purged     {} train + {} validation rows (label horizon {}), embargo {} + {}",
        sp.purged_train,
        sp.purged_validation,
        m.config.label.horizon,
        sp.embargoed_validation,
        sp.embargoed_test
    );
    if !m.fit.epochs.is_empty() {
        let _ = writeln!(
            s,
            "epochs     {} run, best {:?}{}",
            m.fit.epochs.len(),
            m.fit.best_epoch,
            if m.fit.stopped_early {
                ", stopped early"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(s, "\n{:<22} {:>12} {:>12}", "metric", "validation", "test");
    let rows = |e: &EvalMetrics| -> Vec<(&'static str, f64)> {
        match e {
            EvalMetrics::Classification(c) => vec![
                ("accuracy", c.accuracy),
                ("balanced_accuracy", c.balanced_accuracy),
                ("precision_macro", c.macro_avg.precision),
                ("recall_macro", c.macro_avg.recall),
                ("f1_macro", c.macro_avg.f1),
                ("f1_weighted", c.weighted_avg.f1),
                ("mcc", c.mcc),
                ("log_loss", c.log_loss.unwrap_or(f64::NAN)),
                ("roc_auc", c.roc_auc.unwrap_or(f64::NAN)),
            ],
            EvalMetrics::Regression(r) => vec![
                ("mae", r.mae),
                ("rmse", r.rmse),
                ("r2", r.r2),
                ("directional_accuracy", r.directional_accuracy),
            ],
        }
    };
    for ((k, v), (_, t)) in rows(&m.metrics.validation)
        .into_iter()
        .zip(rows(&m.metrics.test))
    {
        let _ = writeln!(s, "{k:<22} {:>12} {:>12}", fmt(v), fmt(t));
    }
    if let EvalMetrics::Classification(c) = &m.metrics.test {
        let _ = writeln!(
            s,
            "\ntest confusion matrix (rows: true, columns: predicted) classes {:?}",
            c.confusion.labels()
        );
        for r in c.confusion.counts() {
            let _ = writeln!(s, "  {r:?}");
        }
    }
    let (tm, bh) = (&m.metrics.trading, &m.metrics.buy_and_hold);
    let _ = writeln!(
        s,
        "\n{:<22} {:>12} {:>12}",
        "backtest (test, net)", "strategy", "buy&hold"
    );
    for (k, a, b) in [
        ("total_return", tm.total_return, bh.total_return),
        ("annual_return", tm.annual_return, bh.annual_return),
        (
            "annual_volatility",
            tm.annual_volatility,
            bh.annual_volatility,
        ),
        ("sharpe", tm.sharpe, bh.sharpe),
        ("sortino", tm.sortino, bh.sortino),
        ("max_drawdown", tm.max_drawdown, bh.max_drawdown),
        ("calmar", tm.calmar, bh.calmar),
        ("omega", tm.omega, bh.omega),
        ("var_95", tm.var_95, bh.var_95),
        ("cvar_95", tm.cvar_95, bh.cvar_95),
        ("hit_rate", tm.hit_rate, bh.hit_rate),
        ("profit_factor", tm.profit_factor, bh.profit_factor),
        ("turnover", tm.turnover, bh.turnover),
        ("exposure", tm.exposure, bh.exposure),
    ] {
        let _ = writeln!(s, "{k:<22} {:>12} {:>12}", fmt(a), fmt(b));
    }
    if !m.importance.is_empty() {
        let _ = writeln!(
            s,
            "\ntop features (permutation importance on test, score drop)"
        );
        for f in m.importance.iter().take(top) {
            let _ = writeln!(
                s,
                "  {:>2}. {:<28} {:>8.4} ± {:<8.4} {:>5.2}",
                f.rank, f.feature, f.mean, f.std, f.normalized
            );
        }
    }
    let _ = write!(s, "\ntrained in {secs:.1} s");
    s
}

/// Runs the subcommand.
pub(crate) fn run(cmd: Command) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let cfg = TrainConfig::from_file(&cmd.config)?;
    let registry = crate::registry_url::open_registry(&cmd.registry)?;
    let out = aaiti_training::train(&cfg, &TrainOptions::default())?;
    let mut text = summary(&out, started.elapsed().as_secs_f64(), cmd.top);
    if let Some(path) = &cmd.out {
        out.model.save(path)?;
        let _ = write!(text, "\nbundle     {}", path.display());
    }
    if let Some(reg) = &registry {
        let id = out.model.save_to_registry(reg, &cmd.user)?;
        let _ = write!(
            text,
            "\nregistered {} as {id} in {}",
            cfg.name, cmd.registry
        );
    }
    #[allow(clippy::print_stdout, reason = "the CLI's output")]
    {
        println!("{text}");
    }
    Ok(())
}
