//! `aaiti data`: inspect, validate and resample market-data files.

use std::path::PathBuf;
use std::process::ExitCode;

use aaiti_core::{CsvOptions, DataQualityReport, RepairPolicy, Timeframe, TimestampFormat};
use anyhow::Context as _;

/// `aaiti data` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Print rows, time range, gaps, anomalies and validation errors of a CSV (or .csv.gz) file.
    ///
    /// Exits with status 1 when the file has validation errors.
    Inspect(InspectArgs),
    /// Aggregate bars into a coarser timeframe (bars are labelled by open time).
    Resample(ResampleArgs),
}

/// Options shared by the readers.
#[derive(Debug, clap::Args)]
pub(crate) struct ReadArgs {
    /// The bars' timeframe (e.g. 1m, 1h, 1d); inferred from the most common spacing if absent.
    #[arg(long)]
    timeframe: Option<Timeframe>,
    /// How timestamps are encoded.
    #[arg(long, value_enum, default_value = "auto")]
    timestamp_format: TsFormat,
    /// Symbol to record (defaults to the file name).
    #[arg(long)]
    symbol: Option<String>,
    /// Repair: drop rows that exactly duplicate the previous row (reported).
    #[arg(long)]
    drop_exact_duplicates: bool,
    /// Repair: sort rows by timestamp instead of rejecting out-of-order rows (reported).
    #[arg(long)]
    sort: bool,
}

impl ReadArgs {
    fn options(&self) -> CsvOptions {
        CsvOptions {
            symbol: self.symbol.clone(),
            timeframe: self.timeframe,
            timestamp_format: match self.timestamp_format {
                TsFormat::Auto => TimestampFormat::Auto,
                TsFormat::Iso8601 => TimestampFormat::Iso8601,
                TsFormat::UnixS => TimestampFormat::UnixSeconds,
                TsFormat::UnixMs => TimestampFormat::UnixMillis,
            },
            repair: RepairPolicy {
                drop_exact_duplicates: self.drop_exact_duplicates,
                sort_by_timestamp: self.sort,
            },
            ..CsvOptions::default()
        }
    }
}

/// Timestamp encodings accepted on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum TsFormat {
    /// Detect from the first row.
    Auto,
    /// ISO-8601 / RFC 3339.
    Iso8601,
    /// Unix seconds.
    UnixS,
    /// Unix milliseconds.
    UnixMs,
}

/// Arguments of `aaiti data inspect`.
#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// CSV file (gzip if it ends in .gz).
    file: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Stop collecting validation errors after this many.
    #[arg(long, default_value_t = 20)]
    max_errors: usize,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Arguments of `aaiti data resample`.
#[derive(Debug, clap::Args)]
pub(crate) struct ResampleArgs {
    /// Input CSV file.
    file: PathBuf,
    /// Target timeframe (a whole multiple of the input's).
    #[arg(long)]
    to: Timeframe,
    /// Output CSV file (gzip if it ends in .gz).
    #[arg(long, short)]
    output: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
}

/// Runs `aaiti data`.
pub(crate) fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Inspect(args) => inspect(&args),
        Command::Resample(args) => {
            let loaded = aaiti_core::read_csv(&args.file, &args.read.options())?;
            let out = loaded.bars.resample(args.to)?;
            aaiti_core::write_csv(&out, &args.output)
                .with_context(|| format!("writing {}", args.output.display()))?;
            say(&format!(
                "resampled {} {} bars into {} {} bars -> {}",
                loaded.bars.len(),
                loaded
                    .bars
                    .timeframe()
                    .map_or_else(|| "?".into(), |t| t.to_string()),
                out.len(),
                args.to,
                args.output.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[allow(clippy::print_stdout, reason = "the CLI's output")]
fn say(s: &str) {
    println!("{s}");
}

fn inspect(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let ins = aaiti_core::inspect_csv(&args.file, &args.read.options(), args.max_errors)?;
    let report = ins.loaded.as_ref().map(|l| l.bars.quality_report());
    if args.json {
        let value = serde_json::json!({
            "file": args.file,
            "rows": ins.rows,
            "valid": ins.errors.is_empty(),
            "errors": ins.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "errors_truncated": ins.truncated,
            "repairs": ins.loaded.as_ref().map(|l| &l.report.repairs),
            "quality": report,
        });
        say(&serde_json::to_string_pretty(&value)?);
    } else {
        say(&format!("file:       {}", args.file.display()));
        say(&format!("rows:       {}", ins.rows));
        if let Some(l) = &ins.loaded {
            for r in &l.report.repairs {
                say(&format!("repaired:   {}", serde_json::to_string(r)?));
            }
        }
        if let Some(q) = &report {
            print_quality(q);
        }
        if ins.errors.is_empty() {
            say("validation: OK (no hard errors)");
        } else {
            say(&format!(
                "validation: FAILED, {} error(s){}",
                ins.errors.len(),
                if ins.truncated {
                    " (more not shown; raise --max-errors)"
                } else {
                    ""
                }
            ));
            for e in &ins.errors {
                say(&format!("  error: {e}"));
            }
        }
    }
    Ok(if ins.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_quality(q: &DataQualityReport) {
    let fmt_t =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or_else(|| "-".into(), |t| t.to_rfc3339());
    say(&format!(
        "range:      {} -> {}",
        fmt_t(q.first),
        fmt_t(q.last)
    ));
    say(&format!(
        "timeframe:  {}",
        q.timeframe
            .map_or_else(|| "unknown (fewer than 2 rows)".into(), |t| t.to_string())
    ));
    match q.longest_gap {
        Some(g) => say(&format!(
            "gaps:       {} gap(s), {} missing bar(s); longest {} bar(s) between {} and {}",
            q.gap_count,
            q.missing_bars,
            g.missing_bars,
            g.after.to_rfc3339(),
            g.before.to_rfc3339()
        )),
        None => say("gaps:       none"),
    }
    if q.irregular_spacings > 0 {
        say(&format!(
            "irregular:  {} spacing(s) not a whole number of bars",
            q.irregular_spacings
        ));
    }
    say(&format!("zero-volume bars: {}", q.zero_volume_bars));
    say(&format!("flat bars (O=H=L=C): {}", q.flat_bars));
    match q.longest_flat_zero_volume_run {
        Some(r) => say(&format!(
            "flat zero-volume bars (likely vendor filler): {}; longest run {} bar(s) {} -> {}",
            q.flat_zero_volume_bars,
            r.bars,
            r.start.to_rfc3339(),
            r.end.to_rfc3339()
        )),
        None => say("flat zero-volume bars: 0"),
    }
    if let Some((r, t)) = q.largest_abs_log_return {
        say(&format!(
            "largest |log return|: {r:.4} at {}",
            t.to_rfc3339()
        ));
    }
}
