//! Branch-free scalar selects for streaming updates: the crate's second reviewed `unsafe`
//! exception (the first is [`crate::fma`]).
//!
//! A scalar `f64` select whose condition is more than one floating-point comparison (say
//! "outside the dead zone *and* negative") has no branch-free lowering on x86-64: LLVM
//! expands it into a branch, and when the condition is data (the sign of a price change)
//! that branch mispredicts on about half the bars. `std::hint::select_unpredictable` does
//! not change this, nor does writing the select as an integer bit mask (LLVM turns the
//! mask back into a select). Kept in SSE2 registers as comparison masks (`cmpsd` +
//! `andpd`/`andnpd`), the same selects are four instructions without a branch. SSE2 is
//! part of the x86-64 baseline, so the intrinsics need no runtime check; other targets
//! take the plain selects, with the same results.
//!
//! Results are identical on every path: each output is either an input, unchanged, or
//! `+0.0`.

// The SSE2 intrinsics are `#[target_feature(enable = "sse2")]` functions, so calling them
// is `unsafe` unless the caller lists the feature; x86-64 always has it (it is in the
// target's baseline, `cfg(target_feature = "sse2")`), which makes every call sound.
#![allow(unsafe_code)]

/// `value` on the side of `diff`'s sign as `(up, down)`, `(+0, +0)` when `|diff| <= dead`.
///
/// Up is `diff >= 0` or NaN (a NaN `diff` is never inside the dead zone), down is
/// `diff < 0`. With plain selects (for loops that the compiler vectorises, where selects
/// become blends): see [`split_by_sign`] for the branch-free scalar form.
#[inline(always)]
pub(crate) fn split_by_sign_plain(value: f64, diff: f64, dead: f64) -> (f64, f64) {
    let v = if diff.abs() <= dead { 0.0 } else { value };
    if diff < 0.0 { (0.0, v) } else { (v, 0.0) }
}

/// [`split_by_sign_plain`] without a branch, for one value at a time (see the module
/// docs); same results bit for bit.
#[inline(always)]
pub(crate) fn split_by_sign(value: f64, diff: f64, dead: f64) -> (f64, f64) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use std::arch::x86_64::{
            _mm_and_pd, _mm_andnot_pd, _mm_cmplt_sd, _mm_cmpnle_sd, _mm_cvtsd_f64, _mm_set_sd,
            _mm_setzero_pd,
        };
        // SAFETY: SSE2 is enabled for the whole build (the `cfg` above), so the running
        // CPU has it; the intrinsics only compute on registers.
        unsafe {
            let d = _mm_set_sd(diff);
            // All ones when `!(|diff| <= dead)` (NaN included), when `diff < 0`.
            let live = _mm_cmpnle_sd(_mm_set_sd(diff.abs()), _mm_set_sd(dead));
            let down = _mm_cmplt_sd(d, _mm_setzero_pd());
            let v = _mm_and_pd(live, _mm_set_sd(value));
            (
                _mm_cvtsd_f64(_mm_andnot_pd(down, v)),
                _mm_cvtsd_f64(_mm_and_pd(down, v)),
            )
        }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        split_by_sign_plain(value, diff, dead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_free_split_equals_the_plain_selects_bit_for_bit() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            1e-300,
            -1e-300,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            3.5e7,
            -2.25,
        ];
        let mut checked = 0;
        for &value in &specials {
            for &diff in &specials {
                for &dead in &[0.0, 1e-14, 1.0, f64::INFINITY, f64::NAN] {
                    let (a, b) = split_by_sign(value, diff, dead);
                    let (c, d) = split_by_sign_plain(value, diff, dead);
                    assert_eq!(
                        (a.to_bits(), b.to_bits()),
                        (c.to_bits(), d.to_bits()),
                        "value {value}, diff {diff}, dead {dead}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 12 * 12 * 5);
        assert_eq!(split_by_sign(5.0, 1.0, 0.5), (5.0, 0.0));
        assert_eq!(split_by_sign(5.0, -1.0, 0.5), (0.0, 5.0));
        assert_eq!(split_by_sign(5.0, 0.25, 0.5), (0.0, 0.0));
        let (up, down) = split_by_sign(5.0, f64::NAN, 0.5);
        assert_eq!((up, down), (5.0, 0.0));
    }
}
