//! Combinatorial purged cross-validation (AFML ch. 12), reproducing skfolio's
//! `CombinatorialPurgedCV` exactly, with path bookkeeping.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Result, infeasible};
use crate::split::Split;
use crate::walk::Splitter;

/// Largest number of combinations accepted (as skfolio).
pub const MAX_COMBINATIONS: u64 = 100_000;

/// Combinatorial purged cross-validation: `n_folds` contiguous folds, every
/// combination of `n_test_folds` of them is one test set.
///
/// Folds: `fold_size = n / n_folds`, row `i` belongs to fold
/// `min(i / fold_size, n_folds - 1)` (the remainder goes into the last fold).
/// Around every contiguous test block `[s, e)` the training set loses
/// `[s - purged_size, s)` and `[e, e + purged_size + embargo_size)`.
/// Splits come in lexicographic combination order (`itertools.combinations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinatorialPurgedCv {
    /// Number of folds `N` (>= 3).
    pub n_folds: usize,
    /// Number of test folds per split `k` (2 <= k < N).
    pub n_test_folds: usize,
    /// Rows removed before and after each test block.
    pub purged_size: usize,
    /// Extra rows removed after each test block.
    pub embargo_size: usize,
}

fn binomial(n: usize, k: usize) -> u64 {
    let k = k.min(n - k.min(n));
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * (n - i) as u128 / (i + 1) as u128;
        if r > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    u64::try_from(r).unwrap_or(u64::MAX)
}

/// Lexicographic k-combinations of `0..n`.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k > n {
        return out;
    }
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        out.push(c.clone());
        let mut i = k;
        while i > 0 && c[i - 1] == n - k + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        c[i - 1] += 1;
        for j in i..k {
            c[j] = c[j - 1] + 1;
        }
    }
}

impl CombinatorialPurgedCv {
    /// skfolio `CombinatorialPurgedCV(n_folds, n_test_folds, purged_size, embargo_size)`.
    ///
    /// # Errors
    /// [`crate::Error::Infeasible`] unless `n_folds >= 3`, `2 <= n_test_folds < n_folds`
    /// and `C(n_folds, n_test_folds) <= 100_000`.
    pub fn new(
        n_folds: usize,
        n_test_folds: usize,
        purged_size: usize,
        embargo_size: usize,
    ) -> Result<Self> {
        if n_folds < 3 {
            return Err(infeasible("n_folds >= 3", format!("n_folds={n_folds}")));
        }
        if n_test_folds < 2 {
            return Err(infeasible(
                "n_test_folds >= 2",
                format!("n_test_folds={n_test_folds}"),
            ));
        }
        if n_test_folds >= n_folds {
            return Err(infeasible(
                "n_test_folds < n_folds",
                format!("n_test_folds={n_test_folds}, n_folds={n_folds}"),
            ));
        }
        let c = binomial(n_folds, n_test_folds);
        if c > MAX_COMBINATIONS {
            return Err(infeasible(
                "C(n_folds, n_test_folds) <= 100000",
                format!("C({n_folds}, {n_test_folds})={c}"),
            ));
        }
        Ok(Self {
            n_folds,
            n_test_folds,
            purged_size,
            embargo_size,
        })
    }

    /// Number of splits, `C(N, k)`.
    #[must_use]
    pub fn n_combinations(&self) -> usize {
        usize::try_from(binomial(self.n_folds, self.n_test_folds)).unwrap_or(usize::MAX)
    }

    /// Number of recombined test paths, `C(N, k) * k / N = C(N-1, k-1)`.
    #[must_use]
    pub fn n_test_paths(&self) -> usize {
        usize::try_from(binomial(self.n_folds - 1, self.n_test_folds - 1)).unwrap_or(usize::MAX)
    }

    /// Test folds of every split, in split order (skfolio `test_set_index`).
    #[must_use]
    pub fn test_set_index(&self) -> Vec<Vec<usize>> {
        combinations(self.n_folds, self.n_test_folds)
    }

    /// `recombined_paths()[f][p]` = the split whose test fold `f` belongs to path `p`
    /// (the `p`-th split, in order, that tests fold `f`). Shape `N × n_test_paths`.
    #[must_use]
    pub fn recombined_paths(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::with_capacity(self.n_test_paths()); self.n_folds];
        for (s, c) in self.test_set_index().iter().enumerate() {
            for &f in c {
                out[f].push(s);
            }
        }
        out
    }

    /// `path_ids()[s][j]` = the path of the `j`-th test fold of split `s`.
    /// Shape `C(N,k) × k`.
    #[must_use]
    pub fn path_ids(&self) -> Vec<Vec<usize>> {
        let mut seen = vec![0usize; self.n_folds];
        self.test_set_index()
            .iter()
            .map(|c| {
                c.iter()
                    .map(|&f| {
                        let p = seen[f];
                        seen[f] += 1;
                        p
                    })
                    .collect()
            })
            .collect()
    }

    /// Row range of every fold for `n_samples` rows.
    ///
    /// # Errors
    /// [`crate::Error::Infeasible`] if `purged_size + embargo_size < n_samples / n_folds - 1` fails.
    pub fn folds(&self, n_samples: usize) -> Result<Vec<Range<usize>>> {
        let fold = n_samples / self.n_folds;
        if self.purged_size + self.embargo_size + 1 >= fold {
            return Err(infeasible(
                "purged_size + embargo_size < n_samples / n_folds - 1",
                format!(
                    "purged_size={}, embargo_size={}, n_samples={n_samples}, n_folds={}, fold_size={fold}",
                    self.purged_size, self.embargo_size, self.n_folds
                ),
            ));
        }
        Ok((0..self.n_folds)
            .map(|f| {
                let end = if f + 1 == self.n_folds {
                    n_samples
                } else {
                    (f + 1) * fold
                };
                f * fold..end
            })
            .collect())
    }

    /// The test rows of every recombined path, each path covering all rows once:
    /// `paths(n)?[p]` lists `(fold, split)` pairs in fold order.
    #[must_use]
    pub fn paths(&self) -> Vec<Vec<(usize, usize)>> {
        let rp = self.recombined_paths();
        (0..self.n_test_paths())
            .map(|p| (0..self.n_folds).map(|f| (f, rp[f][p])).collect())
            .collect()
    }
}

impl Splitter for CombinatorialPurgedCv {
    fn n_splits(&self, n_samples: usize) -> Result<usize> {
        self.folds(n_samples)?;
        Ok(self.n_combinations())
    }

    fn split(&self, n_samples: usize) -> Result<Vec<Split>> {
        let folds = self.folds(n_samples)?;
        let (n_folds, k) = (self.n_folds, self.n_test_folds);
        let (p, emb) = (self.purged_size, self.embargo_size);
        let mut out = Vec::with_capacity(self.n_combinations());
        // Lexicographic combinations, generated in place. `folds()` guarantees
        // `purged_size + embargo_size + 1 < fold size`, so a removal zone never
        // reaches into another test block (zones of two blocks may touch or overlap).
        let mut c: Vec<usize> = (0..k).collect();
        loop {
            let test: Vec<Range<usize>> = c.iter().map(|&f| folds[f].clone()).collect();
            let mut train = Vec::with_capacity(k + 1);
            let (mut cursor, mut purged, mut embargoed) = (0usize, 0usize, 0usize);
            let mut j = 0;
            while j < k {
                // contiguous block of adjacent test folds c[j..=jj]
                let mut jj = j;
                while jj + 1 < k && c[jj + 1] == c[jj] + 1 {
                    jj += 1;
                }
                let (s, e) = (folds[c[j]].start, folds[c[jj]].end);
                let lo = s.saturating_sub(p);
                let purge_hi = (e + p).min(n_samples);
                let hi = (e + p + emb).min(n_samples);
                if lo > cursor {
                    train.push(cursor..lo);
                }
                // rows are counted once, in the first zone (in row order) that removes them
                purged += (s - lo.max(cursor)) + (purge_hi - e);
                embargoed += hi - purge_hi;
                cursor = hi;
                j = jj + 1;
            }
            if cursor < n_samples {
                train.push(cursor..n_samples);
            }
            out.push(Split {
                id: out.len(),
                train,
                test,
                purged,
                embargoed,
            });
            let mut i = k;
            while i > 0 && c[i - 1] == n_folds - k + i - 1 {
                i -= 1;
            }
            if i == 0 {
                return Ok(out);
            }
            c[i - 1] += 1;
            for j in i..k {
                c[j] = c[j - 1] + 1;
            }
        }
    }
}
