//! The streaming-detector trait and the state every update reports.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a streaming detector concluded after one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum DriftState {
    /// No evidence of change.
    #[default]
    Stable,
    /// Early evidence of change (only the binary detectors DDM, EDDM, HDDM_A, HDDM_W and
    /// [`crate::Cusum`] with a warning threshold emit it).
    Warning,
    /// Change detected. As in river, the detector discards its whole state on the *next* update.
    Drift,
}

impl DriftState {
    /// `true` for [`DriftState::Drift`].
    #[must_use]
    pub fn is_drift(self) -> bool {
        matches!(self, Self::Drift)
    }
    /// `true` for [`DriftState::Warning`].
    #[must_use]
    pub fn is_warning(self) -> bool {
        matches!(self, Self::Warning)
    }
}

/// A univariate streaming change detector.
///
/// Conventions shared by every implementation (they follow river 0.26.1):
/// * `update` consumes one value and says whether this value completed a detection.
///   Indices are 0-based positions of the value whose update raised the flag.
/// * After a `Drift`, the next `update` first resets the detector completely (river's
///   behaviour; MOA keeps ADWIN's shrunken window instead).
/// * Non-finite input is rejected with [`Error::NonFinite`] and leaves the state untouched;
///   binary detectors reject values outside their domain with [`Error::OutOfDomain`].
/// * Implementations are plain data: `Clone`, and `serde` round-trips their full state, so a
///   service can checkpoint a detector and resume it bit-for-bit.
pub trait DriftDetector: std::fmt::Debug + Send {
    /// Feeds one value.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for NaN/inf, [`Error::OutOfDomain`] for values a binary
    /// detector cannot interpret. The detector's state is unchanged on error.
    fn update(&mut self, value: f64) -> Result<DriftState>;
    /// Discards all learned state (parameters are kept).
    fn reset(&mut self);
    /// Short, stable name ("adwin", "page_hinkley", ...), used in explanation records.
    fn name(&self) -> &'static str;
    /// Values consumed since the last reset (explicit or automatic after a drift).
    fn n_seen(&self) -> u64;
    /// river's `warning_detected` flag after the last update. It is raised independently of
    /// the drift flag, so an update can raise both: EDDM keeps an earlier warning when it
    /// drifts, and the two-sided HDDM_A / HDDM_W can warn on one side while drifting on the
    /// other. [`DriftDetector::update`] then returns [`DriftState::Drift`], and
    /// [`DriftDetector::detect_into`] records the index as a drift *and* a warning, as river's
    /// two flags say. The default (detectors without warnings) is `false`.
    fn warning_detected(&self) -> bool {
        false
    }
    /// Feeds every value of `values` in order and appends the 0-based indices (positions in
    /// `values`) of drifts and warnings to `out`: the same as calling
    /// [`DriftDetector::update`] for each value (a drift whose update also left
    /// [`DriftDetector::warning_detected`] raised is recorded in both lists, as river's flags). Through a `dyn DriftDetector` this is one
    /// virtual call for the whole slice, and the loop runs over the concrete type's `update`
    /// (inlined, with the state in registers), so prefer it (or [`detect`]) over a loop of
    /// `update` calls on a trait object.
    ///
    /// # Errors
    /// The first error of [`DriftDetector::update`], re-labelled with the index in `values`;
    /// the values before it have been consumed and their detections appended.
    fn detect_into(&mut self, values: &[f64], out: &mut Detections) -> Result<()> {
        for (i, &v) in values.iter().enumerate() {
            match self.update(v) {
                Ok(DriftState::Drift) => {
                    out.drifts.push(i);
                    if self.warning_detected() {
                        out.warnings.push(i);
                    }
                }
                Ok(DriftState::Warning) => out.warnings.push(i),
                Ok(DriftState::Stable) => {}
                Err(e) => return Err(relabel(e, i)),
            }
        }
        Ok(())
    }
}

impl<D: DriftDetector + ?Sized> DriftDetector for Box<D> {
    fn update(&mut self, value: f64) -> Result<DriftState> {
        (**self).update(value)
    }
    fn reset(&mut self) {
        (**self).reset();
    }
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn n_seen(&self) -> u64 {
        (**self).n_seen()
    }
    fn warning_detected(&self) -> bool {
        (**self).warning_detected()
    }
    fn detect_into(&mut self, values: &[f64], out: &mut Detections) -> Result<()> {
        (**self).detect_into(values, out)
    }
}

/// Drift and warning indices found by running a detector over a whole series.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Detections {
    /// 0-based indices whose update returned [`DriftState::Drift`].
    pub drifts: Vec<usize>,
    /// 0-based indices whose update returned [`DriftState::Warning`].
    pub warnings: Vec<usize>,
}

/// Runs `detector` over `values` and collects drift and warning indices (one call of
/// [`DriftDetector::detect_into`]).
///
/// # Errors
/// The first error of [`DriftDetector::update`], re-labelled with the index in `values`.
pub fn detect<D: DriftDetector + ?Sized>(detector: &mut D, values: &[f64]) -> Result<Detections> {
    let mut out = Detections::default();
    detector.detect_into(values, &mut out)?;
    Ok(out)
}

/// An error of [`DriftDetector::update`] with its index replaced by `i`, the position in the
/// slice being processed.
#[cold]
#[inline(never)]
pub(crate) fn relabel(e: Error, i: usize) -> Error {
    match e {
        Error::NonFinite { what, value, .. } => Error::NonFinite {
            what,
            index: i,
            value,
        },
        Error::OutOfDomain {
            detector,
            expected,
            value,
            ..
        } => Error::OutOfDomain {
            detector,
            expected,
            index: i,
            value,
        },
        e => e,
    }
}

/// Rejects NaN/inf with an error naming the stream position.
///
/// The error is built here, inline, around one outlined call for its label: its variant is
/// then visible to the caller, so a caller that unwraps or returns on error does not have to
/// keep a detector's state alive across that call (which, inside a hot loop, made the register
/// allocator keep the whole state in memory).
#[inline]
pub(crate) fn finite(value: f64, index: u64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            what: stream_label(),
            index: usize::try_from(index).unwrap_or(usize::MAX),
            value,
        })
    }
}

#[cold]
#[inline(never)]
fn stream_label() -> String {
    "stream".to_string()
}

/// Rejects values outside `[0, 1]` (and NaN/inf).
#[inline]
pub(crate) fn unit_interval(detector: &'static str, value: f64, index: u64) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        finite(value, index)?;
        Err(Error::OutOfDomain {
            detector,
            expected: "[0, 1]",
            index: usize::try_from(index).unwrap_or(usize::MAX),
            value,
        })
    }
}

/// Running mean with river's `stats.Mean` update order (`mean += (1/n)·(x − mean)`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct RunningMean {
    #[serde(with = "crate::serde_f64")]
    pub(crate) n: f64,
    #[serde(with = "crate::serde_f64")]
    pub(crate) mean: f64,
}

impl RunningMean {
    #[inline]
    pub(crate) fn update(&mut self, x: f64) {
        self.update_recip(x);
    }

    /// [`RunningMean::update`], returning the `1/n` it used.
    #[inline]
    pub(crate) fn update_recip(&mut self, x: f64) -> f64 {
        self.n += 1.0;
        let r = 1.0 / self.n;
        self.mean += r * (x - self.mean);
        r
    }
}
