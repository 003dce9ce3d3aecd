//! Checksummed artifact storage over the [`object_store`] crate, and the [`Registry`] facade that
//! ties artifact bytes to registry metadata.
//!
//! Why `object_store`: it is the Arrow project's well-kept abstraction over local disk, memory,
//! S3, GCS and Azure with atomic puts on every backend (temp file + rename locally, single PUT or
//! completed multipart on clouds), so "a reader never sees a partial artifact" holds everywhere
//! without code of ours. It is one small dependency for the default build (`fs` only: no HTTP
//! stack), and each cloud is an opt-in cargo feature of this crate (`aws`, `gcp`, `azure`), so the
//! same [`ArtifactStore::from_url`] call takes `file://`, `memory://`, `s3://`, `gs://` or `az://`
//! URLs; alternatives (`opendal`, the vendors' SDKs) would mean either a much larger default
//! dependency tree or one code path per cloud.
//!
//! Layout: blobs are content-addressed, `blobs/sha256/<2 hex>/<64 hex>[.zst]`, so identical bytes
//! are stored once. The SHA-256 of the *uncompressed* bytes is recorded in the registry on write
//! and verified on every read ([`Error::Integrity`] on mismatch).

use std::path::Path;
use std::sync::Arc;

use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::registry::ModelRegistry;
use crate::types::{ArtifactKind, ArtifactRecord, Compression, ModelId, NewArtifact, WriteOptions};

/// Validates an artifact name or object key: 1..=1024 bytes of ASCII letters, digits and
/// `. _ - + = @ ,` in `/`-separated segments; no empty, `.` or `..` segment, no leading `/`.
/// Anything else (backslashes, `%`, `:`, control characters, non-ASCII) is rejected, so no key can
/// escape its prefix on any store.
///
/// # Errors
/// [`Error::InvalidKey`] saying why.
pub fn validate_key(key: &str) -> Result<()> {
    let bad = |m: &str| {
        Err(Error::InvalidKey {
            key: key.to_owned(),
            message: m.to_owned(),
        })
    };
    if key.is_empty() {
        return bad("empty");
    }
    if key.len() > 1024 {
        return bad("longer than 1024 bytes");
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "._-+=@,/".contains(*c)))
    {
        return bad(&format!("character {c:?} is not allowed"));
    }
    for seg in key.split('/') {
        match seg {
            "" => return bad("empty path segment (leading, trailing or double '/')"),
            "." | ".." => return bad("'.' or '..' segment (path traversal)"),
            _ => {}
        }
    }
    Ok(())
}

/// JSON snapshot of an artifact record for the audit log.
#[must_use]
pub fn artifact_snapshot(a: &ArtifactRecord) -> serde_json::Value {
    serde_json::json!({
        "id": a.id.to_string(),
        "kind": a.meta.kind.as_str(),
        "name": a.meta.name,
        "uri": a.meta.uri,
        "sha256": a.meta.sha256,
        "size": a.meta.size,
    })
}

/// Hex SHA-256 of bytes.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Where a blob was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// Object key.
    pub key: String,
    /// Hex SHA-256 of the uncompressed bytes.
    pub sha256: String,
    /// Uncompressed size.
    pub size: i64,
    /// Stored size.
    pub stored_size: i64,
    /// Compression used.
    pub compression: Compression,
}

/// Synchronous, checksummed blob store over any [`ObjectStore`].
///
/// Runs object_store's async calls on a private current-thread tokio runtime, so it must not be
/// called from inside an async runtime's worker (use `spawn_blocking` there).
#[derive(Debug)]
pub struct ArtifactStore {
    store: Arc<dyn ObjectStore>,
    storage: String,
    rt: tokio::runtime::Runtime,
}

fn os_err(e: object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { path, .. } => Error::not_found("artifact blob", path),
        other => Error::backend("object_store", other),
    }
}

impl ArtifactStore {
    /// Wraps any object store; `storage` is the name recorded with each artifact ("s3", ...).
    ///
    /// # Errors
    /// [`Error::Backend`] if the runtime cannot start.
    pub fn new(store: Arc<dyn ObjectStore>, storage: impl Into<String>) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| Error::backend("object_store", e))?;
        Ok(Self {
            store,
            storage: storage.into(),
            rt,
        })
    }

    /// A store on the local filesystem under `root` (created if missing).
    ///
    /// # Errors
    /// [`Error::Backend`] on I/O errors.
    pub fn local(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(|e| Error::backend("object_store", e))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(root).map_err(os_err)?;
        Self::new(Arc::new(fs), "file")
    }

    /// A store from a URL, scoped to the URL's path (keys are stored under it):
    /// `file:///abs/dir`, `memory:///`, and with this crate's features `s3://bucket/prefix`
    /// (`aws`), `gs://bucket/prefix` (`gcp`), `az://container/prefix` or
    /// `abfss://...` (`azure`). `options` go to the cloud builder (e.g. `aws_region`,
    /// `aws_access_key_id`; pass `std::env::vars()` to read the usual `AWS_*`/`GOOGLE_*`/
    /// `AZURE_*` variables). The recorded storage name is the URL scheme.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unparsable URL or a scheme whose feature is not compiled
    /// in; [`Error::Backend`] if the store cannot be built.
    pub fn from_url<I, K, V>(url: &str, options: I) -> Result<Self>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::invalid("artifact store url", format!("{url:?}: {e}")))?;
        if parsed.scheme() == "file" {
            // LocalFileSystem::new() does not create the root; publish needs it to exist.
            let dir = parsed.to_file_path().map_err(|()| {
                Error::invalid("artifact store url", format!("{url:?}: not a local path"))
            })?;
            return Self::local(&dir);
        }
        let (store, prefix) = object_store::parse_url_opts(&parsed, options).map_err(|e| {
            Error::invalid(
                "artifact store url",
                format!("{url:?}: {e} (cloud stores need this crate's aws/gcp/azure features)"),
            )
        })?;
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::from(store)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
        };
        Self::new(store, parsed.scheme())
    }

    /// An in-memory store (tests).
    ///
    /// # Errors
    /// [`Error::Backend`] if the runtime cannot start.
    pub fn in_memory() -> Result<Self> {
        Self::new(Arc::new(object_store::memory::InMemory::new()), "memory")
    }

    /// The storage name recorded with artifacts.
    #[must_use]
    pub fn storage(&self) -> &str {
        &self.storage
    }

    fn path(key: &str) -> Result<ObjPath> {
        validate_key(key)?;
        ObjPath::parse(key).map_err(|e| Error::InvalidKey {
            key: key.to_owned(),
            message: e.to_string(),
        })
    }

    /// Stores bytes content-addressed (deduplicated) and atomically; returns the key and checksum.
    ///
    /// # Errors
    /// [`Error::Backend`] on storage or compression failures.
    pub fn put(&self, bytes: &[u8], compression: Compression) -> Result<StoredBlob> {
        let sha = sha256_hex(bytes);
        let (key, stored) = match compression {
            Compression::None => (format!("blobs/sha256/{}/{sha}", &sha[..2]), bytes.to_vec()),
            Compression::Zstd => (
                format!("blobs/sha256/{}/{sha}.zst", &sha[..2]),
                zstd::encode_all(bytes, 3).map_err(|e| Error::backend("zstd", e))?,
            ),
        };
        let path = Self::path(&key)?;
        let stored_size = stored.len() as i64;
        let store = Arc::clone(&self.store);
        self.rt
            .block_on(async move {
                match store.head(&path).await {
                    Ok(meta) if meta.size == stored.len() as u64 => Ok(()),
                    _ => store.put(&path, stored.into()).await.map(|_| ()),
                }
            })
            .map_err(os_err)?;
        Ok(StoredBlob {
            key,
            sha256: sha,
            size: bytes.len() as i64,
            stored_size,
            compression,
        })
    }

    /// Reads a blob, decompresses it and verifies its SHA-256.
    ///
    /// # Errors
    /// [`Error::NotFound`] if missing, [`Error::Integrity`] on checksum mismatch or corrupt
    /// compressed data, [`Error::InvalidKey`].
    pub fn get(&self, key: &str, sha256: &str, compression: Compression) -> Result<Vec<u8>> {
        let path = Self::path(key)?;
        let store = Arc::clone(&self.store);
        let raw = self
            .rt
            .block_on(async move { store.get(&path).await?.bytes().await })
            .map_err(os_err)?;
        let bytes = match compression {
            Compression::None => raw.to_vec(),
            Compression::Zstd => zstd::decode_all(raw.as_ref())
                .map_err(|e| Error::integrity(key, format!("corrupt zstd data: {e}")))?,
        };
        let got = sha256_hex(&bytes);
        if got != sha256 {
            return Err(Error::integrity(
                key,
                format!("sha256 {got} != recorded {sha256}"),
            ));
        }
        Ok(bytes)
    }

    /// Writes raw bytes at a key, bypassing checksums (tests simulate corruption with it).
    ///
    /// # Errors
    /// [`Error::Backend`], [`Error::InvalidKey`].
    pub fn put_raw_for_tests(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let path = Self::path(key)?;
        let store = Arc::clone(&self.store);
        let data = bytes.to_vec();
        self.rt
            .block_on(async move { store.put(&path, data.into()).await })
            .map(|_| ())
            .map_err(os_err)
    }
}

/// Options of [`Registry::put_artifact`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PutArtifactOptions {
    /// Name within the model (default: the kind's name, e.g. `"weights"`).
    pub name: Option<String>,
    /// Compression (default none).
    pub compression: Compression,
    /// Audit actor / reason.
    pub write: WriteOptions,
}

/// Result of [`Registry::verify_artifacts`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifyReport {
    /// Artifacts checked.
    pub checked: usize,
    /// Artifacts that failed: (record, error message).
    pub failures: Vec<(ArtifactRecord, String)>,
}

/// The registry as the training pipeline uses it: metadata backend + artifact store.
///
/// Dereferences to [`ModelRegistry`], so `registry.register_model(..)` works directly.
#[derive(Debug)]
pub struct Registry {
    meta: Arc<dyn ModelRegistry>,
    artifacts: ArtifactStore,
}

impl std::ops::Deref for Registry {
    type Target = dyn ModelRegistry;
    fn deref(&self) -> &Self::Target {
        self.meta.as_ref()
    }
}

impl Registry {
    /// Combines a metadata backend with an artifact store.
    pub fn new(meta: Arc<dyn ModelRegistry>, artifacts: ArtifactStore) -> Self {
        Self { meta, artifacts }
    }

    /// The metadata backend.
    #[must_use]
    pub fn meta(&self) -> &Arc<dyn ModelRegistry> {
        &self.meta
    }

    /// The artifact store.
    #[must_use]
    pub fn store(&self) -> &ArtifactStore {
        &self.artifacts
    }

    /// Stores artifact bytes (checksummed, atomically published) and records them for the model.
    /// The blob is written before the metadata row, so a crash in between leaves only an
    /// unreferenced blob, never a record pointing at missing bytes.
    ///
    /// # Errors
    /// `NotFound` (model), `AlreadyExists` (same model/kind/name), `InvalidKey`, `Backend`.
    pub fn put_artifact(
        &self,
        model_id: ModelId,
        kind: ArtifactKind,
        bytes: &[u8],
        opts: PutArtifactOptions,
    ) -> Result<ArtifactRecord> {
        let name = opts.name.unwrap_or_else(|| kind.as_str().to_owned());
        validate_key(&name)?;
        self.meta.get_model(model_id)?;
        let blob = self.artifacts.put(bytes, opts.compression)?;
        self.meta.record_artifact(
            NewArtifact {
                model_id,
                kind,
                name,
                storage: self.artifacts.storage().to_owned(),
                uri: blob.key,
                sha256: blob.sha256,
                size: blob.size,
                stored_size: blob.stored_size,
                compression: blob.compression,
            },
            opts.write,
        )
    }

    /// Reads an artifact, verifying its checksum, and counts the access.
    ///
    /// # Errors
    /// `NotFound`, `Integrity` (bytes changed), `Backend`.
    pub fn get_artifact(
        &self,
        model_id: ModelId,
        kind: ArtifactKind,
        name: Option<&str>,
    ) -> Result<Vec<u8>> {
        let name = name.unwrap_or(kind.as_str());
        let rec = self
            .meta
            .artifacts(model_id)?
            .into_iter()
            .find(|a| a.meta.kind == kind && a.meta.name == name)
            .ok_or_else(|| {
                Error::not_found("artifact", format!("{model_id}/{}/{name}", kind.as_str()))
            })?;
        let bytes = self
            .artifacts
            .get(&rec.meta.uri, &rec.meta.sha256, rec.meta.compression)?;
        self.meta.touch_artifact(rec.id)?;
        Ok(bytes)
    }

    /// Re-reads every recorded artifact and checks its checksum.
    ///
    /// # Errors
    /// Backend errors listing the records; per-artifact failures are in the report.
    pub fn verify_artifacts(&self) -> Result<VerifyReport> {
        let all = self.meta.all_artifacts()?;
        let mut failures = Vec::new();
        for rec in &all {
            if let Err(e) =
                self.artifacts
                    .get(&rec.meta.uri, &rec.meta.sha256, rec.meta.compression)
            {
                failures.push((rec.clone(), e.to_string()));
            }
        }
        Ok(VerifyReport {
            checked: all.len(),
            failures,
        })
    }

    /// Looks up one artifact record by id.
    ///
    /// # Errors
    /// `NotFound`.
    pub fn artifact_by_id(&self, id: Uuid) -> Result<ArtifactRecord> {
        self.meta
            .all_artifacts()?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| Error::not_found("artifact", id))
    }
}
