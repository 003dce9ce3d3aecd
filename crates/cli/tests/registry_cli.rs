//! `aaiti registry ...` end to end: the built binary against a SQLite registry populated through
//! the library (listing, showing, lineage, history, alias history, verify, events, bad inputs).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use aaiti_core::clock::FixedClock;
use aaiti_registry::{
    AliasOptions, ArtifactKind, ArtifactStore, ModelRegistry, ModelStatus, NewModel,
    PerformanceRecord, PutArtifactOptions, RegisterOptions, Registry, WriteOptions,
};
use aaiti_registry_diesel::DieselRegistry;
use chrono::{DateTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct Fixture {
    _dir: tempfile::TempDir,
    url: String,
    artifacts: PathBuf,
    v1: String,
    v2: String,
}

/// alpha@0.1.0 (active) -> alpha@0.1.1 (child, draft), beta@0.1.0; `champion` moved v1 -> v2;
/// 3 performance records on v1; one weights artifact on v2.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("reg.db").display());
    let artifacts = dir.path().join("blobs");
    let at = |s: &str| DieselRegistry::open(&url, Arc::new(FixedClock(t(s)))).unwrap();

    let r = at("2026-01-01T00:00:00Z");
    let mut m = NewModel::new("alpha", "gbm", "linfa", "alice");
    m.description = Some("first alpha".into());
    let v1 = r.register_model(m, RegisterOptions::default()).unwrap();
    r.transition(v1.id, ModelStatus::Training, WriteOptions::default())
        .unwrap();
    r.transition(v1.id, ModelStatus::Active, WriteOptions::default())
        .unwrap();
    r.register_model(
        NewModel::new("beta", "lstm", "tch", "bob"),
        RegisterOptions::default(),
    )
    .unwrap();
    r.set_alias(
        "alpha",
        "champion",
        Some(v1.id),
        AliasOptions {
            actor: Some("alice".into()),
            reason: Some("first deploy".into()),
            expected_current: None,
        },
    )
    .unwrap();
    let perf: Vec<PerformanceRecord> = (0..3)
        .map(|d| PerformanceRecord {
            at: t(&format!("2026-01-0{}T00:00:00Z", d + 2)),
            sharpe: Some(1.5 + f64::from(d)),
            accuracy: Some(0.5),
            alert: (d == 2).then(|| "degraded".to_owned()),
            ..Default::default()
        })
        .collect();
    r.record_performance(v1.id, &perf).unwrap();
    drop(r);

    let r = at("2026-02-01T00:00:00Z");
    let mut m = NewModel::new("alpha", "gbm", "linfa", "alice");
    m.parent_id = Some(v1.id);
    let v2 = r.register_model(m, RegisterOptions::default()).unwrap();
    r.set_alias(
        "alpha",
        "champion",
        Some(v2.id),
        AliasOptions {
            actor: Some("carol".into()),
            reason: Some("retrained on Q4".into()),
            expected_current: None,
        },
    )
    .unwrap();
    let reg = Registry::new(Arc::new(r), ArtifactStore::local(&artifacts).unwrap());
    reg.put_artifact(
        v2.id,
        ArtifactKind::Weights,
        b"weights bytes",
        PutArtifactOptions::default(),
    )
    .unwrap();
    Fixture {
        _dir: dir,
        url,
        artifacts,
        v1: v1.id.to_string(),
        v2: v2.id.to_string(),
    }
}

struct Out {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn aaiti(db: &str, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_aaiti"))
        .arg("registry")
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("AAITI_REGISTRY_URL")
        .env_remove("AAITI_REGISTRY_ARTIFACTS")
        .output()
        .expect("run aaiti");
    Out {
        ok: o.status.success(),
        code: o.status.code(),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn ok(db: &str, args: &[&str]) -> String {
    let o = aaiti(db, args);
    assert!(o.ok, "aaiti registry {args:?} failed: {}", o.stderr);
    o.stdout
}

fn fails(db: &str, args: &[&str], needle: &str) {
    let o = aaiti(db, args);
    assert!(
        !o.ok,
        "aaiti registry {args:?} should fail; stdout {}",
        o.stdout
    );
    assert_ne!(o.code, Some(0));
    assert!(
        o.stderr.contains(needle),
        "stderr of {args:?} should mention {needle:?}: {}",
        o.stderr
    );
}

#[test]
fn ls_lists_newest_first_and_filters() {
    let f = fixture();
    let out = ok(&f.url, &["ls"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("alpha@0.1.1"), "{out}");
    assert!(lines[0].starts_with(&f.v2), "{out}");
    assert!(out.contains("beta@0.1.0"));
    let out = ok(&f.url, &["ls", "--name", "alpha", "--status", "active"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(&f.v1) && out.contains("active"), "{out}");
    let out = ok(&f.url, &["ls", "--limit", "1"]);
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn show_by_version_alias_and_id() {
    let f = fixture();
    let by_version = ok(&f.url, &["show", "alpha@0.1.1"]);
    assert!(by_version.contains(&f.v2), "{by_version}");
    assert!(by_version.contains("alias: champion"), "{by_version}");
    assert!(by_version.contains(&format!("parent: Some(\"{}\")", f.v1)));
    assert!(by_version.contains("artifact weights weights sha256="));
    let by_alias = ok(&f.url, &["show", "alpha@champion"]);
    assert_eq!(by_alias, by_version);
    let by_id = ok(&f.url, &["show", &f.v1]);
    assert!(by_id.contains("description: first alpha"), "{by_id}");
    assert!(!by_id.contains("alias: champion"), "{by_id}");
}

#[test]
fn alias_shows_current_target_and_full_history() {
    let f = fixture();
    let out = ok(&f.url, &["alias", "alpha", "champion"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].starts_with("current: ") && lines[0].contains(&f.v2),
        "{out}"
    );
    assert!(lines[1].contains(&format!("- -> {}", f.v1)), "{out}");
    assert!(lines[1].contains("by alice") && lines[1].contains("first deploy"));
    assert!(lines[2].contains(&format!("{} -> {}", f.v1, f.v2)), "{out}");
    assert!(lines[2].contains("by carol") && lines[2].contains("retrained on Q4"));
    // as of a time between the two changes: v1
    let then = ok(
        &f.url,
        &["alias", "alpha", "champion", "--at", "2026-01-15T00:00:00Z"],
    );
    assert!(
        then.contains(&f.v1) && then.contains("alpha@0.1.0"),
        "{then}"
    );
    // an unset alias
    let out = ok(&f.url, &["alias", "alpha", "challenger"]);
    assert_eq!(out.trim(), "current: (unset)");
    // move it, then remove it: both recorded
    let out = ok(
        &f.url,
        &[
            "alias",
            "alpha",
            "champion",
            "--set",
            "alpha@0.1.0",
            "--actor",
            "dave",
            "--reason",
            "rollback",
        ],
    );
    assert!(out.contains(&format!("Some(\"{}\") -> Some(\"{}\")", f.v2, f.v1)));
    ok(&f.url, &["alias", "alpha", "champion", "--remove"]);
    let out = ok(&f.url, &["alias", "alpha", "champion"]);
    assert!(out.starts_with("current: (unset)"), "{out}");
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(out.contains("by dave") && out.contains("rollback"), "{out}");
}

#[test]
fn lineage_history_events_and_verify() {
    let f = fixture();
    let up = ok(&f.url, &["lineage", "alpha@0.1.1"]);
    assert!(up.contains(&f.v1) && up.contains("alpha@0.1.0"), "{up}");
    let down = ok(&f.url, &["lineage", "alpha@0.1.0", "--down"]);
    assert!(down.contains(&f.v2), "{down}");

    let hist = ok(&f.url, &["history", "alpha@0.1.0"]);
    let lines: Vec<&str> = hist.lines().collect();
    assert_eq!(lines.len(), 4, "{hist}");
    assert!(lines[0].starts_with("at,accuracy"));
    assert!(
        lines[1].starts_with("2026-01-02T00:00:00+00:00,0.5,"),
        "{hist}"
    );
    assert!(lines[3].ends_with(",degraded"), "{hist}");
    let down = ok(&f.url, &["history", "alpha@0.1.0", "--max-points", "2"]);
    assert_eq!(down.lines().count(), 3, "{down}");

    let ev = ok(&f.url, &["events"]);
    assert!(ev.lines().count() >= 6, "{ev}");
    assert!(ev.contains("by carol"), "{ev}");
    let ev_v2 = ok(&f.url, &["events", "--entity", &f.v2]);
    assert!(ev_v2.lines().all(|l| l.contains(&f.v2)), "{ev_v2}");
    let ev_one = ok(&f.url, &["events", "--limit", "1"]);
    assert_eq!(ev_one.lines().count(), 1);

    let v = ok(&f.url, &["verify"]);
    assert!(v.starts_with("audit chain ok: "), "{v}");
    let art = f.artifacts.to_str().unwrap();
    let v = ok(&f.url, &["--artifacts", art, "verify"]);
    assert!(v.contains("artifacts: 1 checked, 0 failed"), "{v}");
    // the same store through an object-store URL
    let v = ok(&f.url, &["--artifacts", &format!("file://{art}"), "verify"]);
    assert!(v.contains("artifacts: 1 checked, 0 failed"), "{v}");
    // an empty store: the recorded blob is missing
    let o = aaiti(&f.url, &["--artifacts", "memory:///", "verify"]);
    assert!(
        !o.ok && o.stdout.contains("artifacts: 1 checked, 1 failed"),
        "{}",
        o.stdout
    );
}

fn corrupt_every_blob(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                std::fs::write(&p, b"tampered").unwrap();
                n += 1;
            }
        }
    }
    n
}

#[test]
fn corrupted_artifact_fails_verify() {
    let f = fixture();
    assert_eq!(corrupt_every_blob(&f.artifacts), 1);
    let art = f.artifacts.to_str().unwrap();
    let o = aaiti(&f.url, &["--artifacts", art, "verify"]);
    assert!(!o.ok);
    assert!(o.stdout.contains("FAILED"), "{}", o.stdout);
    assert!(o.stdout.contains("artifacts: 1 checked, 1 failed"));
    assert!(
        o.stderr.contains("1 artifact(s) failed verification"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_inputs_exit_non_zero_with_a_clear_message() {
    let f = fixture();
    fails(&f.url, &["show", "alpha@9.9.9"], "not found");
    fails(&f.url, &["show", "nosuch@champion"], "not found");
    fails(
        &f.url,
        &["show", "no-at-sign"],
        "expected ID, NAME@VERSION or NAME@ALIAS",
    );
    fails(&f.url, &["ls", "--status", "bogus"], "bogus");
    fails(
        &f.url,
        &["alias", "alpha", "champion", "--set", "alpha@9.9.9"],
        "not found",
    );
    fails(&f.url, &["lineage", "alpha@0.0.7"], "not found");
    fails(&f.url, &["history", "ghost@1.0.0"], "not found");
    fails(
        &f.url,
        &["alias", "alpha", "champion", "--at", "yesterday"],
        "--at",
    );
    fails(&f.url, &["show"], "MODEL");
    fails(
        &f.url,
        &["--artifacts", "ftp://host/x", "verify"],
        "invalid artifact store url",
    );
    fails("mysql://localhost/x", &["ls"], "expected sqlite://PATH");
    fails(
        &format!(
            "sqlite://{}",
            f.artifacts.join("no/such/dir/x.db").display()
        ),
        &["ls"],
        "opening sqlite://",
    );
    // a failed alias move changes nothing
    let out = ok(&f.url, &["alias", "alpha", "champion"]);
    assert_eq!(out.lines().count(), 3, "{out}");
}
