//! The hash chain of the audit log, shared by every backend so hashes agree everywhere.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::types::Event;

/// `prev_hash` of the first event: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an event: SHA-256 over `prev_hash` and each field, every field length-prefixed
/// (u64 little-endian) so no two different events serialise alike. Absent optional fields hash
/// differently from empty strings.
#[must_use]
#[allow(clippy::too_many_arguments, reason = "one argument per hashed column")]
pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    at_us: i64,
    actor: &str,
    action: &str,
    entity_kind: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
    reason: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    field(prev_hash.as_bytes());
    field(&seq.to_le_bytes());
    field(&at_us.to_le_bytes());
    field(actor.as_bytes());
    field(action.as_bytes());
    field(entity_kind.as_bytes());
    field(entity_id.as_bytes());
    for opt in [before, after, reason] {
        match opt {
            None => field(&[0]),
            Some(s) => {
                field(&[1]);
                field(s.as_bytes());
            }
        }
    }
    hex::encode(h.finalize())
}

/// Recomputes the hash of a stored event.
#[must_use]
pub fn rehash(prev_hash: &str, e: &Event) -> String {
    event_hash(
        prev_hash,
        e.seq,
        e.at.timestamp_micros(),
        &e.actor,
        &e.action,
        &e.entity_kind,
        &e.entity_id,
        e.before.as_deref(),
        e.after.as_deref(),
        e.reason.as_deref(),
    )
}

/// Incremental chain verifier: feed events in `seq` order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    expected_seq: i64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev: GENESIS_HASH.to_owned(),
            expected_seq: 1,
        }
    }
}

impl ChainVerifier {
    /// Checks the next event.
    ///
    /// # Errors
    /// [`Error::Integrity`] for a gap in `seq`, a wrong `prev_hash` or a wrong `hash`.
    pub fn check(&mut self, e: &Event) -> Result<()> {
        let what = format!("audit event seq {}", e.seq);
        if e.seq != self.expected_seq {
            return Err(Error::integrity(
                what,
                format!(
                    "expected seq {} (event missing or inserted)",
                    self.expected_seq
                ),
            ));
        }
        if e.prev_hash != self.prev {
            return Err(Error::integrity(
                what,
                format!(
                    "prev_hash {} != hash of previous event {}",
                    e.prev_hash, self.prev
                ),
            ));
        }
        let h = rehash(&self.prev, e);
        if h != e.hash {
            return Err(Error::integrity(
                what,
                format!("stored hash {} != recomputed {h} (row modified)", e.hash),
            ));
        }
        self.prev = h;
        self.expected_seq += 1;
        Ok(())
    }
    /// Head hash so far.
    #[must_use]
    pub fn head(&self) -> &str {
        &self.prev
    }
    /// Number of events checked.
    #[must_use]
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }
}

/// Canonical JSON text for audit snapshots (serde_json maps are key-sorted).
#[must_use]
pub fn canonical_json(v: &serde_json::Value) -> String {
    v.to_string()
}
