//! Reading and writing bars as CSV (plain or gzip-compressed).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::bars::{Bar, Bars, ColumnNames, Ohlcv, check_bar, check_order};
use crate::error::{BarError, Error, Location, Result};
use crate::quality::{Repair, RepairPolicy, RepairReport};
use crate::timeframe::Timeframe;

/// How the timestamp column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampFormat {
    /// Decide from the first data row: an integer above 10^11 is Unix milliseconds, another
    /// integer is Unix seconds, anything else is ISO-8601. The choice then holds for every row.
    #[default]
    Auto,
    /// ISO-8601 / RFC 3339 (`2024-01-01T00:00:00Z`, `+01:00` offsets converted to UTC), or a
    /// naive `2024-01-01 00:00:00` / `2024-01-01T00:00:00` / `2024-01-01` taken as UTC.
    Iso8601,
    /// Integer (or fractional) seconds since the Unix epoch.
    UnixSeconds,
    /// Integer milliseconds since the Unix epoch.
    UnixMillis,
}

/// Header names of the six columns. Matching is case-insensitive; extra columns are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnMap {
    /// Timestamp column (default `timestamp`; `date`, `datetime`, `time` are also tried).
    pub timestamp: String,
    /// Open price column.
    pub open: String,
    /// High price column.
    pub high: String,
    /// Low price column.
    pub low: String,
    /// Close price column.
    pub close: String,
    /// Volume column.
    pub volume: String,
}

impl Default for ColumnMap {
    fn default() -> Self {
        Self {
            timestamp: "timestamp".into(),
            open: "open".into(),
            high: "high".into(),
            low: "low".into(),
            close: "close".into(),
            volume: "volume".into(),
        }
    }
}

/// Options for [`read_csv`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CsvOptions {
    /// Instrument symbol; defaults to the file stem.
    pub symbol: Option<String>,
    /// The bar duration; when `None` it is inferred as the most common spacing of timestamps.
    pub timeframe: Option<Timeframe>,
    /// Header names.
    pub columns: ColumnMap,
    /// Timestamp encoding.
    pub timestamp_format: TimestampFormat,
    /// Field delimiter (default `,`).
    pub delimiter: u8,
    /// Opt-in repairs; by default none, and every defect is an error.
    pub repair: RepairPolicy,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            symbol: None,
            timeframe: None,
            columns: ColumnMap::default(),
            timestamp_format: TimestampFormat::Auto,
            delimiter: b',',
            repair: RepairPolicy::default(),
        }
    }
}

/// Bars loaded from a file, with the repairs that were applied on request.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The validated bars.
    pub bars: Bars,
    /// What the [`RepairPolicy`] changed (empty when nothing was repaired).
    pub report: RepairReport,
}

/// Reads and validates bars from a CSV file (gzip when the name ends in `.gz`), with default
/// options: symbol from the file name, timeframe inferred.
///
/// # Errors
/// See [`read_csv`].
pub fn read_csv_path(path: impl AsRef<Path>) -> Result<Bars> {
    read_csv(path, &CsvOptions::default()).map(|l| l.bars)
}

/// Reads and validates bars from a CSV file (gzip-compressed when the name ends in `.gz`).
///
/// The first defect stops the read with a typed error naming the 1-based file line (the header
/// is line 1), the column and the value. Use [`inspect_csv`] to collect every defect instead.
///
/// # Errors
/// [`Error::Io`], [`Error::Csv`], [`Error::MissingColumn`], [`Error::FieldCount`], or
/// [`Error::Invalid`] with a [`BarError`] for an unparsable field, a non-monotonic or duplicate
/// timestamp, `high < low`, open/close outside `[low, high]`, a non-finite or non-positive
/// price, or a negative or non-finite volume.
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Loaded> {
    let path = path.as_ref();
    let mut scan = Scan::new(path, opts, 0)?;
    scan.run()?;
    if !scan.errors.is_empty() {
        return Err(scan.errors.swap_remove(0));
    }
    scan.finish()
}

/// Everything [`inspect_csv`] found in a file.
#[derive(Debug)]
pub struct Inspection {
    /// The bars, if the file had no hard errors.
    pub loaded: Option<Loaded>,
    /// Hard errors, in file order, at most the `max_errors` asked for.
    pub errors: Vec<Error>,
    /// Whether more errors were found than were kept.
    pub truncated: bool,
    /// Data rows read.
    pub rows: usize,
}

/// Reads a CSV file like [`read_csv`] but keeps going after a defect, collecting up to
/// `max_errors` of them (a file-level error such as a missing column still stops at once).
///
/// # Errors
/// Only file-level errors: [`Error::Io`], [`Error::MissingColumn`].
pub fn inspect_csv(
    path: impl AsRef<Path>,
    opts: &CsvOptions,
    max_errors: usize,
) -> Result<Inspection> {
    let path = path.as_ref();
    let mut scan = Scan::new(path, opts, max_errors.max(1))?;
    // (max_errors >= 1 here, so the scan reads the whole file.)
    scan.run()?;
    let rows = scan.timestamps.len() + scan.skipped_rows;
    let truncated = scan.truncated;
    if scan.errors.is_empty() {
        let loaded = scan.finish()?;
        Ok(Inspection {
            loaded: Some(loaded),
            errors: Vec::new(),
            truncated,
            rows,
        })
    } else {
        Ok(Inspection {
            loaded: None,
            errors: scan.errors,
            truncated,
            rows,
        })
    }
}

fn open_reader(path: &Path) -> Result<Box<dyn Read>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let buf = BufReader::with_capacity(1 << 16, file);
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(buf)))
    } else {
        Ok(Box::new(buf))
    }
}

/// Column positions in the header.
struct Positions {
    ts: usize,
    ohlcv: [usize; 5],
}

fn find_columns(
    path: &Path,
    header: &csv::StringRecord,
    map: &ColumnMap,
) -> Result<(Positions, ColumnNames, String)> {
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let lookup: HashMap<String, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_ascii_lowercase(), i))
        .collect();
    let missing = |column: &str| Error::MissingColumn {
        path: path.to_owned(),
        column: column.to_owned(),
        header: names.clone(),
    };
    let ts_candidates: Vec<String> = if map.timestamp == ColumnMap::default().timestamp {
        ["timestamp", "date", "datetime", "time"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        vec![map.timestamp.clone()]
    };
    let ts = ts_candidates
        .iter()
        .find_map(|c| lookup.get(&c.to_ascii_lowercase()).copied())
        .ok_or_else(|| missing(&map.timestamp))?;
    let mut ohlcv = [0usize; 5];
    for (slot, name) in
        ohlcv
            .iter_mut()
            .zip([&map.open, &map.high, &map.low, &map.close, &map.volume])
    {
        *slot = *lookup
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| missing(name))?;
    }
    let col = |i: usize| names[i].clone();
    let col_names = ColumnNames {
        open: col(ohlcv[0]),
        high: col(ohlcv[1]),
        low: col(ohlcv[2]),
        close: col(ohlcv[3]),
        volume: col(ohlcv[4]),
    };
    Ok((Positions { ts, ohlcv }, col_names, names[ts].clone()))
}

/// The streaming state of one CSV read.
struct Scan<'a> {
    path: &'a Path,
    opts: &'a CsvOptions,
    reader: csv::Reader<Box<dyn Read>>,
    pos: Positions,
    names: ColumnNames,
    ts_name: String,
    header_len: usize,
    format: Option<TimestampFormat>,
    timestamps: Vec<DateTime<Utc>>,
    lines: Vec<u64>,
    cols: [Vec<f64>; 5],
    errors: Vec<Error>,
    max_errors: usize,
    truncated: bool,
    skipped_rows: usize,
    repairs: Vec<Repair>,
}

impl<'a> Scan<'a> {
    fn new(path: &'a Path, opts: &'a CsvOptions, max_errors: usize) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .has_headers(true)
            .flexible(true)
            .from_reader(open_reader(path)?);
        let header = reader
            .headers()
            .map_err(|source| csv_error(path, source))?
            .clone();
        let (pos, names, ts_name) = find_columns(path, &header, &opts.columns)?;
        let format = match opts.timestamp_format {
            TimestampFormat::Auto => None,
            f => Some(f),
        };
        Ok(Self {
            path,
            opts,
            reader,
            pos,
            names,
            ts_name,
            header_len: header.len(),
            format,
            timestamps: Vec::new(),
            lines: Vec::new(),
            cols: Default::default(),
            errors: Vec::new(),
            max_errors,
            truncated: false,
            skipped_rows: 0,
            repairs: Vec::new(),
        })
    }

    fn location(&self, line: u64) -> Location {
        Location::Line {
            path: Some(self.path.to_owned()),
            line,
        }
    }

    /// Records an error; returns whether to keep reading. `read_csv` (`max_errors == 0`)
    /// stops at the first error; `inspect_csv` reads on, keeping at most `max_errors`.
    fn push_error(&mut self, e: Error) -> bool {
        if self.errors.len() < self.max_errors.max(1) {
            self.errors.push(e);
        } else {
            self.truncated = true;
        }
        self.max_errors > 0
    }

    fn run(&mut self) -> Result<()> {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(source) => {
                    let e = csv_error(self.path, source);
                    if matches!(&e, Error::Io { .. }) {
                        return Err(e);
                    }
                    self.skipped_rows += 1;
                    if !self.push_error(e) {
                        break;
                    }
                    continue;
                }
            }
            let line = record.position().map_or(0, csv::Position::line);
            if let Err(e) = self.row(&record, line) {
                self.skipped_rows += 1;
                if !self.push_error(e) {
                    break;
                }
            }
        }
        Ok(())
    }

    fn row(&mut self, record: &csv::StringRecord, line: u64) -> Result<()> {
        if record.len() != self.header_len {
            return Err(Error::FieldCount {
                location: self.location(line),
                expected: self.header_len,
                found: record.len(),
            });
        }
        let invalid = |error: BarError| {
            Error::invalid(
                Location::Line {
                    path: Some(self.path.to_owned()),
                    line,
                },
                error,
            )
        };
        let raw_ts = record.get(self.pos.ts).unwrap_or("").trim();
        let format = *self.format.get_or_insert_with(|| detect_format(raw_ts));
        let ts = parse_timestamp(raw_ts, format).ok_or_else(|| {
            invalid(BarError::Unparsable {
                column: self.ts_name.clone(),
                value: raw_ts.to_owned(),
                expected: format_description(format).to_owned(),
            })
        })?;
        let mut v = [0.0f64; 5];
        let names = [
            &self.names.open,
            &self.names.high,
            &self.names.low,
            &self.names.close,
            &self.names.volume,
        ];
        for k in 0..5 {
            let raw = record.get(self.pos.ohlcv[k]).unwrap_or("").trim();
            v[k] = raw.parse::<f64>().map_err(|_| {
                invalid(BarError::Unparsable {
                    column: names[k].clone(),
                    value: raw.to_owned(),
                    expected: "a number".into(),
                })
            })?;
        }
        let bar = Bar {
            open: v[0],
            high: v[1],
            low: v[2],
            close: v[3],
            volume: v[4],
        };
        check_bar(&bar, &self.names).map_err(invalid)?;
        if let (Some(&prev), Some(&prev_line)) = (self.timestamps.last(), self.lines.last()) {
            if ts == prev && self.opts.repair.drop_exact_duplicates && self.last_bar() == Some(bar)
            {
                self.repairs.push(Repair::DroppedExactDuplicate {
                    line,
                    duplicate_of_line: prev_line,
                    timestamp: ts,
                });
                return Ok(());
            }
            if ts < prev && self.opts.repair.sort_by_timestamp {
                // Accepted for now; sorted (and reported) in `finish`.
            } else {
                check_order(prev, ts, &self.ts_name, self.location(prev_line)).map_err(invalid)?;
            }
        }
        self.timestamps.push(ts);
        self.lines.push(line);
        for (c, x) in self.cols.iter_mut().zip(v) {
            c.push(x);
        }
        Ok(())
    }

    fn last_bar(&self) -> Option<Bar> {
        let i = self.timestamps.len().checked_sub(1)?;
        Some(Bar {
            open: self.cols[0][i],
            high: self.cols[1][i],
            low: self.cols[2][i],
            close: self.cols[3][i],
            volume: self.cols[4][i],
        })
    }

    fn finish(mut self) -> Result<Loaded> {
        if self.opts.repair.sort_by_timestamp && self.timestamps.windows(2).any(|w| w[1] < w[0]) {
            let mut order: Vec<usize> = (0..self.timestamps.len()).collect();
            order.sort_by_key(|&i| (self.timestamps[i], self.lines[i]));
            let moved = order.iter().enumerate().filter(|(k, i)| *k != **i).count();
            self.timestamps = order.iter().map(|&i| self.timestamps[i]).collect();
            self.lines = order.iter().map(|&i| self.lines[i]).collect();
            for c in &mut self.cols {
                *c = order.iter().map(|&i| c[i]).collect();
            }
            self.repairs
                .push(Repair::SortedByTimestamp { rows_moved: moved });
            for i in 1..self.timestamps.len() {
                check_order(
                    self.timestamps[i - 1],
                    self.timestamps[i],
                    &self.ts_name,
                    self.location(self.lines[i - 1]),
                )
                .map_err(|error| Error::invalid(self.location(self.lines[i]), error))?;
            }
        }
        let symbol = self
            .opts
            .symbol
            .clone()
            .unwrap_or_else(|| symbol_from_path(self.path));
        let timeframe = self
            .opts
            .timeframe
            .or_else(|| crate::quality::infer_timeframe(&self.timestamps));
        let [open, high, low, close, volume] = self.cols.map(Array1::from_vec);
        let bars = Bars::from_valid_parts(
            symbol,
            timeframe,
            self.timestamps,
            Ohlcv {
                open,
                high,
                low,
                close,
                volume,
            },
        );
        Ok(Loaded {
            bars,
            report: RepairReport {
                repairs: self.repairs,
            },
        })
    }
}

fn csv_error(path: &Path, source: csv::Error) -> Error {
    if source.is_io_error() {
        return Error::Io {
            path: path.to_owned(),
            source: std::io::Error::other(source),
        };
    }
    let line = source.position().map_or(0, csv::Position::line);
    Error::Csv {
        location: Location::Line {
            path: Some(path.to_owned()),
            line,
        },
        source,
    }
}

/// The symbol for a file: its name up to the first `.` or `_`-separated timeframe part.
fn symbol_from_path(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("UNKNOWN");
    name.split('.').next().unwrap_or(name).to_owned()
}

fn detect_format(raw: &str) -> TimestampFormat {
    match raw.parse::<i64>() {
        Ok(n) if n.unsigned_abs() >= 100_000_000_000 => TimestampFormat::UnixMillis,
        Ok(_) => TimestampFormat::UnixSeconds,
        Err(_) if raw.parse::<f64>().is_ok() => TimestampFormat::UnixSeconds,
        Err(_) => TimestampFormat::Iso8601,
    }
}

fn format_description(f: TimestampFormat) -> &'static str {
    match f {
        TimestampFormat::Auto | TimestampFormat::Iso8601 => "an ISO-8601 timestamp",
        TimestampFormat::UnixSeconds => "Unix seconds",
        TimestampFormat::UnixMillis => "Unix milliseconds",
    }
}

/// Parses one timestamp in a known format. `None` when it does not parse.
#[must_use]
pub fn parse_timestamp(raw: &str, format: TimestampFormat) -> Option<DateTime<Utc>> {
    match format {
        TimestampFormat::Auto => parse_timestamp(raw, detect_format(raw)),
        TimestampFormat::UnixMillis => DateTime::from_timestamp_millis(raw.parse().ok()?),
        TimestampFormat::UnixSeconds => match raw.parse::<i64>() {
            Ok(s) => DateTime::from_timestamp(s, 0),
            Err(_) => {
                let f: f64 = raw.parse().ok()?;
                if !f.is_finite() {
                    return None;
                }
                let nanos = (f * 1e9).round();
                if nanos.abs() > 9.2e18 {
                    return None;
                }
                #[allow(clippy::cast_possible_truncation, reason = "range checked above")]
                Some(DateTime::from_timestamp_nanos(nanos as i64))
            }
        },
        TimestampFormat::Iso8601 => {
            if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
                return Some(t.with_timezone(&Utc));
            }
            for fmt in [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ] {
                if let Ok(t) = NaiveDateTime::parse_from_str(raw, fmt) {
                    return Some(t.and_utc());
                }
            }
            if let Ok(t) = DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f%z") {
                return Some(t.with_timezone(&Utc));
            }
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
        }
    }
}

/// Writes bars as CSV with the header `timestamp,open,high,low,close,volume`, timestamps in
/// RFC 3339 with a `Z` suffix, and numbers in Rust's shortest round-trip form, so that
/// [`read_csv`] gives back exactly the same values.
///
/// # Errors
/// [`Error::Io`] when the file cannot be written.
pub fn write_csv(bars: &Bars, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut out: Box<dyn Write> = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(flate2::write::GzEncoder::new(
            BufWriter::new(file),
            flate2::Compression::default(),
        ))
    } else {
        Box::new(BufWriter::new(file))
    };
    write_csv_to(bars, &mut out).map_err(io)?;
    out.flush().map_err(io)
}

/// Writes bars as CSV to any writer (see [`write_csv`]).
///
/// # Errors
/// Any I/O error of the writer.
pub fn write_csv_to(bars: &Bars, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "timestamp,open,high,low,close,volume")?;
    for (t, b) in bars.iter() {
        writeln!(
            out,
            "{},{:?},{:?},{:?},{:?},{:?}",
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            b.open,
            b.high,
            b.low,
            b.close,
            b.volume
        )?;
    }
    Ok(())
}
