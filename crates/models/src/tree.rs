//! Decision tree (CART) and random forest, written here rather than wrapping `linfa-trees`.
//!
//! We first wrapped linfa-trees 0.8 and measured that it is not deterministic: it scores
//! splits in `f32` from class counts summed in `HashMap` order, so equal-score candidates
//! are picked differently from run to run (a 16-tree forest differed in 9 of 10 runs on
//! another thread); it also merges values closer than `1e-5` and keeps only a majority vote in
//! leaves. This CART follows scikit-learn's `DecisionTreeClassifier` instead: `f64` Gini or
//! entropy, exhaustive best split per node with the first best (lowest feature, lowest
//! threshold) kept, thresholds at midpoints, `x <= threshold` goes left, values within `1e-7`
//! treated as equal, `min_samples_split` / `min_samples_leaf` / `max_depth` /
//! `min_impurity_decrease` with sklearn's weighted impurity decrease, and leaves that store
//! class frequencies (`predict_proba`).
//!
//! [`RandomForest`] is a real random forest: bootstrap rows per tree and `max_features`
//! candidate features drawn afresh at every split (sklearn's design), seeded with one
//! ChaCha8 stream per tree, grown in parallel with rayon (results do not depend on the
//! thread count), probabilities averaged over trees. Its random draws differ from sklearn's,
//! so forests agree with sklearn statistically, not tree by tree.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::Rng as _;
use rand::SeedableRng as _;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{argmax, check_input, encode_labels};
use crate::persist::{read_envelope, write_envelope};
use crate::{Error, Fit, ParamGuard, Persist, Predict, PredictProba, Result, TrainData};

/// Values closer than this are one value (scikit-learn's `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;

/// Split criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitQuality {
    /// Gini impurity.
    #[default]
    Gini,
    /// Entropy (information gain, log base 2 as scikit-learn).
    Entropy,
}

/// How many candidate features each split considers.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// Every feature (a plain tree; sklearn `None`).
    #[default]
    All,
    /// `max(1, floor(sqrt(n_features)))` (sklearn `"sqrt"`, its forest default).
    Sqrt,
    /// `max(1, floor(log2(n_features)))` (sklearn `"log2"`).
    Log2,
    /// `max(1, floor(f · n_features))` for `f` in (0, 1] (sklearn float).
    Fraction(f64),
}

impl MaxFeatures {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "feature counts"
    )]
    fn count(self, d: usize) -> usize {
        let k = match self {
            Self::All => d,
            Self::Sqrt => (d as f64).sqrt().floor() as usize,
            Self::Log2 => (d as f64).log2().floor() as usize,
            Self::Fraction(f) => (f * d as f64).floor() as usize,
        };
        k.clamp(1, d.max(1))
    }

    fn check(self) -> Result<()> {
        match self {
            Self::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::param(
                "max_features",
                f,
                "a fraction must be in (0, 1]",
            )),
            _ => Ok(()),
        }
    }
}

/// Validated hyperparameters of [`DecisionTree`] (scikit-learn's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `criterion` | `gini` | impurity measure | gini, entropy |
/// | `max_depth` | none | maximum depth | ≥ 1 or none |
/// | `min_samples_split` | `2` | minimum rows to split a node | ≥ 2 |
/// | `min_samples_leaf` | `1` | minimum rows in each child | ≥ 1 |
/// | `min_impurity_decrease` | `0.0` | minimum weighted impurity decrease of a split | ≥ 0 |
/// | `max_features` | `all` | candidate features per split (random when not `all`) | all, sqrt, log2, fraction |
/// | `seed` | `0` | RNG seed for the feature draws (unused with `all`) | any |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecisionTreeValidParams {
    criterion: SplitQuality,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_impurity_decrease: f64,
    max_features: MaxFeatures,
    seed: u64,
}

impl Default for DecisionTreeValidParams {
    fn default() -> Self {
        Self {
            criterion: SplitQuality::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            min_impurity_decrease: 0.0,
            max_features: MaxFeatures::All,
            seed: 0,
        }
    }
}

impl DecisionTreeValidParams {
    /// Maximum depth.
    #[must_use]
    pub fn max_depth(&self) -> Option<usize> {
        self.max_depth
    }
}

/// Decision tree hyperparameters (unchecked builder); see [`DecisionTreeValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DecisionTreeParams(DecisionTreeValidParams);

impl DecisionTreeParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Split criterion.
    #[must_use]
    pub fn criterion(mut self, q: SplitQuality) -> Self {
        self.0.criterion = q;
        self
    }
    /// Maximum depth (`None`: grow until pure or the other limits stop it).
    #[must_use]
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.0.max_depth = d;
        self
    }
    /// Minimum rows to split a node.
    #[must_use]
    pub fn min_samples_split(mut self, n: usize) -> Self {
        self.0.min_samples_split = n;
        self
    }
    /// Minimum rows per child.
    #[must_use]
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.min_samples_leaf = n;
        self
    }
    /// Minimum weighted impurity decrease of a split.
    #[must_use]
    pub fn min_impurity_decrease(mut self, v: f64) -> Self {
        self.0.min_impurity_decrease = v;
        self
    }
    /// Candidate features per split.
    #[must_use]
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.0.max_features = m;
        self
    }
    /// Seed for the feature draws.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
}

fn check_tree(p: &DecisionTreeValidParams) -> Result<()> {
    if p.max_depth == Some(0) {
        return Err(Error::param("max_depth", 0, "must be >= 1 (or none)"));
    }
    if p.min_samples_split < 2 {
        return Err(Error::param(
            "min_samples_split",
            p.min_samples_split,
            "must be >= 2",
        ));
    }
    if p.min_samples_leaf == 0 {
        return Err(Error::param("min_samples_leaf", 0, "must be >= 1"));
    }
    if !(p.min_impurity_decrease.is_finite() && p.min_impurity_decrease >= 0.0) {
        return Err(Error::param(
            "min_impurity_decrease",
            p.min_impurity_decrease,
            "must be finite and >= 0",
        ));
    }
    p.max_features.check()
}

impl ParamGuard for DecisionTreeParams {
    type Checked = DecisionTreeValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        check_tree(&self.0)?;
        Ok(&self.0)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// One node of a flattened tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Node {
    /// `x[feature] <= threshold` goes left.
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
    },
    /// Class frequencies of the training rows that reached the leaf (sum 1).
    Leaf { proba: Vec<f64> },
}

/// A flattened tree over the original feature columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct FlatTree {
    nodes: Vec<Node>,
}

impl FlatTree {
    /// Index of the leaf `row` falls into. Walks at most `nodes.len()` steps, so a corrupt
    /// (cyclic) tree loaded from bytes cannot loop.
    fn leaf(&self, row: ArrayView1<'_, f64>) -> Result<usize> {
        let mut i = 0;
        for _ in 0..=self.nodes.len() {
            match self.nodes.get(i) {
                Some(Node::Leaf { .. }) => return Ok(i),
                Some(Node::Split {
                    feature,
                    threshold,
                    left,
                    right,
                }) => {
                    let v = row
                        .get(*feature)
                        .ok_or_else(|| Error::Format("tree splits on a missing column".into()))?;
                    i = if *v <= *threshold { *left } else { *right };
                }
                None => return Err(Error::Format("tree node index out of range".into())),
            }
        }
        Err(Error::Format("tree has a cycle".into()))
    }

    fn proba_into(&self, x: ArrayView2<'_, f64>, out: &mut Array2<f64>) -> Result<()> {
        for (row, mut o) in x.outer_iter().zip(out.outer_iter_mut()) {
            let leaf = self.leaf(row)?;
            if let Some(Node::Leaf { proba }) = self.nodes.get(leaf) {
                if proba.len() != o.len() {
                    return Err(Error::Format("leaf has the wrong number of classes".into()));
                }
                o.iter_mut().zip(proba).for_each(|(a, b)| *a += b);
            }
        }
        Ok(())
    }
}

#[allow(clippy::cast_precision_loss, reason = "row counts")]
fn impurity(q: SplitQuality, counts: &[f64], n: usize) -> f64 {
    let n = n as f64;
    match q {
        SplitQuality::Gini => 1.0 - counts.iter().map(|c| c * c).sum::<f64>() / (n * n),
        SplitQuality::Entropy => -counts
            .iter()
            .filter(|&&c| c > 0.0)
            .map(|&c| {
                let p = c / n;
                p * p.log2()
            })
            .sum::<f64>(),
    }
}

/// Grows one CART tree depth-first.
struct Grower<'p, 'x, 'l> {
    x: ArrayView2<'x, f64>,
    labels: ArrayView1<'l, usize>,
    k: usize,
    p: &'p DecisionTreeValidParams,
    n_total: usize,
    rng: ChaCha8Rng,
    nodes: Vec<Node>,
    features: Vec<usize>,
    order: Vec<(f64, usize)>,
}

struct Best {
    feature: usize,
    threshold: f64,
    proxy: f64,
    imp_left: f64,
    imp_right: f64,
    n_left: usize,
}

impl Grower<'_, '_, '_> {
    fn counts(&self, rows: &[usize]) -> Vec<f64> {
        let mut c = vec![0.0; self.k];
        for &r in rows {
            if let Some(slot) = self.labels.get(r).and_then(|&l| c.get_mut(l)) {
                *slot += 1.0;
            }
        }
        c
    }

    fn leaf(&mut self, counts: &[f64], n: usize) -> usize {
        #[allow(clippy::cast_precision_loss, reason = "row counts")]
        let proba = counts.iter().map(|c| c / n as f64).collect();
        self.nodes.push(Node::Leaf { proba });
        self.nodes.len() - 1
    }

    #[allow(clippy::cast_precision_loss, reason = "row counts")]
    fn best_split(&mut self, rows: &[usize], parent: &[f64]) -> Option<Best> {
        let n = rows.len();
        let d = self.x.ncols();
        let m = self.p.max_features.count(d);
        // candidate features: all in order, or a fresh random draw (partial Fisher-Yates)
        let mut cands: Vec<usize> = if m >= d {
            (0..d).collect()
        } else {
            for i in 0..m {
                let j = self.rng.random_range(i..d);
                self.features.swap(i, j);
            }
            let mut c = self.features[..m].to_vec();
            c.sort_unstable();
            c
        };
        let min_leaf = self.p.min_samples_leaf;
        let q = self.p.criterion;
        let mut best: Option<Best> = None;
        for f in cands.drain(..) {
            self.order.clear();
            self.order.extend(rows.iter().map(|&r| (self.x[[r, f]], r)));
            self.order
                .sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut left = vec![0.0; self.k];
            let mut right = parent.to_vec();
            for i in 0..n - 1 {
                let (v, r) = self.order[i];
                let l = self.labels[r];
                left[l] += 1.0;
                right[l] -= 1.0;
                let next = self.order[i + 1].0;
                if next <= v + FEATURE_THRESHOLD {
                    continue;
                }
                let n_left = i + 1;
                let n_right = n - n_left;
                if n_left < min_leaf || n_right < min_leaf {
                    continue;
                }
                let imp_left = impurity(q, &left, n_left);
                let imp_right = impurity(q, &right, n_right);
                let proxy = -(n_right as f64) * imp_right - (n_left as f64) * imp_left;
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    let mut threshold = v / 2.0 + next / 2.0;
                    if threshold == next || !threshold.is_finite() {
                        threshold = v;
                    }
                    best = Some(Best {
                        feature: f,
                        threshold,
                        proxy,
                        imp_left,
                        imp_right,
                        n_left,
                    });
                }
            }
        }
        best
    }

    #[allow(clippy::cast_precision_loss, reason = "row counts")]
    fn grow(&mut self, rows: &mut [usize], depth: usize) -> usize {
        let n = rows.len();
        let counts = self.counts(rows);
        let imp = impurity(self.p.criterion, &counts, n);
        let stop = self.p.max_depth.is_some_and(|m| depth >= m)
            || n < self.p.min_samples_split
            || n < 2 * self.p.min_samples_leaf
            || imp <= f64::EPSILON;
        if stop {
            return self.leaf(&counts, n);
        }
        let Some(b) = self.best_split(rows, &counts) else {
            return self.leaf(&counts, n);
        };
        let (nf, nl) = (n as f64, b.n_left as f64);
        let nr = nf - nl;
        let improvement =
            nf / self.n_total as f64 * (imp - nr / nf * b.imp_right - nl / nf * b.imp_left);
        if improvement + f64::EPSILON < self.p.min_impurity_decrease {
            return self.leaf(&counts, n);
        }
        // partition rows: left (<= threshold) first, keeping relative order
        let (mut l, mut r): (Vec<usize>, Vec<usize>) = rows
            .iter()
            .partition(|&&row| self.x[[row, b.feature]] <= b.threshold);
        let me = self.nodes.len();
        self.nodes.push(Node::Leaf { proba: Vec::new() });
        let left = self.grow(&mut l, depth + 1);
        let right = self.grow(&mut r, depth + 1);
        self.nodes[me] = Node::Split {
            feature: b.feature,
            threshold: b.threshold,
            left,
            right,
        };
        me
    }
}

/// Grows one tree on `rows` (indices into `x`, repeats allowed for bootstrap samples).
fn grow(
    p: &DecisionTreeValidParams,
    x: ArrayView2<'_, f64>,
    labels: ArrayView1<'_, usize>,
    rows: &mut [usize],
    k: usize,
    rng: ChaCha8Rng,
) -> FlatTree {
    let mut g = Grower {
        x,
        labels,
        k,
        p,
        n_total: rows.len(),
        rng,
        nodes: Vec::new(),
        features: (0..x.ncols()).collect(),
        order: Vec::with_capacity(rows.len()),
    };
    g.grow(rows, 0);
    FlatTree { nodes: g.nodes }
}

fn predict_from_proba(classes: &[f64], p: &Array2<f64>) -> Array1<f64> {
    p.outer_iter()
        .map(|r| classes.get(argmax(r)).copied().unwrap_or(f64::NAN))
        .collect()
}

/// Fitted decision tree classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    classes: Vec<f64>,
    n_features: usize,
    tree: FlatTree,
}

impl DecisionTree {
    /// Number of nodes (splits and leaves).
    #[must_use]
    pub fn n_nodes(&self) -> usize {
        self.tree.nodes.len()
    }
}

impl Fit for DecisionTreeValidParams {
    type Fitted = DecisionTree;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<DecisionTree> {
        check_tree(self)?;
        let enc = encode_labels(data.targets(), 1)?;
        let mut rows: Vec<usize> = (0..data.n_rows()).collect();
        let tree = grow(
            self,
            data.features(),
            enc.idx.view(),
            &mut rows,
            enc.classes.len(),
            ChaCha8Rng::seed_from_u64(self.seed),
        );
        Ok(DecisionTree {
            classes: enc.classes,
            n_features: data.n_features(),
            tree,
        })
    }
}

impl Predict for DecisionTree {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(predict_from_proba(&self.classes, &self.predict_proba(x)?))
    }
}

impl PredictProba for DecisionTree {
    fn classes(&self) -> &[f64] {
        &self.classes
    }
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features)?;
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        self.tree.proba_into(x, &mut out)?;
        Ok(out)
    }
}

impl Persist for DecisionTree {
    const KIND: &'static str = "decision_tree";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(read_envelope(bytes, Self::KIND)?.0)
    }
}

// ---------------------------------------------------------------- random forest

/// Validated hyperparameters of [`RandomForest`] (see the module docs).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `n_trees` | `100` | number of trees (sklearn `n_estimators`) | ≥ 1 |
/// | `max_features` | `sqrt` | candidate features per split | all, sqrt, log2, fraction |
/// | `bootstrap` | `true` | sample rows with replacement per tree (else all rows) | bool |
/// | `max_samples` | `1.0` | bootstrap size as a fraction of the rows | (0, 1] |
/// | `seed` | `0` | tree `i` uses stream `i` of ChaCha8 seeded with this | any |
/// | `max_depth`, `min_samples_split`, `min_samples_leaf`, `min_impurity_decrease`, `criterion` | as [`DecisionTreeValidParams`] | per-tree limits | |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomForestValidParams {
    n_trees: usize,
    max_features: MaxFeatures,
    bootstrap: bool,
    max_samples: f64,
    seed: u64,
    criterion: SplitQuality,
    max_depth: Option<usize>,
    min_samples_split: usize,
    min_samples_leaf: usize,
    min_impurity_decrease: f64,
}

impl Default for RandomForestValidParams {
    fn default() -> Self {
        let t = DecisionTreeValidParams::default();
        Self {
            n_trees: 100,
            max_features: MaxFeatures::Sqrt,
            bootstrap: true,
            max_samples: 1.0,
            seed: 0,
            criterion: t.criterion,
            max_depth: t.max_depth,
            min_samples_split: t.min_samples_split,
            min_samples_leaf: t.min_samples_leaf,
            min_impurity_decrease: t.min_impurity_decrease,
        }
    }
}

impl RandomForestValidParams {
    /// Number of trees.
    #[must_use]
    pub fn n_trees(&self) -> usize {
        self.n_trees
    }

    fn tree(&self, seed: u64) -> DecisionTreeValidParams {
        DecisionTreeValidParams {
            criterion: self.criterion,
            max_depth: self.max_depth,
            min_samples_split: self.min_samples_split,
            min_samples_leaf: self.min_samples_leaf,
            min_impurity_decrease: self.min_impurity_decrease,
            max_features: self.max_features,
            seed,
        }
    }
}

/// Random forest hyperparameters (unchecked builder); see [`RandomForestValidParams`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RandomForestParams(RandomForestValidParams);

impl RandomForestParams {
    /// Default hyperparameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of trees.
    #[must_use]
    pub fn n_trees(mut self, n: usize) -> Self {
        self.0.n_trees = n;
        self
    }
    /// Candidate features per split.
    #[must_use]
    pub fn max_features(mut self, m: MaxFeatures) -> Self {
        self.0.max_features = m;
        self
    }
    /// Sample rows with replacement.
    #[must_use]
    pub fn bootstrap(mut self, yes: bool) -> Self {
        self.0.bootstrap = yes;
        self
    }
    /// Bootstrap sample size as a fraction of the rows.
    #[must_use]
    pub fn max_samples(mut self, f: f64) -> Self {
        self.0.max_samples = f;
        self
    }
    /// RNG seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Split criterion of every tree.
    #[must_use]
    pub fn criterion(mut self, q: SplitQuality) -> Self {
        self.0.criterion = q;
        self
    }
    /// Maximum depth of every tree.
    #[must_use]
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.0.max_depth = d;
        self
    }
    /// Minimum rows to split a node.
    #[must_use]
    pub fn min_samples_split(mut self, n: usize) -> Self {
        self.0.min_samples_split = n;
        self
    }
    /// Minimum rows per child.
    #[must_use]
    pub fn min_samples_leaf(mut self, n: usize) -> Self {
        self.0.min_samples_leaf = n;
        self
    }
}

fn check_forest(p: &RandomForestValidParams) -> Result<()> {
    if p.n_trees == 0 {
        return Err(Error::param("n_trees", 0, "must be >= 1"));
    }
    if !(p.max_samples > 0.0 && p.max_samples <= 1.0) {
        return Err(Error::param(
            "max_samples",
            p.max_samples,
            "must be in (0, 1]",
        ));
    }
    check_tree(&p.tree(p.seed))
}

impl ParamGuard for RandomForestParams {
    type Checked = RandomForestValidParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&Self::Checked> {
        check_forest(&self.0)?;
        Ok(&self.0)
    }
    fn check(self) -> Result<Self::Checked> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Fitted random forest; `predict_proba` averages the trees' leaf frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    classes: Vec<f64>,
    n_features: usize,
    trees: Vec<FlatTree>,
}

impl RandomForest {
    /// Number of trees.
    #[must_use]
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "fractions in (0, 1] of a row count"
)]
fn fraction_of(f: f64, n: usize) -> usize {
    ((f * n as f64).round() as usize).clamp(1, n)
}

impl Fit for RandomForestValidParams {
    type Fitted = RandomForest;
    type Error = Error;
    fn fit(&self, data: &TrainData<'_>) -> Result<RandomForest> {
        check_forest(self)?;
        let enc = encode_labels(data.targets(), 1)?;
        let (n, d, k) = (data.n_rows(), data.n_features(), enc.classes.len());
        let n_rows = fraction_of(self.max_samples, n);
        let x = data.features();
        let labels = enc.idx.view();
        let trees = (0..self.n_trees)
            .into_par_iter()
            .map(|i| {
                let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                rng.set_stream(i as u64);
                let mut rows: Vec<usize> = if self.bootstrap {
                    (0..n_rows).map(|_| rng.random_range(0..n)).collect()
                } else {
                    (0..n).collect()
                };
                rows.sort_unstable();
                let tree = self.tree(self.seed);
                grow(&tree, x, labels, &mut rows, k, rng)
            })
            .collect::<Vec<_>>();
        Ok(RandomForest {
            classes: enc.classes,
            n_features: d,
            trees,
        })
    }
}

impl Predict for RandomForest {
    type Error = Error;
    fn n_features(&self) -> usize {
        self.n_features
    }
    fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(predict_from_proba(&self.classes, &self.predict_proba(x)?))
    }
}

impl PredictProba for RandomForest {
    fn classes(&self) -> &[f64] {
        &self.classes
    }
    #[allow(clippy::cast_precision_loss, reason = "tree count")]
    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        check_input(x, self.n_features)?;
        let mut out = Array2::zeros((x.nrows(), self.classes.len()));
        for t in &self.trees {
            t.proba_into(x, &mut out)?;
        }
        out /= self.trees.len().max(1) as f64;
        Ok(out)
    }
}

impl Persist for RandomForest {
    const KIND: &'static str = "random_forest";
    fn to_bytes(&self) -> Result<Vec<u8>> {
        write_envelope(Self::KIND, self, &[])
    }
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let m: Self = read_envelope(bytes, Self::KIND)?.0;
        if m.trees.is_empty() {
            return Err(Error::Format("random forest without trees".into()));
        }
        Ok(m)
    }
}
