//! `aaiti features`: compute TA-Lib-exact indicators / feature sets from a bars CSV.
//!
//! ```text
//! aaiti features --input bars.csv --spec features.toml --output features.csv
//! aaiti features --input bars.csv --preset seed60 --output features.csv
//! aaiti features --input bars.csv --talib RSI --talib MACD:fastperiod=8,slowperiod=21 --output out.csv
//! aaiti features --list
//! ```
//! With `--spec`/`--preset` the warm-up rows are dropped (their count is printed); with
//! `--talib` every bar is written, NaN (empty) inside each function's lookback, exactly like
//! TA-Lib, and columns are named `FUNC.output` (`RSI.real`, `MACD.macdsignal`). Values are
//! written in Rust's shortest round-trip form (parsing a field gives back the exact `f64`); an
//! infinite value (e.g. a variance that overflowed) is written as `inf`/`-inf`, not as empty.

use std::fmt::Write as _;
use std::path::PathBuf;

use aaiti_features::{FeatureSpec, Params, batch_dyn, catalog, indicator};
use anyhow::{Context, bail};

/// Arguments of `aaiti features`.
#[derive(Debug, clap::Args)]
pub(crate) struct Command {
    /// Input bars CSV (`timestamp,open,high,low,close,volume`).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Feature-set spec (TOML, or JSON by extension).
    #[arg(long, conflicts_with_all = ["talib", "preset"])]
    spec: Option<PathBuf>,
    /// A named preset (`seed60`).
    #[arg(long, conflicts_with = "talib")]
    preset: Option<String>,
    /// A TA-Lib function, optionally with parameters: `RSI` or `MACD:fastperiod=8,slowperiod=21`.
    #[arg(long)]
    talib: Vec<String>,
    /// Output CSV.
    #[arg(long)]
    output: Option<PathBuf>,
    /// List the indicator catalog (names, groups, parameters, outputs) as JSON and exit.
    #[arg(long)]
    list: bool,
}

#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI's output"
)]
/// Runs the subcommand.
pub(crate) fn run(cmd: Command) -> anyhow::Result<()> {
    if cmd.list {
        println!("{}", serde_json::to_string_pretty(&catalog())?);
        return Ok(());
    }
    let input = cmd.input.context("--input is required")?;
    let output = cmd.output.context("--output is required")?;
    let bars = aaiti_core::read_csv_path(&input)
        .with_context(|| format!("reading {}", input.display()))?;
    if !cmd.talib.is_empty() {
        let n = write_talib(&bars, &cmd.talib, &output)?;
        eprintln!(
            "wrote {} rows x {n} columns to {}",
            bars.len(),
            output.display()
        );
        return Ok(());
    }
    let spec = match (&cmd.spec, &cmd.preset) {
        (Some(p), _) => FeatureSpec::from_path(p)?,
        (None, Some(name)) => FeatureSpec::preset(name)?,
        (None, None) => bail!("give --spec, --preset or at least one --talib"),
    };
    let m = spec.compute(&bars)?;
    m.write_csv(&output)?;
    eprintln!(
        "wrote {} rows x {} features to {} ({} warm-up rows dropped)",
        m.values().nrows(),
        m.names().len(),
        output.display(),
        m.warmup_rows()
    );
    Ok(())
}

/// Writes every bar with one column per TA-Lib output; returns the number of columns.
fn write_talib(
    bars: &aaiti_core::Bars,
    specs: &[String],
    output: &std::path::Path,
) -> anyhow::Result<usize> {
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for s in specs {
        let (func, params) = Params::parse_spec(s)?;
        let ind = indicator(&func, &params)?;
        let m = batch_dyn(ind.as_ref(), bars);
        for (j, o) in ind.output_names().iter().enumerate() {
            let mut name = format!("{}.{o}", func.to_ascii_uppercase());
            if names.contains(&name) {
                name = format!(
                    "{}({}).{o}",
                    func.to_ascii_uppercase(),
                    s.split_once(':').map_or("", |x| x.1)
                );
            }
            if names.contains(&name) {
                bail!("column `{name}` requested twice");
            }
            names.push(name);
            cols.push(m.column(j).to_owned());
        }
    }
    let mut out = String::from("timestamp");
    for n in &names {
        out.push(',');
        out.push_str(&csv_field(n));
    }
    out.push('\n');
    for (i, t) in bars.timestamps().iter().enumerate() {
        out.push_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        for c in &cols {
            out.push(',');
            if !c[i].is_nan() {
                let _ = write!(out, "{}", c[i]);
            }
        }
        out.push('\n');
    }
    std::fs::write(output, out).with_context(|| format!("writing {}", output.display()))?;
    Ok(names.len())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars_csv(dir: &std::path::Path) -> PathBuf {
        let p = dir.join("bars.csv");
        let mut s = String::from("timestamp,open,high,low,close,volume\n");
        for i in 0..120 {
            let c = 100.0 + (f64::from(i) * 0.2).sin() * 3.0 + f64::from(i) * 0.01;
            let _ = writeln!(
                s,
                "2024-01-{:02}T{:02}:00:00Z,{c},{},{},{c},{}",
                i / 24 + 1,
                i % 24,
                c + 1.0,
                c - 1.0,
                10 + i
            );
        }
        std::fs::write(&p, s).unwrap();
        p
    }

    #[test]
    fn talib_one_off_columns_and_spec_mode() {
        let dir = tempfile::tempdir().unwrap();
        let input = bars_csv(dir.path());
        let out = dir.path().join("out.csv");
        run(Command {
            input: Some(input.clone()),
            spec: None,
            preset: None,
            talib: vec!["RSI".into(), "MACD:fastperiod=8,slowperiod=21".into()],
            output: Some(out.clone()),
            list: false,
        })
        .unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header,
            "timestamp,RSI.real,MACD.macd,MACD.macdsignal,MACD.macdhist"
        );
        assert_eq!(text.lines().count(), 121);
        // RSI(14) lookback: row 14 is the first non-empty value
        let row = |i: usize| {
            text.lines()
                .nth(i + 1)
                .unwrap()
                .split(',')
                .nth(1)
                .unwrap()
                .to_owned()
        };
        assert!(row(13).is_empty() && !row(14).is_empty());

        let spec = dir.path().join("f.toml");
        std::fs::write(
            &spec,
            "[[features]]\nfunction = \"SMA\"\nparams = { timeperiod = 10 }\n",
        )
        .unwrap();
        let out2 = dir.path().join("f.csv");
        run(Command {
            input: Some(input),
            spec: Some(spec),
            preset: None,
            talib: vec![],
            output: Some(out2.clone()),
            list: false,
        })
        .unwrap();
        let t2 = std::fs::read_to_string(&out2).unwrap();
        assert!(t2.starts_with("timestamp,SMA(timeperiod=10).real\n"));
        assert_eq!(t2.lines().count(), 1 + 120 - 9);
    }

    #[test]
    fn bad_talib_parameter_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = bars_csv(dir.path());
        let e = run(Command {
            input: Some(input),
            spec: None,
            preset: None,
            talib: vec!["RSI:timeperiod=1".into()],
            output: Some(dir.path().join("o.csv")),
            list: false,
        })
        .unwrap_err();
        assert!(format!("{e:#}").contains("timeperiod"), "{e:#}");
    }

    #[test]
    fn infinite_values_are_written_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("bars.csv");
        std::fs::write(
            &input,
            "timestamp,open,high,low,close,volume\n\
             2024-01-01T00:00:00Z,1e-300,1e-300,1e-300,1e-300,1\n\
             2024-01-01T01:00:00Z,1e300,1e300,1e300,1e300,1\n",
        )
        .unwrap();
        let out = dir.path().join("o.csv");
        run(Command {
            input: Some(input),
            spec: None,
            preset: None,
            talib: vec!["ROCR:timeperiod=1".into()],
            output: Some(out.clone()),
            list: false,
        })
        .unwrap();
        let text = std::fs::read_to_string(out).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(rows[0], "timestamp,ROCR.real");
        // Bar 0 is inside the lookback (NaN, empty); bar 1 is 1e300 / 1e-300 = +inf.
        assert_eq!(rows[1], "2024-01-01T00:00:00Z,");
        assert_eq!(rows[2], "2024-01-01T01:00:00Z,inf");
    }
}
