//! `aaiti registry`: list, inspect and verify the model registry (SQLite or PostgreSQL).

use std::io::Write as _;
use std::sync::Arc;

use aaiti_core::clock::SystemClock;
use aaiti_registry::{
    AliasOptions, ArtifactStore, Direction, EventQuery, Field, Filter, HistoryOptions,
    LineageOptions, Model, ModelRegistry, ModelStatus, Order, Query, Registry,
};
use aaiti_registry_diesel::DieselRegistry;
use anyhow::{Context as _, bail};

/// Arguments of `aaiti registry`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {
    /// Database URL: `sqlite://path.db` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "AAITI_REGISTRY_URL",
        default_value = "sqlite://aaiti-registry.db",
        global = true
    )]
    db: String,
    /// Artifact store (for `verify`): a directory, or an object-store URL (`file:///dir`,
    /// `s3://bucket/prefix`, `gs://...`, `az://...`; clouds need the registry's cargo features and
    /// read their settings from `AWS_*` / `GOOGLE_*` / `AZURE_*` variables).
    #[arg(long, env = "AAITI_REGISTRY_ARTIFACTS", global = true)]
    artifacts: Option<String>,
    #[command(subcommand)]
    action: Action,
}

/// `aaiti registry` subcommands.
#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List models (newest first), optionally filtered by name and status.
    Ls {
        /// Only this model name.
        #[arg(long)]
        name: Option<String>,
        /// Only this status (draft, training, active, archived).
        #[arg(long)]
        status: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one model: `ID`, `NAME@VERSION` or `NAME@ALIAS`.
    Show {
        /// The model reference.
        model: String,
    },
    /// Ancestors (`--up`, default) or descendants (`--down`) of a model.
    Lineage {
        /// The model reference.
        model: String,
        /// Show descendants instead of ancestors.
        #[arg(long)]
        down: bool,
        /// Maximum depth.
        #[arg(long, default_value_t = 64)]
        depth: u32,
    },
    /// Performance history of a model.
    History {
        /// The model reference.
        model: String,
        /// Downsample to at most this many points.
        #[arg(long)]
        max_points: Option<usize>,
    },
    /// Show an alias (current target and full history), or move it with `--set`/`--remove`.
    Alias {
        /// Model name.
        name: String,
        /// Alias (e.g. champion).
        alias: String,
        /// Point the alias at this model (`ID` or `NAME@VERSION`).
        #[arg(long, conflicts_with = "remove")]
        set: Option<String>,
        /// Remove the alias.
        #[arg(long)]
        remove: bool,
        /// Resolve the alias as of this RFC 3339 time instead.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Who makes the change (audit log).
        #[arg(long, env = "USER")]
        actor: Option<String>,
        /// Why (audit log).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Verify the audit hash chain and (with `--artifacts`) every artifact's checksum.
    Verify,
    /// Print audit events.
    Events {
        /// Only events about this entity id.
        #[arg(long)]
        entity: Option<String>,
        /// Only events after this sequence number.
        #[arg(long)]
        after: Option<i64>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

fn resolve(reg: &dyn ModelRegistry, r: &str) -> anyhow::Result<Model> {
    if let Ok(id) = aaiti_registry::parse_model_id(r) {
        return Ok(reg.get_model(id)?);
    }
    let Some((name, rest)) = r.split_once('@') else {
        bail!("model reference {r:?}: expected ID, NAME@VERSION or NAME@ALIAS")
    };
    if aaiti_registry::parse_version(rest).is_ok() {
        Ok(reg.get_model_version(name, rest)?)
    } else {
        Ok(reg.resolve_alias(name, rest, None)?)
    }
}

fn line(m: &Model) -> String {
    format!(
        "{}  {}@{}  {:<8}  {}  {}",
        m.id,
        m.name,
        m.version,
        m.status,
        m.model_type,
        m.created_at.to_rfc3339()
    )
}

/// Runs the subcommand.
pub(crate) fn run(cmd: Command) -> anyhow::Result<()> {
    let reg = DieselRegistry::open(&cmd.db, Arc::new(SystemClock))
        .with_context(|| format!("opening {}", cmd.db))?;
    let mut out = std::io::stdout().lock();
    match cmd.action {
        Action::Ls {
            name,
            status,
            limit,
        } => {
            let mut f = Vec::new();
            if let Some(n) = name {
                f.push(Filter::eq(Field::Name, n));
            }
            if let Some(s) = status {
                f.push(Filter::eq(Field::Status, ModelStatus::parse(&s)?.as_str()));
            }
            let q = Query {
                filter: Some(Filter::And(f)),
                order: Order {
                    field: Field::CreatedAt,
                    descending: true,
                },
                limit: Some(limit.max(1)),
                after: None,
            };
            for m in reg.search_models(&q)?.items {
                writeln!(out, "{}", line(&m))?;
            }
        }
        Action::Show { model } => {
            let m = resolve(&reg, &model)?;
            writeln!(out, "{}", line(&m))?;
            writeln!(
                out,
                "version_seq: {}  generation: {}  parent: {:?}",
                m.version_seq,
                m.generation,
                m.parent_id.map(|p| p.to_string())
            )?;
            writeln!(
                out,
                "framework: {}  created_by: {}  code_version: {:?}  seed: {:?}",
                m.framework, m.created_by, m.code_version, m.seed
            )?;
            writeln!(
                out,
                "description: {}",
                m.description.as_deref().unwrap_or("-")
            )?;
            writeln!(out, "tags: {:?}", m.tags)?;
            writeln!(out, "hyperparameters: {}", m.hyperparameters)?;
            writeln!(out, "data_fingerprint: {:?}", m.data_fingerprint)?;
            for (name, w) in [
                ("train", m.train_window),
                ("validation", m.validation_window),
                ("test", m.test_window),
            ] {
                if let Some(w) = w {
                    writeln!(
                        out,
                        "{name} window: {} .. {}",
                        w.start.to_rfc3339(),
                        w.end.to_rfc3339()
                    )?;
                }
            }
            for (split, ms) in &m.metrics {
                writeln!(out, "{} metrics: {:?}", split.as_str(), ms)?;
            }
            writeln!(
                out,
                "drift: detected={} at={:?} auto_retrain={}",
                m.drift.detected, m.drift.detected_at, m.drift.auto_retrain_enabled
            )?;
            for a in reg.artifacts(m.id)? {
                writeln!(
                    out,
                    "artifact {} {} sha256={} size={} ({}) reads={}",
                    a.meta.kind.as_str(),
                    a.meta.name,
                    a.meta.sha256,
                    a.meta.size,
                    a.meta.compression.as_str(),
                    a.access_count
                )?;
            }
            for (alias, id) in reg.aliases(&m.name)? {
                if id == m.id {
                    writeln!(out, "alias: {alias}")?;
                }
            }
        }
        Action::Lineage { model, down, depth } => {
            let m = resolve(&reg, &model)?;
            let dir = if down {
                Direction::Descendants
            } else {
                Direction::Ancestors
            };
            for h in reg.lineage(
                m.id,
                dir,
                &LineageOptions {
                    max_depth: depth,
                    kinds: vec![],
                },
            )? {
                let n = reg.get_model(h.model_id)?;
                writeln!(out, "{}{}", "  ".repeat(h.depth as usize), line(&n))?;
            }
        }
        Action::History { model, max_points } => {
            let m = resolve(&reg, &model)?;
            writeln!(
                out,
                "at,accuracy,precision,recall,f1,sharpe,sortino,max_drawdown,drift_score,alert"
            )?;
            let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
            for p in reg.performance_history(
                m.id,
                &HistoryOptions {
                    max_points,
                    ..Default::default()
                },
            )? {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{}",
                    p.at.to_rfc3339(),
                    f(p.accuracy),
                    f(p.precision),
                    f(p.recall),
                    f(p.f1),
                    f(p.sharpe),
                    f(p.sortino),
                    f(p.max_drawdown),
                    f(p.drift_score),
                    p.alert.unwrap_or_default()
                )?;
            }
        }
        Action::Alias {
            name,
            alias,
            set,
            remove,
            at,
            actor,
            reason,
        } => {
            if set.is_some() || remove {
                let target = set.map(|s| resolve(&reg, &s)).transpose()?.map(|m| m.id);
                let ch = reg.set_alias(
                    &name,
                    &alias,
                    target,
                    AliasOptions {
                        actor,
                        reason,
                        expected_current: None,
                    },
                )?;
                writeln!(
                    out,
                    "{name}@{alias}: {:?} -> {:?}",
                    ch.previous.map(|p| p.to_string()),
                    ch.model_id.map(|p| p.to_string())
                )?;
            } else if let Some(t) = at {
                writeln!(out, "{}", line(&reg.resolve_alias(&name, &alias, Some(t))?))?;
            } else {
                match reg.resolve_alias(&name, &alias, None) {
                    Ok(m) => writeln!(out, "current: {}", line(&m))?,
                    Err(aaiti_registry::Error::NotFound { .. }) => {
                        writeln!(out, "current: (unset)")?
                    }
                    Err(e) => return Err(e.into()),
                }
                for c in reg.alias_history(&name, &alias)? {
                    writeln!(
                        out,
                        "{}  {} -> {}  by {}  {}",
                        c.at.to_rfc3339(),
                        c.previous.map_or("-".into(), |p| p.to_string()),
                        c.model_id.map_or("-".into(), |p| p.to_string()),
                        c.actor,
                        c.reason.unwrap_or_default()
                    )?;
                }
            }
        }
        Action::Verify => {
            let rep = reg.verify_chain()?;
            writeln!(
                out,
                "audit chain ok: {} events, head {}",
                rep.events, rep.head
            )?;
            if let Some(loc) = &cmd.artifacts {
                let store = if loc.contains("://") {
                    let cloud_vars = std::env::vars()
                        .filter(|(k, _)| {
                            ["AWS_", "GOOGLE_", "AZURE_"]
                                .iter()
                                .any(|p| k.starts_with(p))
                        })
                        .map(|(k, v)| (k.to_ascii_lowercase(), v));
                    ArtifactStore::from_url(loc, cloud_vars)?
                } else {
                    ArtifactStore::local(std::path::Path::new(loc))?
                };
                let registry = Registry::new(Arc::new(reg), store);
                let v = registry.verify_artifacts()?;
                for (a, e) in &v.failures {
                    writeln!(
                        out,
                        "FAILED {} {} {}: {e}",
                        a.meta.model_id,
                        a.meta.kind.as_str(),
                        a.meta.name
                    )?;
                }
                writeln!(
                    out,
                    "artifacts: {} checked, {} failed",
                    v.checked,
                    v.failures.len()
                )?;
                if !v.failures.is_empty() {
                    bail!("{} artifact(s) failed verification", v.failures.len());
                }
            }
        }
        Action::Events {
            entity,
            after,
            limit,
        } => {
            for e in reg.events(&EventQuery {
                after_seq: after,
                entity_id: entity,
                limit: Some(limit),
            })? {
                writeln!(
                    out,
                    "{:>6}  {}  {:<18} {:<10} {}  by {}  {} -> {}  {}",
                    e.seq,
                    e.at.to_rfc3339(),
                    e.action,
                    e.entity_kind,
                    e.entity_id,
                    e.actor,
                    e.before.unwrap_or_else(|| "-".into()),
                    e.after.unwrap_or_else(|| "-".into()),
                    e.reason.unwrap_or_default()
                )?;
            }
        }
    }
    Ok(())
}
