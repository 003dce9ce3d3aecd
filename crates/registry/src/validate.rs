//! Input validation shared by every backend, so all of them reject the same inputs with the same
//! errors.

use crate::error::{Error, Result};
use crate::types::{FeatureImportance, MetricPoint, NewModel, NewRun};

fn check_text(field: &'static str, s: &str, max: usize) -> Result<()> {
    if s.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("{} characters, at most {max} allowed", s.chars().count()),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("{s:?} contains control characters"),
        ));
    }
    Ok(())
}

/// A model name, alias, tag key, param key or metric key: 1..=256 chars, no control characters.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field`.
pub fn name(field: &'static str, s: &str) -> Result<()> {
    check_text(field, s, 256)
}

/// Validates a new model.
///
/// # Errors
/// [`Error::InvalidInput`] naming the first bad field.
pub fn new_model(m: &NewModel) -> Result<()> {
    name("name", &m.name)?;
    name("model_type", &m.model_type)?;
    name("framework", &m.framework)?;
    name("created_by", &m.created_by)?;
    for (k, v) in &m.tags {
        name("tag key", k)?;
        if v.chars().count() > 8000 {
            return Err(Error::invalid(
                "tag value",
                format!("tag {k:?} longer than 8000 characters"),
            ));
        }
    }
    for ms in m.metrics.values() {
        for k in ms.keys() {
            name("metric key", k)?;
        }
    }
    if let Some(g) = m.generation
        && g < 0
    {
        return Err(Error::invalid("generation", format!("{g} is negative")));
    }
    if let Some(s) = m.seed
        && i64::try_from(s).is_err()
    {
        return Err(Error::invalid("seed", format!("{s} exceeds i64::MAX")));
    }
    Ok(())
}

/// Validates a new run.
///
/// # Errors
/// [`Error::InvalidInput`] naming the first bad field.
pub fn new_run(r: &NewRun) -> Result<()> {
    name("run name", &r.name)?;
    name("created_by", &r.created_by)?;
    params(r.params.iter())
}

/// Validates params.
///
/// # Errors
/// [`Error::InvalidInput`] naming the first bad key/value.
pub fn params<'a>(ps: impl Iterator<Item = (&'a String, &'a String)>) -> Result<()> {
    for (k, v) in ps {
        name("param key", k)?;
        if v.chars().count() > 8000 {
            return Err(Error::invalid(
                "param value",
                format!("param {k:?} longer than 8000 characters"),
            ));
        }
    }
    Ok(())
}

/// Validates a metric batch: keys valid, `(key, step)` unique within the batch.
///
/// # Errors
/// [`Error::InvalidInput`] for a bad key; [`Error::AlreadyExists`] for a duplicate in the batch.
pub fn metric_batch(run: i64, points: &[MetricPoint]) -> Result<()> {
    let mut seen = std::collections::HashSet::with_capacity(points.len());
    for p in points {
        name("metric key", &p.key)?;
        if !seen.insert((p.key.as_str(), p.step)) {
            return Err(Error::already_exists(
                "metric point",
                format!(
                    "run {run} key {:?} step {} (twice in one batch)",
                    p.key, p.step
                ),
            ));
        }
    }
    Ok(())
}

/// Validates feature importances (names, finite statistics, unique `(feature, method, fold)`).
///
/// # Errors
/// [`Error::InvalidInput`] / [`Error::AlreadyExists`].
pub fn importances(rows: &[FeatureImportance]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for r in rows {
        name("feature", &r.feature)?;
        name("feature_type", &r.feature_type)?;
        name("method", &r.method)?;
        if ![r.mean, r.std, r.min, r.max].iter().all(|x| x.is_finite()) {
            return Err(Error::invalid(
                "importance",
                format!("non-finite statistic for feature {:?}", r.feature),
            ));
        }
        if !seen.insert((r.feature.as_str(), r.method.as_str(), r.fold)) {
            return Err(Error::already_exists(
                "feature importance",
                format!("{}/{}/{:?}", r.feature, r.method, r.fold),
            ));
        }
    }
    Ok(())
}

/// Downsamples by keeping every k-th element (k = ceil(n / max)) plus the last one.
#[must_use]
pub fn downsample<T: Clone>(v: Vec<T>, max_points: Option<usize>) -> Vec<T> {
    let Some(max) = max_points else { return v };
    let n = v.len();
    if max == 0 || n <= max {
        return if max == 0 { Vec::new() } else { v };
    }
    let k = n.div_ceil(max);
    let mut out: Vec<T> = v.iter().step_by(k).cloned().collect();
    if !(n - 1).is_multiple_of(k) {
        if out.len() >= max {
            out.pop();
        }
        if let Some(last) = v.last() {
            out.push(last.clone());
        }
    }
    out
}
