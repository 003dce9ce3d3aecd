//! The byte format of fitted models: `b"AAITIMDL"`, a little-endian `u32` format version, a
//! little-endian `u64` header length, a JSON header `{"kind": .., "model": ..}`, then an opaque
//! payload (safetensors weights for networks, empty for linfa models).

use serde::{Serialize, de::DeserializeOwned};

use crate::{Error, Result};

const MAGIC: &[u8; 8] = b"AAITIMDL";

/// The format version written by this build (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct HeaderOut<'a, H> {
    kind: &'a str,
    model: &'a H,
}

#[derive(serde::Deserialize)]
struct HeaderIn<H> {
    kind: String,
    model: H,
}

#[derive(serde::Deserialize)]
struct KindOnly {
    kind: String,
}

pub(crate) fn write_envelope<H: Serialize>(
    kind: &str,
    header: &H,
    payload: &[u8],
) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(&HeaderOut {
        kind,
        model: header,
    })?;
    let mut out = Vec::with_capacity(20 + json.len() + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(payload);
    Ok(out)
}

fn split(bytes: &[u8]) -> Result<(&[u8], &[u8])> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| Error::Format("missing AAITIMDL magic".into()))?;
    let (ver, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| Error::Format("truncated version".into()))?;
    let version = u32::from_le_bytes(*ver);
    if version == 0 || version > FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            got: version,
            supported: FORMAT_VERSION,
        });
    }
    let (len, rest) = rest
        .split_first_chunk::<8>()
        .ok_or_else(|| Error::Format("truncated header length".into()))?;
    let len = usize::try_from(u64::from_le_bytes(*len))
        .map_err(|_| Error::Format("header length overflows".into()))?;
    if len > rest.len() {
        return Err(Error::Format(format!(
            "header length {len} exceeds the {} bytes left",
            rest.len()
        )));
    }
    Ok(rest.split_at(len))
}

/// The model kind stored in `bytes` (e.g. `"decision_tree"`), without decoding the model.
///
/// # Errors
/// The bytes are not a model written by this crate, or of a newer format version.
pub fn peek_kind(bytes: &[u8]) -> Result<String> {
    let (json, _) = split(bytes)?;
    Ok(serde_json::from_slice::<KindOnly>(json)?.kind)
}

pub(crate) fn read_envelope<'a, H: DeserializeOwned>(
    bytes: &'a [u8],
    kind: &str,
) -> Result<(H, &'a [u8])> {
    let (json, payload) = split(bytes)?;
    let h: HeaderIn<H> = serde_json::from_slice(json)?;
    if h.kind != kind {
        return Err(Error::Format(format!(
            "bytes hold a `{}`, not a `{kind}`",
            h.kind
        )));
    }
    Ok((h.model, payload))
}
