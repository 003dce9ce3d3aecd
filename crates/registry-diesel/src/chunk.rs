//! Packed metric chunks (SQLite "chunk mode"): up to [`CHUNK_MAX`] points of one `(run, key)`
//! series in one BLOB, so a 10,000-point history is ~10 rows instead of 10,000 and a point costs
//! ~10-12 bytes instead of a ~30-byte B-tree cell.
//!
//! Format (little endian, version 1): `0x01`, point count (LEB128), then per point, in step order:
//! zigzag-LEB128 step delta, zigzag-LEB128 timestamp delta (µs), the value's 8 IEEE-754 bytes
//! (exact: NaN, ±0.0 and ±∞ round-trip bit for bit). Deltas are against the previous point (the
//! first against 0).

/// Most points per chunk row.
pub(crate) const CHUNK_MAX: usize = 1024;

const VERSION: u8 = 1;

/// One decoded point: `(step, ts_us, value)`.
pub(crate) type Pt = (i64, i64, f64);

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Encodes points (already sorted by step, steps distinct).
pub(crate) fn encode(points: &[Pt]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + points.len() * 12);
    out.push(VERSION);
    put_varint(&mut out, points.len() as u64);
    let (mut ps, mut pt) = (0i64, 0i64);
    for &(s, t, v) in points {
        put_varint(&mut out, zigzag(s.wrapping_sub(ps)));
        put_varint(&mut out, zigzag(t.wrapping_sub(pt)));
        out.extend_from_slice(&v.to_bits().to_le_bytes());
        (ps, pt) = (s, t);
    }
    out
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.i)?;
            self.i += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn f64(&mut self) -> Option<f64> {
        let s = self.b.get(self.i..self.i + 8)?;
        self.i += 8;
        Some(f64::from_bits(u64::from_le_bytes(s.try_into().ok()?)))
    }
}

/// Decodes a chunk, appending its points to `out`. `None` if the bytes are not a valid chunk.
pub(crate) fn decode_into(bytes: &[u8], out: &mut Vec<Pt>) -> Option<()> {
    let mut r = Reader { b: bytes, i: 1 };
    if bytes.first() != Some(&VERSION) {
        return None;
    }
    let n = usize::try_from(r.varint()?).ok()?;
    if n > CHUNK_MAX.max(bytes.len()) {
        return None;
    }
    out.reserve(n);
    let (mut s, mut t) = (0i64, 0i64);
    for _ in 0..n {
        s = s.wrapping_add(unzigzag(r.varint()?));
        t = t.wrapping_add(unzigzag(r.varint()?));
        out.push((s, t, r.f64()?));
    }
    (r.i == bytes.len()).then_some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_exact_including_special_values() {
        let pts: Vec<Pt> = vec![
            (-5, -1_000, -0.0),
            (0, 0, f64::NAN),
            (1, i64::MAX, f64::INFINITY),
            (2, i64::MIN, f64::NEG_INFINITY),
            (i64::MAX, 1_700_000_000_000_000, 1e-300),
        ];
        let enc = encode(&pts);
        let mut dec = Vec::new();
        decode_into(&enc, &mut dec).unwrap();
        assert_eq!(dec.len(), pts.len());
        for (a, b) in pts.iter().zip(&dec) {
            assert_eq!((a.0, a.1, a.2.to_bits()), (b.0, b.1, b.2.to_bits()));
        }
    }

    #[test]
    fn typical_series_is_compact() {
        let pts: Vec<Pt> = (0..1000)
            .map(|s| (s, 1_700_000_000_000_000 + s * 1000, 0.5 / (1.0 + s as f64)))
            .collect();
        let enc = encode(&pts);
        assert!(enc.len() <= 1000 * 11 + 16, "{} bytes", enc.len());
    }

    #[test]
    fn corrupt_bytes_are_rejected() {
        let enc = encode(&[(1, 2, 3.0), (2, 3, 4.0)]);
        let mut out = Vec::new();
        assert!(decode_into(&enc[..enc.len() - 1], &mut out).is_none());
        let mut extra = enc.clone();
        extra.push(0);
        assert!(decode_into(&extra, &mut out).is_none());
        assert!(decode_into(&[2, 0], &mut out).is_none());
        assert!(decode_into(&[], &mut out).is_none());
        assert!(
            decode_into(
                &[
                    1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
                ],
                &mut out
            )
            .is_none()
        );
    }
}
