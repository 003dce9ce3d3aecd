"""Expected values for aaiti-models' scikit-learn parity tests.

Run from a throwaway venv (outside the repo):
    python3 -m venv /tmp/venv-models && /tmp/venv-models/bin/pip install scikit-learn numpy
    /tmp/venv-models/bin/python tests/golden/models/gen_sklearn.py
Writes sklearn_parity.json next to this script: the data (so Rust fits exactly the same rows)
and sklearn's fitted coefficients / predictions.
"""
import json, os
import numpy as np
import sklearn
from sklearn.linear_model import LinearRegression, ElasticNet, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

rng = np.random.default_rng(20261128)
out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "cases": {}}


def arr(a):
    return np.asarray(a, dtype=float).tolist()


def reg_data(n, d):
    x = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = x @ w + 0.7 + 0.3 * rng.normal(size=n)
    return x, y


def clf_data(n, d, k):
    x = rng.normal(size=(n, d))
    w = rng.normal(size=(d, k))
    logits = x @ w + 0.8 * rng.normal(size=(n, k))
    y = logits.argmax(axis=1).astype(float)
    return x, y


# ordinary least squares
x, y = reg_data(200, 5)
xt, _ = reg_data(50, 5)
m = LinearRegression().fit(x, y)
out["cases"]["linear_regression"] = dict(x=arr(x), y=arr(y), x_test=arr(xt), coef=arr(m.coef_),
                                         intercept=float(m.intercept_), pred=arr(m.predict(xt)))

# elastic net, converged tightly
for name, alpha, l1 in [("elastic_net", 0.1, 0.5), ("lasso_like", 0.05, 0.9)]:
    x, y = reg_data(300, 6)
    xt, _ = reg_data(50, 6)
    m = ElasticNet(alpha=alpha, l1_ratio=l1, tol=1e-12, max_iter=1_000_000).fit(x, y)
    out["cases"][name] = dict(x=arr(x), y=arr(y), x_test=arr(xt), alpha=alpha, l1_ratio=l1,
                              coef=arr(m.coef_), intercept=float(m.intercept_), pred=arr(m.predict(xt)))

# logistic regression, binary and multinomial (lbfgs, l2, C = 1/alpha)
for name, k, c in [("logistic_binary", 2, 1.0), ("logistic_multinomial", 3, 0.5)]:
    x, y = clf_data(300, 4, k)
    xt, _ = clf_data(60, 4, k)
    m = LogisticRegression(C=c, tol=1e-12, max_iter=100_000).fit(x, y)
    out["cases"][name] = dict(x=arr(x), y=arr(y), x_test=arr(xt), alpha=1.0 / c,
                              coef=arr(m.coef_), intercept=arr(m.intercept_),
                              proba=arr(m.predict_proba(xt)), pred=arr(m.predict(xt)))

# Gaussian naive Bayes
x, y = clf_data(300, 4, 3)
xt, _ = clf_data(60, 4, 3)
m = GaussianNB().fit(x, y)
out["cases"]["gaussian_nb"] = dict(x=arr(x), y=arr(y), x_test=arr(xt), proba=arr(m.predict_proba(xt)),
                                   pred=arr(m.predict(xt)))

# decision trees (exhaustive splits; continuous features so no exact ties)
for name, crit, depth, leaf in [("tree_gini_d4", "gini", 4, 1), ("tree_entropy_d6_leaf5", "entropy", 6, 5),
                                ("tree_gini_full", "gini", None, 1)]:
    x, y = clf_data(300, 5, 3)
    xt, _ = clf_data(80, 5, 3)
    m = DecisionTreeClassifier(criterion=crit, max_depth=depth, min_samples_leaf=leaf, random_state=0).fit(x, y)
    base = m.predict_proba(xt)
    # sklearn breaks exact ties between candidate splits by a random feature permutation:
    # how many test rows change between its own random_state values bounds a fair comparison
    self_diff = max(
        int((np.abs(DecisionTreeClassifier(criterion=crit, max_depth=depth, min_samples_leaf=leaf,
                                            random_state=s).fit(x, y).predict_proba(xt) - base) > 1e-12)
            .any(axis=1).sum())
        for s in range(1, 21))
    out["cases"][name] = dict(x=arr(x), y=arr(y), x_test=arr(xt), criterion=crit, max_depth=depth,
                              min_samples_leaf=leaf, proba=arr(base), pred=arr(m.predict(xt)),
                              n_nodes=int(m.tree_.node_count), sklearn_self_disagreement=self_diff)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_parity.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", path, os.path.getsize(path), "bytes; sklearn", sklearn.__version__)
