//! Helpers shared by the batch-kernel tests (`f3_*`): a seeded generator, the reference
//! fold and bit-for-bit comparison.

#![allow(dead_code, reason = "each test file uses a subset")]

use aaiti_features::{Columns, DynIndicator};

/// splitmix64 in `[0, 1]`, so the tests need no RNG crate.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next value.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        #[allow(clippy::cast_precision_loss)]
        let u = (z ^ (z >> 31)) as f64 / u64::MAX as f64;
        u
    }
}

/// The reference: a fresh state fed bar by bar, row-major like the kernels.
pub(crate) fn fold(ind: &dyn DynIndicator, cols: &Columns<'_>) -> Vec<f64> {
    let mut st = ind.box_clone();
    st.reset();
    let k = st.output_names().len();
    let mut out = vec![f64::NAN; cols.len() * k];
    let mut buf = vec![f64::NAN; k];
    for (i, row) in out.chunks_exact_mut(k).enumerate() {
        if st.update_into(&cols.bar(i), &mut buf) {
            row.copy_from_slice(&buf);
        }
    }
    out
}

/// Same bits, or both NaN (a NaN's sign and payload are not specified by Rust).
pub(crate) fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}
