//! Retraining triggers: drift events go to a [`DriftHandler`]; [`RetrainTrigger`] applies the
//! seed's registry semantics (drift fields on the model version, a performance-history record,
//! and a retrain request when `auto_retrain_enabled`) through a [`DriftSink`] that the registry
//! crate implements.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::trading::Explanation;

/// A drift event: which model version, when, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftEvent {
    /// Model name.
    pub model: String,
    /// Model version.
    pub version: String,
    /// When the alarm fired (RFC 3339, from the caller's clock; the library never reads the
    /// wall clock).
    pub at: String,
    /// The explanation record.
    pub explanation: Explanation,
    /// Current metric values to append to the performance history (e.g. `accuracy`, `sharpe`).
    pub metrics: BTreeMap<String, f64>,
}

/// The seed's registry drift fields for one model version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftFields {
    /// `drift_detected`.
    pub drift_detected: bool,
    /// `drift_detected_at` (RFC 3339).
    pub drift_detected_at: String,
    /// `drift_metrics`: statistic, threshold, window, n, source and the event's metrics.
    pub drift_metrics: BTreeMap<String, serde_json::Value>,
}

/// A request for the training pipeline (a job record it can pick up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainRequest {
    /// Model name.
    pub model: String,
    /// Version whose drift triggered the request.
    pub version: String,
    /// When it was requested (RFC 3339).
    pub requested_at: String,
    /// Why.
    pub reason: Explanation,
}

/// Receives drift events.
pub trait DriftHandler: std::fmt::Debug + Send {
    /// Handles one event.
    ///
    /// # Errors
    /// Whatever the handler's backend reports.
    fn on_drift(&mut self, event: &DriftEvent) -> Result<()>;
}

/// Where the registry side effects go (implemented by the registry crate; [`InMemorySink`] for
/// tests and small services).
pub trait DriftSink: std::fmt::Debug + Send {
    /// Whether `auto_retrain_enabled` is set for this model version.
    ///
    /// # Errors
    /// Backend errors.
    fn auto_retrain_enabled(&self, model: &str, version: &str) -> Result<bool>;
    /// Sets `drift_detected`, `drift_detected_at`, `drift_metrics` on the model version.
    ///
    /// # Errors
    /// Backend errors.
    fn set_drift_fields(&mut self, model: &str, version: &str, fields: &DriftFields) -> Result<()>;
    /// Appends a performance-history record.
    ///
    /// # Errors
    /// Backend errors.
    fn append_performance(
        &mut self,
        model: &str,
        version: &str,
        at: &str,
        metrics: &BTreeMap<String, f64>,
    ) -> Result<()>;
    /// Enqueues a retrain request.
    ///
    /// # Errors
    /// Backend errors.
    fn request_retrain(&mut self, request: &RetrainRequest) -> Result<()>;
}

/// The seed's behaviour as a handler: on every drift event set the drift fields, append the
/// performance record, and request a retrain when the version has `auto_retrain_enabled`.
#[derive(Debug)]
pub struct RetrainTrigger<S: DriftSink> {
    sink: S,
}

impl<S: DriftSink> RetrainTrigger<S> {
    /// Wraps a sink.
    #[must_use]
    pub fn new(sink: S) -> Self {
        Self { sink }
    }
    /// The sink.
    #[must_use]
    pub fn sink(&self) -> &S {
        &self.sink
    }
    /// Unwraps the sink.
    #[must_use]
    pub fn into_sink(self) -> S {
        self.sink
    }
}

/// The drift fields the seed writes for an event.
#[must_use]
pub fn drift_fields(event: &DriftEvent) -> DriftFields {
    let e = &event.explanation;
    let mut m = BTreeMap::new();
    m.insert("source".into(), serde_json::Value::from(e.source.clone()));
    m.insert(
        "kind".into(),
        serde_json::to_value(e.kind).unwrap_or(serde_json::Value::Null),
    );
    m.insert("statistic".into(), serde_json::Value::from(e.statistic));
    m.insert("threshold".into(), serde_json::Value::from(e.threshold));
    m.insert("window".into(), serde_json::Value::from(e.window as u64));
    m.insert("n".into(), serde_json::Value::from(e.n));
    for (k, v) in &event.metrics {
        m.insert(format!("metric.{k}"), serde_json::Value::from(*v));
    }
    DriftFields {
        drift_detected: true,
        drift_detected_at: event.at.clone(),
        drift_metrics: m,
    }
}

impl<S: DriftSink> DriftHandler for RetrainTrigger<S> {
    fn on_drift(&mut self, event: &DriftEvent) -> Result<()> {
        self.sink
            .set_drift_fields(&event.model, &event.version, &drift_fields(event))?;
        self.sink
            .append_performance(&event.model, &event.version, &event.at, &event.metrics)?;
        if self
            .sink
            .auto_retrain_enabled(&event.model, &event.version)?
        {
            self.sink.request_retrain(&RetrainRequest {
                model: event.model.clone(),
                version: event.version.clone(),
                requested_at: event.at.clone(),
                reason: event.explanation.clone(),
            })?;
        }
        Ok(())
    }
}

/// One performance-history record: `(at, metrics)`.
pub type PerformanceRecord = (String, BTreeMap<String, f64>);

/// An in-memory [`DriftSink`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InMemorySink {
    /// `auto_retrain_enabled` per `model@version` (absent = false).
    pub auto_retrain: BTreeMap<String, bool>,
    /// Drift fields per `model@version`.
    pub drift: BTreeMap<String, DriftFields>,
    /// Performance history per `model@version`: `(at, metrics)`.
    pub history: BTreeMap<String, Vec<PerformanceRecord>>,
    /// Retrain requests, in order.
    pub requests: Vec<RetrainRequest>,
}

fn key(model: &str, version: &str) -> String {
    format!("{model}@{version}")
}

impl DriftSink for InMemorySink {
    fn auto_retrain_enabled(&self, model: &str, version: &str) -> Result<bool> {
        Ok(self
            .auto_retrain
            .get(&key(model, version))
            .copied()
            .unwrap_or(false))
    }
    fn set_drift_fields(&mut self, model: &str, version: &str, fields: &DriftFields) -> Result<()> {
        self.drift.insert(key(model, version), fields.clone());
        Ok(())
    }
    fn append_performance(
        &mut self,
        model: &str,
        version: &str,
        at: &str,
        metrics: &BTreeMap<String, f64>,
    ) -> Result<()> {
        self.history
            .entry(key(model, version))
            .or_default()
            .push((at.to_string(), metrics.clone()));
        Ok(())
    }
    fn request_retrain(&mut self, request: &RetrainRequest) -> Result<()> {
        self.requests.push(request.clone());
        Ok(())
    }
}
