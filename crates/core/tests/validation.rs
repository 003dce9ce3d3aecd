//! One test per hard validation error, each with a small fixture file, asserting the error
//! variant, the 1-based file line and the column; plus the opt-in repairs.

use std::path::PathBuf;

use aaiti_core::{
    BarError, ColumnMap, CsvOptions, Error, Location, Repair, RepairPolicy, TimestampFormat,
    inspect_csv, read_csv,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads a fixture that must fail with an `Invalid` error; returns (line, bar error).
fn invalid(name: &str) -> (u64, BarError) {
    match read_csv(fixture(name), &CsvOptions::default()) {
        Err(Error::Invalid {
            location: Location::Line { path, line },
            error,
        }) => {
            assert_eq!(path, Some(fixture(name)));
            (line, *error)
        }
        other => panic!("{name}: expected an Invalid error, got {other:?}"),
    }
}

#[test]
fn unparsable_field() {
    let (line, e) = invalid("unparsable_field.csv");
    assert_eq!(line, 3);
    assert_eq!(e.column(), "high");
    assert!(
        matches!(&e, BarError::Unparsable { value, .. } if value == "abc"),
        "{e:?}"
    );
}

#[test]
fn unparsable_timestamp_names_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad_ts.csv");
    std::fs::write(&p, "timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,1,1,1,1\n2024-13-01T00:00:00Z,1,1,1,1,1\n").unwrap();
    let err = read_csv(&p, &CsvOptions::default()).unwrap_err();
    match err {
        Error::Invalid { location, error } => {
            let BarError::Unparsable {
                column,
                value,
                expected,
            } = *error
            else {
                panic!("{error:?}")
            };
            assert_eq!(location.line(), Some(3));
            assert_eq!(column, "timestamp");
            assert_eq!(value, "2024-13-01T00:00:00Z");
            assert!(expected.contains("ISO-8601"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_column() {
    match read_csv(fixture("missing_column.csv"), &CsvOptions::default()) {
        Err(Error::MissingColumn { column, header, .. }) => {
            assert_eq!(column, "close");
            assert_eq!(header, ["timestamp", "open", "high", "low", "volume"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn non_monotonic_timestamp() {
    let (line, e) = invalid("non_monotonic.csv");
    assert_eq!(line, 4);
    assert_eq!(e.column(), "timestamp");
    match e {
        BarError::NonMonotonicTimestamp {
            value,
            previous,
            previous_location,
            ..
        } => {
            assert_eq!(value, "2024-01-01T01:00:00+00:00");
            assert_eq!(previous, "2024-01-01T02:00:00+00:00");
            assert_eq!(previous_location.line(), Some(3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_timestamp() {
    let (line, e) = invalid("duplicate_timestamp.csv");
    assert_eq!(line, 4);
    assert!(
        matches!(&e, BarError::DuplicateTimestamp { first_location, .. } if first_location.line() == Some(3)),
        "{e:?}"
    );
}

#[test]
fn high_below_low() {
    let (line, e) = invalid("high_below_low.csv");
    assert_eq!(line, 3);
    assert_eq!(e.column(), "high");
    assert_eq!(
        e,
        BarError::HighBelowLow {
            high: 98.0,
            low: 99.0
        }
    );
}

#[test]
fn open_outside_range() {
    let (line, e) = invalid("open_outside.csv");
    assert_eq!(line, 2);
    assert_eq!(
        e,
        BarError::OutsideRange {
            column: "open".into(),
            value: 102.0,
            low: 99.0,
            high: 101.0
        }
    );
}

#[test]
fn close_outside_range() {
    let (line, e) = invalid("close_outside.csv");
    assert_eq!(line, 2);
    assert_eq!(
        e,
        BarError::OutsideRange {
            column: "close".into(),
            value: 98.0,
            low: 99.0,
            high: 101.0
        }
    );
}

#[test]
fn non_finite_price() {
    let (line, e) = invalid("non_finite_price.csv");
    assert_eq!(line, 3);
    assert!(
        matches!(&e, BarError::NonFinitePrice { column, value } if column == "high" && value.is_infinite()),
        "{e:?}"
    );
}

#[test]
fn non_positive_price() {
    let (line, e) = invalid("non_positive_price.csv");
    assert_eq!(line, 4);
    assert_eq!(
        e,
        BarError::NonPositivePrice {
            column: "open".into(),
            value: 0.0
        }
    );
}

#[test]
fn negative_volume() {
    let (line, e) = invalid("negative_volume.csv");
    assert_eq!(line, 2);
    assert_eq!(
        e,
        BarError::NegativeVolume {
            column: "volume".into(),
            value: -1.0
        }
    );
}

#[test]
fn exact_duplicates_are_an_error_unless_repair_is_asked_and_then_reported() {
    let (line, e) = invalid("exact_duplicate.csv");
    assert_eq!(line, 4);
    assert!(matches!(e, BarError::DuplicateTimestamp { .. }));
    let opts = CsvOptions {
        repair: RepairPolicy {
            drop_exact_duplicates: true,
            ..RepairPolicy::default()
        },
        ..CsvOptions::default()
    };
    let loaded = read_csv(fixture("exact_duplicate.csv"), &opts).unwrap();
    assert_eq!(loaded.bars.len(), 3);
    assert_eq!(loaded.report.repairs.len(), 1);
    assert!(matches!(
        loaded.report.repairs[0],
        Repair::DroppedExactDuplicate {
            line: 4,
            duplicate_of_line: 3,
            ..
        }
    ));
    // A duplicate timestamp with different values is never "repaired".
    let (line, _) = match read_csv(fixture("duplicate_timestamp.csv"), &opts) {
        Err(Error::Invalid { location, error }) => (location.line(), error),
        other => panic!("{other:?}"),
    };
    assert_eq!(line, Some(4));
}

#[test]
fn sorting_is_opt_in_and_reported() {
    let opts = CsvOptions {
        repair: RepairPolicy {
            sort_by_timestamp: true,
            ..RepairPolicy::default()
        },
        ..CsvOptions::default()
    };
    let loaded = read_csv(fixture("non_monotonic.csv"), &opts).unwrap();
    let ts: Vec<String> = loaded
        .bars
        .timestamps()
        .iter()
        .map(|t| t.format("%H").to_string())
        .collect();
    assert_eq!(ts, ["00", "01", "02"]);
    assert_eq!(
        loaded.report.repairs,
        vec![Repair::SortedByTimestamp { rows_moved: 2 }]
    );
}

#[test]
fn inspect_collects_every_error_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("many.csv");
    std::fs::write(
        &p,
        "timestamp,open,high,low,close,volume\n\
         2024-01-01T00:00:00Z,100,101,99,100,5\n\
         2024-01-01T01:00:00Z,100,98,99,98.5,5\n\
         2024-01-01T02:00:00Z,100,101,99,100,-3\n\
         2024-01-01T03:00:00Z,100,101,99,100\n\
         2024-01-01T04:00:00Z,100,101,99,100,5\n",
    )
    .unwrap();
    let ins = inspect_csv(&p, &CsvOptions::default(), 10).unwrap();
    assert!(ins.loaded.is_none());
    let lines: Vec<Option<u64>> = ins
        .errors
        .iter()
        .map(|e| match e {
            Error::Invalid { location, .. } | Error::FieldCount { location, .. } => location.line(),
            _ => None,
        })
        .collect();
    assert_eq!(lines, [Some(3), Some(4), Some(5)]);
    assert!(matches!(
        ins.errors[2],
        Error::FieldCount {
            expected: 6,
            found: 5,
            ..
        }
    ));
    let limited = inspect_csv(&p, &CsvOptions::default(), 1).unwrap();
    assert_eq!(limited.errors.len(), 1);
    assert!(limited.truncated);
}

#[test]
fn unix_millis_and_header_case_are_detected() {
    let loaded = read_csv(
        fixture("unix_millis_mixed_case.csv"),
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(
        loaded.bars.timestamps()[0].to_rfc3339(),
        "2024-01-01T00:00:00+00:00"
    );
    assert_eq!(loaded.bars.timeframe().map(|t| t.as_secs()), Some(3600));
}

#[test]
fn configured_columns_delimiter_and_unix_seconds() {
    let opts = CsvOptions {
        columns: ColumnMap {
            timestamp: "time".into(),
            open: "o".into(),
            high: "h".into(),
            low: "l".into(),
            close: "c".into(),
            volume: "v".into(),
        },
        delimiter: b';',
        timestamp_format: TimestampFormat::UnixSeconds,
        symbol: Some("TEST".into()),
        ..CsvOptions::default()
    };
    let loaded = read_csv(fixture("unix_seconds_semicolon.csv"), &opts).unwrap();
    assert_eq!(loaded.bars.symbol(), "TEST");
    assert_eq!(
        loaded.bars.timestamps()[1].to_rfc3339(),
        "2024-01-01T01:00:00+00:00"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let err = read_csv("/nonexistent/bars.csv", &CsvOptions::default()).unwrap_err();
    assert!(matches!(&err, Error::Io { path, .. } if path.ends_with("bars.csv")));
}
