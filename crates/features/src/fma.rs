//! Runtime FMA dispatch for batch kernels and streaming updates: the crate's one reviewed
//! `unsafe` exception.
//!
//! TA-Lib 0.8.1's wheel runs FMA builds of its recursive functions (EMA, T3, ATR, KAMA,
//! the Hilbert transform...), so parity needs fused multiply-adds: [`f64::mul_add`], which
//! is exact (one rounding) on every CPU. Without the `fma` target feature, though, rustc
//! lowers it to a call into libm's `fma`, several times slower than the `vfmadd`
//! instruction. [`dispatch`] runs a kernel inside a function compiled with
//! `#[target_feature(enable = "fma")]` when the running CPU has FMA, so the inlined
//! `mul_add`s become single instructions; otherwise it runs the kernel as compiled.
//!
//! **Results do not depend on the path**: `mul_add` is the correctly rounded fused
//! operation either way, and Rust never contracts a separate `a * b + c` into an FMA, so
//! only speed changes. The tests run whichever path the test machine takes, and the
//! fallback is the ordinary code path that every other build uses.
//!
//! Streaming `update`s are called once per bar from the user's loop, which is compiled
//! without FMA; a `#[target_feature]` frame cannot be inlined there, so calling one per
//! bar would cost a call and push the state through memory. For them, [`Fused`] is the
//! fused multiply-add as a value-level choice: [`Hw`] executes one `vfmadd213sd` through
//! inline assembly (it inlines anywhere, and only exists once the CPU was seen to have
//! FMA; off x86-64 it is `mul_add`), [`Plain`] is `f64::mul_add`. An `update` is written
//! once, generic over [`Fused`]; its hot path takes [`Hw::cached`] (one load, no call) and
//! its out-of-line fallback [`with_fused!`] (see `overlap::ma`'s `fused_core!`). The
//! `asm!` is the second `unsafe` here, with the same soundness argument: it runs only on a
//! CPU detected to have FMA.

// Calling a `#[target_feature]` function is `unsafe` unless the caller has the feature,
// and so is `asm!`; a feature check before each makes them sound.
#![allow(unsafe_code)]

/// Runs `f`, inside an FMA-enabled function when the CPU supports FMA.
///
/// For the speed-up, the kernel `f` calls should be `#[inline(always)]` so that it is
/// compiled into the FMA-enabled frame (a function without target features may be inlined
/// into one with them).
#[inline]
pub(crate) fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: `with_fma` only requires the `fma` target feature, which the running
            // CPU was just detected to support.
            return unsafe { with_fma(f) };
        }
    }
    f()
}

/// `f()` compiled with FMA enabled (see [`dispatch`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
#[inline]
fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Whether the running CPU has FMA: 0 not yet known, 1 no, 2 yes.
#[cfg(target_arch = "x86_64")]
static FMA_STATE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// The CPU's FMA support, detected once and then read from [`FMA_STATE`] (one relaxed
/// load: no call and no memory clobber on the streaming hot path).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_fma() -> bool {
    if cfg!(target_feature = "fma") {
        return true;
    }
    match FMA_STATE.load(std::sync::atomic::Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => detect_fma(),
    }
}

/// First call of [`has_fma`]: runs the detection and caches it.
#[cfg(target_arch = "x86_64")]
#[cold]
#[inline(never)]
fn detect_fma() -> bool {
    let yes = std::arch::is_x86_feature_detected!("fma");
    FMA_STATE.store(
        if yes { 2 } else { 1 },
        std::sync::atomic::Ordering::Relaxed,
    );
    yes
}

/// A fused multiply-add `a * b + c` with one rounding: [`Hw`] or [`Plain`], which give the
/// same bits for every input (`tests::hw_and_plain_agree`).
pub(crate) trait Fused: Copy {
    /// `a * b + c`, rounded once.
    fn mul_add(self, a: f64, b: f64, c: f64) -> f64;
}

/// `f64::mul_add` as compiled: libm's `fma` without the `fma` target feature.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plain;

impl Fused for Plain {
    #[inline(always)]
    fn mul_add(self, a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
}

/// The `vfmadd213sd` instruction. A token: [`Hw::detect`] and [`Hw::cached`] are its only
/// constructors and return it only on a CPU with FMA, so holding one proves the
/// instruction exists.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hw(());

impl Hw {
    /// `Some` when the running CPU has FMA (detected on the first call, then cached).
    #[inline(always)]
    pub(crate) fn detect() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            if has_fma() {
                return Some(Self(()));
            }
            None
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // `mul_add` is compiled inline where the target has it.
            Some(Self(()))
        }
    }

    /// [`detect`](Self::detect) without ever running the detection: `None` also while it
    /// has not run yet. One load and compare, no call, for streaming hot paths (a call
    /// there would make the compiler spill the state around it); their fallback path
    /// calls [`detect`](Self::detect).
    #[inline(always)]
    pub(crate) fn cached() -> Option<Self> {
        #[cfg(target_arch = "x86_64")]
        {
            if cfg!(target_feature = "fma")
                || FMA_STATE.load(std::sync::atomic::Ordering::Relaxed) == 2
            {
                return Some(Self(()));
            }
            None
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Some(Self(()))
        }
    }
}

impl Fused for Hw {
    #[inline(always)]
    fn mul_add(self, a: f64, b: f64, c: f64) -> f64 {
        #[cfg(all(target_arch = "x86_64", not(target_feature = "fma")))]
        {
            let mut r = a;
            // SAFETY: a `Hw` exists only after `has_fma()` returned true, so the CPU
            // executes `vfmadd213sd` (r = b * r + c, one rounding: IEEE fusedMultiplyAdd,
            // as `f64::mul_add`). The instruction touches no memory, no stack and no flags,
            // and writes only `r`; its VEX.128 encoding zeroes the upper lanes, leaving no
            // dirty AVX state behind for the surrounding SSE code.
            unsafe {
                std::arch::asm!(
                    "vfmadd213sd {r}, {b}, {c}",
                    r = inout(xmm_reg) r,
                    b = in(xmm_reg) b,
                    c = in(xmm_reg) c,
                    options(pure, nomem, nostack, preserves_flags),
                );
            }
            r
        }
        #[cfg(not(all(target_arch = "x86_64", not(target_feature = "fma"))))]
        {
            // With the `fma` target feature (or off x86-64) `mul_add` is already inline.
            a.mul_add(b, c)
        }
    }
}

/// Evaluates `$e` with `$f` bound to a [`Fused`]: [`Hw`] when the CPU has FMA, else
/// [`Plain`] (the expression is compiled once for each).
macro_rules! with_fused {
    ($f:ident => $e:expr) => {
        match $crate::fma::Hw::detect() {
            Some($f) => $e,
            None => {
                let $f = $crate::fma::Plain;
                $e
            }
        }
    };
}
pub(crate) use with_fused;

#[cfg(test)]
mod tests {
    use super::{Fused, Hw, Plain, dispatch};

    #[test]
    fn dispatch_computes_the_fused_result_on_either_path() {
        // 0.1 * 10 - 1 is 0 when rounded twice and 2^-54 * 5.55e-17.. when fused.
        let fused = dispatch(|| 0.1f64.mul_add(10.0, -1.0));
        assert_eq!(fused.to_bits(), 0.1f64.mul_add(10.0, -1.0).to_bits());
        assert_ne!(fused, 0.1f64 * 10.0 - 1.0);
        assert_eq!(dispatch(|| 41 + 1), 42);
    }

    /// Adversarial operands: signed zeros, subnormals, extremes, infinities, NaN, values
    /// whose product cancels against the addend, and cases where double rounding differs.
    fn operands() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            10.0,
            3.0,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1e308,
            1e-308,
            f64::EPSILON,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            2.0 / 31.0,
            2.0 / 3.0 - 2.0 / 31.0,
            0.7,
            -6.0,
        ];
        let mut z = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..40 {
            z = z
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            v.push(f64::from_bits(z));
        }
        v
    }

    #[test]
    fn hw_and_plain_agree() {
        let ops = operands();
        let hw = Hw::detect();
        let mut fused_differs = 0usize;
        for &a in &ops {
            for &b in &ops {
                for &c in &ops {
                    let p = Plain.mul_add(a, b, c);
                    assert_eq!(p.to_bits(), a.mul_add(b, c).to_bits());
                    if let Some(h) = hw {
                        let r = h.mul_add(a, b, c);
                        // Same bits; a NaN's payload may come from either NaN operand.
                        assert!(
                            r.to_bits() == p.to_bits() || (r.is_nan() && p.is_nan()),
                            "fma({a:e}, {b:e}, {c:e}): hw {r:e} plain {p:e}"
                        );
                    }
                    if p.is_finite() && p != a * b + c {
                        fused_differs += 1;
                    }
                }
            }
        }
        // The inputs do exercise the single rounding.
        assert!(fused_differs > 100, "{fused_differs}");
    }

    #[test]
    fn cached_follows_detect() {
        let d = Hw::detect().is_some();
        assert_eq!(Hw::cached().is_some(), d);
    }

    #[test]
    fn with_fused_runs_the_expression() {
        let r = super::with_fused!(f => f.mul_add(0.1, 10.0, -1.0));
        assert_eq!(r.to_bits(), 0.1f64.mul_add(10.0, -1.0).to_bits());
    }
}
