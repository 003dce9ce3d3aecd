//! The in-memory backend against the conformance suite, plus artifact-store tests.
#![allow(clippy::unwrap_used, reason = "test helpers")]

use std::sync::Arc;

use aaiti_core::clock::FixedClock;
use aaiti_registry::*;

#[test]
fn in_memory_passes_conformance() {
    conformance::run_all(&|clock| Arc::new(InMemoryRegistry::new(clock)));
}

#[test]
fn tampered_event_is_an_integrity_error() {
    let reg = InMemoryRegistry::new(Arc::new(FixedClock(chrono::DateTime::UNIX_EPOCH)));
    for i in 0..3 {
        reg.register_model(
            NewModel::new(format!("m{i}"), "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    }
    assert_eq!(reg.verify_chain().unwrap().events, 3);
    reg.tamper_event_for_tests(2, "mallory").unwrap();
    let err = reg.verify_chain().unwrap_err();
    assert!(
        matches!(err, Error::Integrity { ref what, .. } if what.contains("seq 2")),
        "{err:?}"
    );
}

fn registry() -> (tempfile::TempDir, Registry) {
    let dir = tempfile::tempdir().unwrap();
    let store = ArtifactStore::local(&dir.path().join("artifacts")).unwrap();
    (dir, with_store(store))
}

fn with_store(store: ArtifactStore) -> Registry {
    let clock = Arc::new(FixedClock(chrono::DateTime::UNIX_EPOCH));
    Registry::new(Arc::new(InMemoryRegistry::new(clock)), store)
}

/// Every object store the default build has: local disk and memory, directly and by URL.
fn all_stores(dir: &std::path::Path) -> Vec<(&'static str, Registry)> {
    let no_opts = std::iter::empty::<(&str, &str)>();
    let file_url = format!("file://{}", dir.join("by-url").display());
    vec![
        (
            "local",
            with_store(ArtifactStore::local(&dir.join("local")).unwrap()),
        ),
        ("memory", with_store(ArtifactStore::in_memory().unwrap())),
        (
            "file url",
            with_store(ArtifactStore::from_url(&file_url, no_opts.clone()).unwrap()),
        ),
        (
            "memory url with prefix",
            with_store(ArtifactStore::from_url("memory:///team/models", no_opts).unwrap()),
        ),
    ]
}

#[test]
fn artifacts_roundtrip_dedup_and_compression() {
    let dir = tempfile::tempdir().unwrap();
    for (name, reg) in all_stores(dir.path()) {
        eprintln!("store: {name}");
        roundtrip_dedup_and_compression(&reg);
    }
}

#[test]
fn artifact_store_urls() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().join("s").display());
    let s = ArtifactStore::from_url(&url, std::iter::empty::<(&str, &str)>()).unwrap();
    assert_eq!(s.storage(), "file");
    let blob = s.put(b"abc", Compression::None).unwrap();
    // published under the URL's directory, content-addressed
    let on_disk = dir.path().join("s").join(&blob.key);
    assert_eq!(std::fs::read(on_disk).unwrap(), b"abc");
    assert_eq!(
        s.get(&blob.key, &blob.sha256, Compression::None).unwrap(),
        b"abc"
    );
    let m = ArtifactStore::from_url("memory:///", std::iter::empty::<(&str, &str)>()).unwrap();
    assert_eq!(m.storage(), "memory");
    for bad in ["not a url", "ftp://host/x"] {
        assert!(
            matches!(
                ArtifactStore::from_url(bad, std::iter::empty::<(&str, &str)>()),
                Err(Error::InvalidInput { .. })
            ),
            "{bad}"
        );
    }
    #[cfg(not(feature = "aws"))]
    {
        let err = ArtifactStore::from_url("s3://bucket/p", std::iter::empty::<(&str, &str)>())
            .unwrap_err();
        assert!(err.to_string().contains("features"), "{err}");
    }
}

fn roundtrip_dedup_and_compression(reg: &Registry) {
    let m = reg
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let weights: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let a = reg
        .put_artifact(
            m.id,
            ArtifactKind::Weights,
            &weights,
            PutArtifactOptions {
                compression: Compression::Zstd,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(a.meta.sha256, sha256_hex(&weights));
    assert_eq!(a.meta.size, 100_000);
    assert!(
        a.meta.stored_size < a.meta.size / 10,
        "zstd compresses repetitive bytes"
    );
    assert!(a.meta.uri.ends_with(".zst"));
    let b = reg
        .put_artifact(
            m.id,
            ArtifactKind::Config,
            b"{\"a\":1}",
            PutArtifactOptions {
                name: Some("cfg/train.json".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        reg.get_artifact(m.id, ArtifactKind::Weights, None).unwrap(),
        weights
    );
    assert_eq!(
        reg.get_artifact(m.id, ArtifactKind::Config, Some("cfg/train.json"))
            .unwrap(),
        b"{\"a\":1}"
    );
    assert_eq!(reg.artifact_by_id(a.id).unwrap().access_count, 1);
    // same bytes for another model: same blob key (dedup)
    let m2 = reg
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let c = reg
        .put_artifact(
            m2.id,
            ArtifactKind::Config,
            b"{\"a\":1}",
            PutArtifactOptions::default(),
        )
        .unwrap();
    assert_eq!(c.meta.uri, b.meta.uri);
    let rep = reg.verify_artifacts().unwrap();
    assert_eq!((rep.checked, rep.failures.len()), (3, 0));
    assert!(matches!(
        reg.put_artifact(
            m.id,
            ArtifactKind::Weights,
            b"x",
            PutArtifactOptions::default()
        ),
        Err(Error::AlreadyExists { .. })
    ));
    assert!(matches!(
        reg.put_artifact(
            m.id,
            ArtifactKind::Report,
            b"x",
            PutArtifactOptions {
                name: Some("../../x".into()),
                ..Default::default()
            }
        ),
        Err(Error::InvalidKey { .. })
    ));
    assert!(matches!(
        reg.get_artifact(m.id, ArtifactKind::Report, None),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn corrupted_artifact_bytes_are_an_integrity_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, reg) in all_stores(dir.path()) {
        eprintln!("store: {name}");
        corrupted_bytes(&reg);
    }
}

fn corrupted_bytes(reg: &Registry) {
    let m = reg
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let plain = reg
        .put_artifact(
            m.id,
            ArtifactKind::Weights,
            b"good bytes",
            PutArtifactOptions::default(),
        )
        .unwrap();
    let z = reg
        .put_artifact(
            m.id,
            ArtifactKind::Report,
            b"report report report",
            PutArtifactOptions {
                compression: Compression::Zstd,
                ..Default::default()
            },
        )
        .unwrap();
    reg.store()
        .put_raw_for_tests(&plain.meta.uri, b"evil bytes")
        .unwrap();
    reg.store()
        .put_raw_for_tests(&z.meta.uri, b"not zstd")
        .unwrap();
    assert!(matches!(
        reg.get_artifact(m.id, ArtifactKind::Weights, None),
        Err(Error::Integrity { .. })
    ));
    assert!(matches!(
        reg.get_artifact(m.id, ArtifactKind::Report, None),
        Err(Error::Integrity { .. })
    ));
    let rep = reg.verify_artifacts().unwrap();
    assert_eq!((rep.checked, rep.failures.len()), (2, 2));
}

#[test]
fn missing_blob_is_not_found_in_verify() {
    let (dir, reg) = registry();
    let m = reg
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let a = reg
        .put_artifact(
            m.id,
            ArtifactKind::Weights,
            b"bytes",
            PutArtifactOptions::default(),
        )
        .unwrap();
    std::fs::remove_file(dir.path().join("artifacts").join(&a.meta.uri)).unwrap();
    assert!(matches!(
        reg.get_artifact(m.id, ArtifactKind::Weights, None),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(reg.verify_artifacts().unwrap().failures.len(), 1);
}

#[test]
fn key_validation() {
    for ok in ["weights", "a/b/c.pt", "model-1.2_x+y=z@w,v"] {
        validate_key(ok).unwrap();
    }
    for bad in [
        "",
        "..",
        "../x",
        "a/../../b",
        "/etc/passwd",
        "a\\..\\b",
        "a\0b",
        "é",
        "a b",
        "%2e%2e/x",
        "C:/x",
        "a//b",
        "./a",
    ] {
        assert!(
            matches!(validate_key(bad), Err(Error::InvalidKey { .. })),
            "{bad:?} accepted"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any key that passes validation stays inside the prefix: no segment is `..`/`.`/empty.
    #[test]
    fn validated_keys_never_escape(key in "[a-z./\\\\%]{0,12}") {
        if validate_key(&key).is_ok() {
            proptest::prop_assert!(!key.starts_with('/'));
            proptest::prop_assert!(key.split('/').all(|s| !s.is_empty() && s != "." && s != ".."));
            proptest::prop_assert!(!key.contains('\\') && !key.contains('%'));
        }
    }

    /// Downsampling keeps at most max points, is a subsequence, keeps the last point and (with room
    /// for two) the first.
    #[test]
    fn downsample_properties(n in 0usize..300, max in 1usize..50) {
        let v: Vec<usize> = (0..n).collect();
        let d = downsample(v.clone(), Some(max));
        proptest::prop_assert!(d.len() <= max.max(1));
        proptest::prop_assert!(d.windows(2).all(|w| w[0] < w[1]));
        if n > 0 && max >= 2 {
            proptest::prop_assert_eq!(d.first(), v.first());
        }
        if n > 0 {
            proptest::prop_assert_eq!(d.last(), v.last());
        }
    }
}
