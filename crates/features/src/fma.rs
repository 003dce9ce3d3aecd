//! Runtime FMA dispatch for batch kernels: the crate's one reviewed `unsafe` exception.
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

// Calling a `#[target_feature]` function is `unsafe` unless the caller has the feature;
// the check right before the call makes it sound.
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

#[cfg(test)]
mod tests {
    use super::dispatch;

    #[test]
    fn dispatch_computes_the_fused_result_on_either_path() {
        // 0.1 * 10 - 1 is 0 when rounded twice and 2^-54 * 5.55e-17.. when fused.
        let fused = dispatch(|| 0.1f64.mul_add(10.0, -1.0));
        assert_eq!(fused.to_bits(), 0.1f64.mul_add(10.0, -1.0).to_bits());
        assert_ne!(fused, 0.1f64 * 10.0 - 1.0);
        assert_eq!(dispatch(|| 41 + 1), 42);
    }
}
