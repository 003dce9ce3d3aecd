//! SVG plots (plotters): metric per split, stitched equity curve, and the
//! train / test / purge+embargo timeline.

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::report::{EquityPoint, Report};
use crate::split::{Split, normalize, subtract};

fn out<E: std::fmt::Display>(e: E) -> Error {
    Error::Output(e.to_string())
}

fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in v {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Line chart of one per-split metric: `"accuracy"`, `"precision"`, `"recall"`,
/// `"f1"` or any trading metric name. Returns the SVG document.
///
/// # Errors
/// [`Error::InvalidParameter`] if no split has the metric; [`Error::Output`] on drawing errors.
pub fn metric_per_split_svg(report: &Report, metric: &str) -> Result<String> {
    let pts: Vec<(f64, f64)> = report
        .splits
        .iter()
        .filter_map(|s| {
            let c = s.result.classification;
            let v = match metric {
                "accuracy" => c.map(|c| c.accuracy),
                "precision" => c.map(|c| c.precision),
                "recall" => c.map(|c| c.recall),
                "f1" => c.map(|c| c.f1),
                other => s.result.trading.get(other).copied(),
            };
            #[allow(clippy::cast_precision_loss, reason = "split ids")]
            v.map(|v| (s.split as f64, v))
        })
        .collect();
    if pts.is_empty() {
        return Err(crate::error::invalid(
            "metric",
            format!("no split reports {metric:?}"),
        ));
    }
    let (ylo, yhi) = bounds(pts.iter().map(|p| p.1));
    let xmax = pts.iter().map(|p| p.0).fold(0.0, f64::max) + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(out)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{metric} per split"), ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5..xmax, ylo..yhi)
            .map_err(out)?;
        chart
            .configure_mesh()
            .x_desc("split")
            .y_desc(metric)
            .draw()
            .map_err(out)?;
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), &BLUE))
            .map_err(out)?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, BLUE.filled())))
            .map_err(out)?;
        if let Some(a) = report
            .summary
            .accuracy
            .as_ref()
            .filter(|_| metric == "accuracy")
        {
            let m = a.mean;
            chart
                .draw_series(LineSeries::new([(-0.5, m), (xmax, m)], &RED))
                .map_err(out)?
                .label(format!("mean {m:.3}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .draw()
                .map_err(out)?;
        }
        root.present().map_err(out)?;
    }
    Ok(svg)
}

/// The stitched out-of-sample equity curve.
///
/// # Errors
/// [`Error::InsufficientData`] for an empty curve; [`Error::Output`] on drawing errors.
pub fn equity_svg(equity: &[EquityPoint]) -> Result<String> {
    if equity.is_empty() {
        return Err(Error::InsufficientData {
            what: "equity points",
            got: 0,
            need: 1,
        });
    }
    #[allow(clippy::cast_precision_loss, reason = "row ids")]
    let pts: Vec<(f64, f64)> = equity.iter().map(|p| (p.row as f64, p.equity)).collect();
    let (ylo, yhi) = bounds(pts.iter().map(|p| p.1).chain([1.0]));
    let (xlo, xhi) = bounds(pts.iter().map(|p| p.0));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 400)).into_drawing_area();
        root.fill(&WHITE).map_err(out)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("stitched out-of-sample equity", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(xlo..xhi, ylo..yhi)
            .map_err(out)?;
        chart
            .configure_mesh()
            .x_desc("row")
            .y_desc("equity")
            .draw()
            .map_err(out)?;
        chart
            .draw_series(LineSeries::new(pts, &BLUE))
            .map_err(out)?;
        root.present().map_err(out)?;
    }
    Ok(svg)
}

/// Timeline: one row per split; training rows blue, test rows red, rows
/// removed by gap/purge/embargo (inside the split's span, in neither set) grey.
///
/// # Errors
/// [`Error::InsufficientData`] for no splits; [`Error::Output`] on drawing errors.
pub fn timeline_svg(splits: &[Split], n_samples: usize) -> Result<String> {
    if splits.is_empty() {
        return Err(Error::InsufficientData {
            what: "splits",
            got: 0,
            need: 1,
        });
    }
    let h = u32::try_from(60 + 18 * splits.len().min(200)).unwrap_or(u32::MAX);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, h)).into_drawing_area();
        root.fill(&WHITE).map_err(out)?;
        #[allow(clippy::cast_precision_loss, reason = "row counts")]
        let (n, k) = (n_samples as f64, splits.len() as f64);
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "train (blue) / test (red) / purged+embargoed (grey)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..n, k..-0.5)
            .map_err(out)?;
        chart
            .configure_mesh()
            .x_desc("row")
            .y_desc("split")
            .disable_mesh()
            .draw()
            .map_err(out)?;
        for s in splits {
            #[allow(clippy::cast_precision_loss, reason = "ids and rows")]
            let y = s.id as f64;
            let mut all = s.train.clone();
            all.extend(s.test.iter().cloned());
            let all = normalize(all);
            let removed = match (all.first(), all.last()) {
                (Some(a), Some(b)) => subtract(&[a.start..b.end], &all),
                _ => Vec::new(),
            };
            for (ranges, color) in [
                (&s.train, BLUE),
                (&s.test, RED),
                (&removed, RGBColor(150, 150, 150)),
            ] {
                #[allow(clippy::cast_precision_loss, reason = "rows")]
                chart
                    .draw_series(ranges.iter().map(|r| {
                        Rectangle::new(
                            [(r.start as f64, y - 0.35), (r.end as f64, y + 0.35)],
                            color.filled(),
                        )
                    }))
                    .map_err(out)?;
            }
        }
        root.present().map_err(out)?;
    }
    Ok(svg)
}
