//! Plots (plotters): metric per split, stitched equity curve, and the
//! train / test / purge+embargo timeline, as SVG documents or PNG images.
//!
//! PNG images are drawn with plotters' bitmap backend **without text**: drawing
//! glyphs into a bitmap needs a font engine (plotters' `ttf` feature loads
//! system fonts through fontconfig, `ab_glyph` needs font files shipped with
//! the binary), and neither is worth the dependency for a preview image. The
//! PNG therefore carries the same geometry (series, mesh, colours) as the SVG,
//! and the SVG carries the captions, axis labels and legend.

use plotters::coord::Shift;
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

/// Renders with the SVG backend.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        draw(root)?;
    }
    Ok(s)
}

/// Renders with the bitmap backend (no text) and encodes an 8-bit RGB PNG.
fn png(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
) -> Result<Vec<u8>> {
    let (w, h) = size;
    let len = usize::try_from(u64::from(w) * u64::from(h) * 3)
        .map_err(|_| Error::Output(format!("image {w}x{h} too large")))?;
    let mut buf = vec![0u8; len];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        draw(root)?;
    }
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(out)?;
        wr.write_image_data(&buf).map_err(out)?;
        wr.finish().map_err(out)?;
    }
    Ok(bytes)
}

fn metric_points(report: &Report, metric: &str) -> Result<Vec<(f64, f64)>> {
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
    Ok(pts)
}

fn draw_metric<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    report: &Report,
    metric: &str,
    pts: &[(f64, f64)],
    text: bool,
) -> Result<()> {
    let (ylo, yhi) = bounds(pts.iter().map(|p| p.1));
    let xmax = pts.iter().map(|p| p.0).fold(0.0, f64::max) + 0.5;
    root.fill(&WHITE).map_err(out)?;
    let mut b = ChartBuilder::on(root);
    b.margin(10);
    if text {
        b.caption(format!("{metric} per split"), ("sans-serif", 20))
            .x_label_area_size(30)
            .y_label_area_size(50);
    }
    let mut chart = b.build_cartesian_2d(-0.5..xmax, ylo..yhi).map_err(out)?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("split").y_desc(metric);
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw().map_err(out)?;
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
        let s = chart
            .draw_series(LineSeries::new([(-0.5, m), (xmax, m)], &RED))
            .map_err(out)?;
        if text {
            s.label(format!("mean {m:.3}"))
                .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], RED));
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .draw()
                .map_err(out)?;
        }
    }
    root.present().map_err(out)?;
    Ok(())
}

const METRIC_SIZE: (u32, u32) = (800, 400);
const EQUITY_SIZE: (u32, u32) = (900, 400);

/// Line chart of one per-split metric: `"accuracy"`, `"precision"`, `"recall"`,
/// `"f1"` or any trading metric name. Returns the SVG document.
///
/// # Errors
/// [`Error::InvalidParameter`] if no split has the metric; [`Error::Output`] on drawing errors.
pub fn metric_per_split_svg(report: &Report, metric: &str) -> Result<String> {
    let pts = metric_points(report, metric)?;
    svg(METRIC_SIZE, |root| {
        draw_metric(&root, report, metric, &pts, true)
    })
}

/// [`metric_per_split_svg`] as a PNG image (no text; see the module docs).
///
/// # Errors
/// As [`metric_per_split_svg`].
pub fn metric_per_split_png(report: &Report, metric: &str) -> Result<Vec<u8>> {
    let pts = metric_points(report, metric)?;
    png(METRIC_SIZE, |root| {
        draw_metric(&root, report, metric, &pts, false)
    })
}

fn equity_points(equity: &[EquityPoint]) -> Result<Vec<(f64, f64)>> {
    if equity.is_empty() {
        return Err(Error::InsufficientData {
            what: "equity points",
            got: 0,
            need: 1,
        });
    }
    #[allow(clippy::cast_precision_loss, reason = "row ids")]
    Ok(equity.iter().map(|p| (p.row as f64, p.equity)).collect())
}

fn draw_equity<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pts: Vec<(f64, f64)>,
    text: bool,
) -> Result<()> {
    let (ylo, yhi) = bounds(pts.iter().map(|p| p.1).chain([1.0]));
    let (xlo, xhi) = bounds(pts.iter().map(|p| p.0));
    root.fill(&WHITE).map_err(out)?;
    let mut b = ChartBuilder::on(root);
    b.margin(10);
    if text {
        b.caption("stitched out-of-sample equity", ("sans-serif", 20))
            .x_label_area_size(30)
            .y_label_area_size(60);
    }
    let mut chart = b.build_cartesian_2d(xlo..xhi, ylo..yhi).map_err(out)?;
    let mut mesh = chart.configure_mesh();
    if text {
        mesh.x_desc("row").y_desc("equity");
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw().map_err(out)?;
    chart
        .draw_series(LineSeries::new([(xlo, 1.0), (xhi, 1.0)], &BLACK.mix(0.4)))
        .map_err(out)?;
    chart
        .draw_series(LineSeries::new(pts, &BLUE))
        .map_err(out)?;
    root.present().map_err(out)?;
    Ok(())
}

/// The stitched out-of-sample equity curve (a grey line marks equity 1).
///
/// # Errors
/// [`Error::InsufficientData`] for an empty curve; [`Error::Output`] on drawing errors.
pub fn equity_svg(equity: &[EquityPoint]) -> Result<String> {
    let pts = equity_points(equity)?;
    svg(EQUITY_SIZE, |root| draw_equity(&root, pts, true))
}

/// [`equity_svg`] as a PNG image (no text; see the module docs).
///
/// # Errors
/// As [`equity_svg`].
pub fn equity_png(equity: &[EquityPoint]) -> Result<Vec<u8>> {
    let pts = equity_points(equity)?;
    png(EQUITY_SIZE, |root| draw_equity(&root, pts, false))
}

fn timeline_size(splits: &[Split]) -> Result<(u32, u32)> {
    if splits.is_empty() {
        return Err(Error::InsufficientData {
            what: "splits",
            got: 0,
            need: 1,
        });
    }
    let h = u32::try_from(60 + 18 * splits.len().min(200)).unwrap_or(u32::MAX);
    Ok((900, h))
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    splits: &[Split],
    n_samples: usize,
    text: bool,
) -> Result<()> {
    root.fill(&WHITE).map_err(out)?;
    #[allow(clippy::cast_precision_loss, reason = "row counts")]
    let (n, k) = (n_samples as f64, splits.len() as f64);
    let mut b = ChartBuilder::on(root);
    b.margin(10);
    if text {
        b.caption(
            "train (blue) / test (red) / purged+embargoed (grey)",
            ("sans-serif", 16),
        )
        .x_label_area_size(30)
        .y_label_area_size(40);
    }
    let mut chart = b.build_cartesian_2d(0.0..n, k..-0.5).map_err(out)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh();
    if text {
        mesh.x_desc("row").y_desc("split");
    } else {
        mesh.x_labels(0).y_labels(0);
    }
    mesh.draw().map_err(out)?;
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
    Ok(())
}

/// Timeline: one row per split; training rows blue, test rows red, rows
/// removed by gap/purge/embargo (inside the split's span, in neither set) grey.
///
/// # Errors
/// [`Error::InsufficientData`] for no splits; [`Error::Output`] on drawing errors.
pub fn timeline_svg(splits: &[Split], n_samples: usize) -> Result<String> {
    let size = timeline_size(splits)?;
    svg(size, |root| draw_timeline(&root, splits, n_samples, true))
}

/// [`timeline_svg`] as a PNG image (no text; see the module docs).
///
/// # Errors
/// As [`timeline_svg`].
pub fn timeline_png(splits: &[Split], n_samples: usize) -> Result<Vec<u8>> {
    let size = timeline_size(splits)?;
    png(size, |root| draw_timeline(&root, splits, n_samples, false))
}
