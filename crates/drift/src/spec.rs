//! Building detectors from names and `key=value` parameters (configuration files, the CLI).

use crate::error::{Error, Result, invalid};
use crate::{
    Adwin, AdwinParams, Cusum, CusumParams, Ddm, DdmParams, DriftDetector, Eddm, EddmParams, HddmA,
    HddmParams, HddmW, Kswin, KswinParams, KswinSampling, PageHinkley, PageHinkleyParams, PhMode,
};

/// Detector names accepted by [`build_detector`].
pub const DETECTOR_NAMES: &[&str] = &[
    "adwin",
    "page_hinkley",
    "ddm",
    "eddm",
    "hddm_a",
    "hddm_w",
    "kswin",
    "kswin_seedfree",
    "kswin_seeded",
    "cusum",
];

fn parse_f64(key: &'static str, v: &str) -> Result<f64> {
    v.trim()
        .parse::<f64>()
        .map_err(|_| invalid(key, v, "not a number"))
}

fn parse_u64(key: &'static str, v: &str) -> Result<u64> {
    // digits first: through f64, integers above 2^53 (KSWIN seeds) would silently round
    if let Ok(n) = v.trim().parse::<u64>() {
        return Ok(n);
    }
    let f = parse_f64(key, v)?;
    if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 {
        Ok(f as u64)
    } else {
        Err(invalid(key, v, "not a non-negative integer"))
    }
}

/// A count threshold compared with an integer counter that is at least 1 when compared, given as
/// river accepts it (any real number): `n >= v` is the same test as `n >= max(ceil(v), 0)`
/// (`ceil`, PageHinkley's `min_instances`), `n > v` the same as `n > max(floor(v), 0)`
/// (`floor`, the `warm_start` of DDM and EDDM). Negative and fractional values are therefore
/// accepted and mapped to the equivalent count.
fn parse_count(key: &'static str, v: &str, ceil: bool) -> Result<u64> {
    if let Ok(n) = v.trim().parse::<u64>() {
        return Ok(n);
    }
    let f = parse_f64(key, v)?;
    let r = if ceil { f.ceil() } else { f.floor() };
    if r.is_nan() {
        Err(invalid(key, v, "not a number"))
    } else if r <= 0.0 {
        Ok(0)
    } else if r < 1.8e19 {
        Ok(r as u64)
    } else {
        Err(invalid(key, v, "too large"))
    }
}

/// A KSWIN seed: an integer; a negative one is replaced by its absolute value, as CPython's
/// `random.Random(seed)` does (river passes the seed to it).
fn parse_seed(v: &str) -> Result<u64> {
    let t = v.trim();
    match t.strip_prefix('-') {
        Some(abs) if !abs.starts_with(['-', '+']) => parse_u64("seed", abs),
        _ => parse_u64("seed", t),
    }
}

fn parse_bool(key: &'static str, v: &str) -> Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(key, v, "not a boolean")),
    }
}

fn parse_mode(v: &str) -> Result<PhMode> {
    match v.trim().to_ascii_lowercase().as_str() {
        "up" => Ok(PhMode::Up),
        "down" => Ok(PhMode::Down),
        "both" => Ok(PhMode::Both),
        _ => Err(invalid("mode", v, "expected up, down or both")),
    }
}

fn unknown_param(detector: &str, key: &str, expected: &[&str]) -> Error {
    Error::Unknown {
        kind: "parameter",
        name: format!("{detector}.{key}"),
        expected: expected.join(", "),
    }
}

/// Builds a detector from its name (see [`DETECTOR_NAMES`]) and river-named parameters, e.g.
/// `build_detector("adwin", &[("delta", "0.002"), ("clock", "32")])`. Unknown names or
/// parameters and unparsable values are errors, never ignored.
///
/// Names: `adwin`, `page_hinkley` (`min_instances, delta, threshold, alpha, mode`), `ddm`
/// (`warm_start, warning_threshold, drift_threshold`), `eddm` (`warm_start, alpha, beta`),
/// `hddm_a` / `hddm_w` (`drift_confidence, warning_confidence, two_sided_test`, `lambda_val`
/// for W), `kswin` (`alpha, window_size, stat_size, seed`: CPython-compatible sampling, river's
/// exact indices), `kswin_seedfree` (no seed; reference = all older values), `kswin_seeded`
/// (ChaCha8 sampling with `seed`), `cusum` (`k, h, warning_h, warmup, mode`).
///
/// # Errors
/// [`Error::Unknown`] for an unknown detector or parameter, [`Error::InvalidParameter`] for bad
/// values.
pub fn build_detector(name: &str, params: &[(&str, &str)]) -> Result<Box<dyn DriftDetector>> {
    let name_l = name.trim().to_ascii_lowercase();
    match name_l.as_str() {
        "adwin" => {
            let mut p = AdwinParams::default();
            const K: &[&str] = &[
                "delta",
                "clock",
                "max_buckets",
                "min_window_length",
                "grace_period",
            ];
            for &(k, v) in params {
                match k {
                    "delta" => p.delta = parse_f64("delta", v)?,
                    "clock" => {
                        p.clock = u32::try_from(parse_u64("clock", v)?)
                            .map_err(|_| invalid("clock", v, "too large"))?
                    }
                    "max_buckets" => p.max_buckets = parse_u64("max_buckets", v)? as usize,
                    "min_window_length" => {
                        p.min_window_length = u32::try_from(parse_u64("min_window_length", v)?)
                            .map_err(|_| invalid("min_window_length", v, "too large"))?;
                    }
                    "grace_period" => {
                        p.grace_period = u32::try_from(parse_u64("grace_period", v)?)
                            .map_err(|_| invalid("grace_period", v, "too large"))?;
                    }
                    _ => return Err(unknown_param("adwin", k, K)),
                }
            }
            Ok(Box::new(Adwin::new(p)?))
        }
        "page_hinkley" | "ph" | "pagehinkley" => {
            let mut p = PageHinkleyParams::default();
            const K: &[&str] = &["min_instances", "delta", "threshold", "alpha", "mode"];
            for &(k, v) in params {
                match k {
                    "min_instances" => p.min_instances = parse_count("min_instances", v, true)?,
                    "delta" => p.delta = parse_f64("delta", v)?,
                    "threshold" => p.threshold = parse_f64("threshold", v)?,
                    "alpha" => p.alpha = parse_f64("alpha", v)?,
                    "mode" => p.mode = parse_mode(v)?,
                    _ => return Err(unknown_param("page_hinkley", k, K)),
                }
            }
            Ok(Box::new(PageHinkley::new(p)?))
        }
        "ddm" => {
            let mut p = DdmParams::default();
            const K: &[&str] = &["warm_start", "warning_threshold", "drift_threshold"];
            for &(k, v) in params {
                match k {
                    "warm_start" => p.warm_start = parse_count("warm_start", v, false)?,
                    "warning_threshold" => p.warning_threshold = parse_f64("warning_threshold", v)?,
                    "drift_threshold" => p.drift_threshold = parse_f64("drift_threshold", v)?,
                    _ => return Err(unknown_param("ddm", k, K)),
                }
            }
            Ok(Box::new(Ddm::new(p)?))
        }
        "eddm" => {
            let mut p = EddmParams::default();
            const K: &[&str] = &["warm_start", "alpha", "beta"];
            for &(k, v) in params {
                match k {
                    "warm_start" => p.warm_start = parse_count("warm_start", v, false)?,
                    "alpha" => p.alpha = parse_f64("alpha", v)?,
                    "beta" => p.beta = parse_f64("beta", v)?,
                    _ => return Err(unknown_param("eddm", k, K)),
                }
            }
            Ok(Box::new(Eddm::new(p)?))
        }
        "hddm_a" | "hddma" | "hddm_w" | "hddmw" => {
            let w = name_l.ends_with('w');
            let mut p = HddmParams::default();
            const K: &[&str] = &[
                "drift_confidence",
                "warning_confidence",
                "two_sided_test",
                "lambda_val",
            ];
            for &(k, v) in params {
                match k {
                    "drift_confidence" => p.drift_confidence = parse_f64("drift_confidence", v)?,
                    "warning_confidence" => {
                        p.warning_confidence = parse_f64("warning_confidence", v)?
                    }
                    "two_sided_test" => p.two_sided_test = parse_bool("two_sided_test", v)?,
                    "lambda_val" | "lambda" if w => p.lambda = parse_f64("lambda_val", v)?,
                    _ => return Err(unknown_param(if w { "hddm_w" } else { "hddm_a" }, k, K)),
                }
            }
            if w {
                Ok(Box::new(HddmW::new(p)?))
            } else {
                Ok(Box::new(HddmA::new(p)?))
            }
        }
        "kswin" | "kswin_seedfree" | "kswin_seeded" => {
            let mut p = KswinParams::default();
            let mut seed: Option<u64> = None;
            const K: &[&str] = &["alpha", "window_size", "stat_size", "seed"];
            for &(k, v) in params {
                match k {
                    "alpha" => p.alpha = parse_f64("alpha", v)?,
                    "window_size" => p.window_size = parse_u64("window_size", v)? as usize,
                    "stat_size" => p.stat_size = parse_u64("stat_size", v)? as usize,
                    "seed" => seed = Some(parse_seed(v)?),
                    _ => return Err(unknown_param(&name_l, k, K)),
                }
            }
            p.sampling = match name_l.as_str() {
                "kswin_seedfree" => KswinSampling::AllOldest,
                "kswin_seeded" => KswinSampling::Seeded(seed.unwrap_or(0)),
                _ => match seed {
                    Some(s) => KswinSampling::PythonCompatible(s),
                    None => {
                        return Err(invalid(
                            "seed",
                            "none",
                            "kswin needs seed=<int> (river's sampler); use kswin_seedfree for the seed-free variant",
                        ));
                    }
                },
            };
            Ok(Box::new(Kswin::new(p)?))
        }
        "cusum" => {
            let mut p = CusumParams::default();
            const K: &[&str] = &["k", "h", "warning_h", "warmup", "mode"];
            for &(k, v) in params {
                match k {
                    "k" => p.k = parse_f64("k", v)?,
                    "h" => p.h = parse_f64("h", v)?,
                    "warning_h" => p.warning_h = Some(parse_f64("warning_h", v)?),
                    "warmup" => p.warmup = parse_u64("warmup", v)?,
                    "mode" => p.mode = parse_mode(v)?,
                    _ => return Err(unknown_param("cusum", k, K)),
                }
            }
            Ok(Box::new(Cusum::new(p)?))
        }
        _ => Err(Error::Unknown {
            kind: "detector",
            name: name.to_string(),
            expected: DETECTOR_NAMES.join(", "),
        }),
    }
}
