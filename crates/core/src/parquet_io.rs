//! Reading and writing bars as Parquet (feature `parquet`).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, TimestampMillisecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, Utc};
use ndarray::Array1;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::bars::{Bars, Ohlcv};
use crate::csv_io::{CsvOptions, Loaded};
use crate::error::{BarError, Error, Location, Result};
use crate::quality::RepairReport;

fn pq_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Parquet {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Reads bars from a Parquet file whose columns are named as in `opts.columns` (case-insensitive).
///
/// The timestamp column may be an Arrow `Timestamp` (any unit; a time zone other than UTC is
/// converted), `Date32`/`Date64`, or `Int64` Unix seconds/milliseconds (detected as for CSV);
/// price and volume columns may be `Float64`, `Float32`, `Int64` or `Int32`. Rows are
/// validated exactly as [`crate::read_csv`] does; locations are 0-based [`Location::Row`]s.
/// Repair policies are not applied to Parquet input.
///
/// # Errors
/// [`Error::Io`], [`Error::Parquet`] (unreadable file, unsupported column type),
/// [`Error::MissingColumn`], or [`Error::Invalid`] for a null or invalid value.
pub fn read_parquet(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Loaded> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| pq_err(path, e))?;
    let schema = builder.schema().clone();
    let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::MissingColumn {
                path: path.to_owned(),
                column: name.to_owned(),
                header: header.clone(),
            })
    };
    let m = &opts.columns;
    let ts_idx = find(&m.timestamp)?;
    let idx = [
        find(&m.open)?,
        find(&m.high)?,
        find(&m.low)?,
        find(&m.close)?,
        find(&m.volume)?,
    ];
    let reader = builder.build().map_err(|e| pq_err(path, e))?;
    let mut timestamps = Vec::new();
    let mut cols: [Vec<f64>; 5] = Default::default();
    for batch in reader {
        let batch = batch.map_err(|e| pq_err(path, e))?;
        let offset = timestamps.len();
        timestamps.extend(read_times(
            path,
            batch.column(ts_idx),
            &header[ts_idx],
            offset,
        )?);
        for (k, &j) in idx.iter().enumerate() {
            cols[k].extend(read_f64(path, batch.column(j), &header[j], offset)?);
        }
    }
    let [open, high, low, close, volume] = cols.map(Array1::from_vec);
    let symbol = opts.symbol.clone().unwrap_or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("UNKNOWN")
            .to_owned()
    });
    let timeframe = opts
        .timeframe
        .or_else(|| crate::quality::infer_timeframe(&timestamps));
    let bars = Bars::new(
        symbol,
        timeframe,
        timestamps,
        Ohlcv {
            open,
            high,
            low,
            close,
            volume,
        },
    )?;
    Ok(Loaded {
        bars,
        report: RepairReport::default(),
    })
}

fn null_error(column: &str, row: usize) -> Error {
    Error::invalid(
        Location::Row(row),
        BarError::Unparsable {
            column: column.to_owned(),
            value: "null".into(),
            expected: "a value".into(),
        },
    )
}

fn read_f64(path: &Path, a: &ArrayRef, column: &str, offset: usize) -> Result<Vec<f64>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
    if a.null_count() > 0 {
        let row = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
        return Err(null_error(column, offset + row));
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "integer prices/volumes converted to f64 as documented"
    )]
    let v = match a.data_type() {
        DataType::Float64 => a.as_primitive::<Float64Type>().values().to_vec(),
        DataType::Float32 => a
            .as_primitive::<Float32Type>()
            .values()
            .iter()
            .map(|&x| f64::from(x))
            .collect(),
        DataType::Int64 => a
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .map(|&x| x as f64)
            .collect(),
        DataType::Int32 => a
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&x| f64::from(x))
            .collect(),
        other => {
            return Err(pq_err(
                path,
                format!("column `{column}` has unsupported type {other}"),
            ));
        }
    };
    Ok(v)
}

fn read_times(
    path: &Path,
    a: &ArrayRef,
    column: &str,
    offset: usize,
) -> Result<Vec<DateTime<Utc>>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Date32Type, Date64Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
        TimestampNanosecondType, TimestampSecondType,
    };
    if a.null_count() > 0 {
        let row = (0..a.len()).find(|&i| a.is_null(i)).unwrap_or(0);
        return Err(null_error(column, offset + row));
    }
    let conv = |vals: Vec<Option<DateTime<Utc>>>| -> Result<Vec<DateTime<Utc>>> {
        vals.into_iter()
            .enumerate()
            .map(|(i, t)| {
                t.ok_or_else(|| {
                    Error::invalid(
                        Location::Row(offset + i),
                        BarError::Unparsable {
                            column: column.to_owned(),
                            value: "out of range".into(),
                            expected: "a timestamp".into(),
                        },
                    )
                })
            })
            .collect()
    };
    match a.data_type() {
        DataType::Timestamp(unit, _) => {
            let v: Vec<i64> = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().values().to_vec(),
                TimeUnit::Millisecond => a
                    .as_primitive::<TimestampMillisecondType>()
                    .values()
                    .to_vec(),
                TimeUnit::Microsecond => a
                    .as_primitive::<TimestampMicrosecondType>()
                    .values()
                    .to_vec(),
                TimeUnit::Nanosecond => a
                    .as_primitive::<TimestampNanosecondType>()
                    .values()
                    .to_vec(),
            };
            conv(
                v.into_iter()
                    .map(|x| match unit {
                        TimeUnit::Second => DateTime::from_timestamp(x, 0),
                        TimeUnit::Millisecond => DateTime::from_timestamp_millis(x),
                        TimeUnit::Microsecond => DateTime::from_timestamp_micros(x),
                        TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(x)),
                    })
                    .collect(),
            )
        }
        DataType::Date32 => conv(
            a.as_primitive::<Date32Type>()
                .values()
                .iter()
                .map(|&d| DateTime::from_timestamp(i64::from(d) * 86_400, 0))
                .collect(),
        ),
        DataType::Date64 => conv(
            a.as_primitive::<Date64Type>()
                .values()
                .iter()
                .map(|&d| DateTime::from_timestamp_millis(d))
                .collect(),
        ),
        DataType::Int64 => conv(
            a.as_primitive::<Int64Type>()
                .values()
                .iter()
                .map(|&x| {
                    if x.unsigned_abs() >= 100_000_000_000 {
                        DateTime::from_timestamp_millis(x)
                    } else {
                        DateTime::from_timestamp(x, 0)
                    }
                })
                .collect(),
        ),
        other => Err(pq_err(
            path,
            format!("column `{column}` has unsupported timestamp type {other}"),
        )),
    }
}

/// Writes bars as Parquet: `timestamp` as `Timestamp(Millisecond, "UTC")`, the five value
/// columns as `Float64`. [`read_parquet`] reads the file back to identical bars (for
/// timestamps with whole milliseconds).
///
/// # Errors
/// [`Error::Io`] or [`Error::Parquet`] when the file cannot be written.
pub fn write_parquet(bars: &Bars, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "timestamp",
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            false,
        ),
        Field::new("open", DataType::Float64, false),
        Field::new("high", DataType::Float64, false),
        Field::new("low", DataType::Float64, false),
        Field::new("close", DataType::Float64, false),
        Field::new("volume", DataType::Float64, false),
    ]));
    let ts = TimestampMillisecondArray::from(
        bars.timestamps()
            .iter()
            .map(DateTime::timestamp_millis)
            .collect::<Vec<_>>(),
    )
    .with_timezone("UTC");
    let col =
        |a: ndarray::ArrayView1<'_, f64>| -> ArrayRef { Arc::new(Float64Array::from(a.to_vec())) };
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(ts),
            col(bars.open()),
            col(bars.high()),
            col(bars.low()),
            col(bars.close()),
            col(bars.volume()),
        ],
    )
    .map_err(|e| pq_err(path, e))?;
    let file = File::create(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut writer = ArrowWriter::try_new(file, schema, None).map_err(|e| pq_err(path, e))?;
    writer.write(&batch).map_err(|e| pq_err(path, e))?;
    writer.close().map_err(|e| pq_err(path, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parquet_round_trip_of_bundled_data() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ethusd_coinbase_1h.csv");
        let bars = crate::read_csv_path(&src).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("eth.parquet");
        write_parquet(&bars, &p).unwrap();
        let back = read_parquet(
            &p,
            &CsvOptions {
                symbol: Some(bars.symbol().to_owned()),
                ..CsvOptions::default()
            },
        )
        .unwrap();
        assert_eq!(back.bars, bars);
    }

    #[test]
    fn missing_column_is_reported() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/ethusd_coinbase_1h.csv");
        let bars = crate::read_csv_path(&src).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("eth.parquet");
        write_parquet(&bars, &p).unwrap();
        let mut opts = CsvOptions::default();
        opts.columns.close = "adj_close".into();
        assert!(
            matches!(read_parquet(&p, &opts), Err(Error::MissingColumn { column, .. }) if column == "adj_close")
        );
    }
}
