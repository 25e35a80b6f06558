"""Shapley interaction values (path-dependent): the definition, shap's shap_interaction_values, xgboost's
pred_interactions, the row sums, and the warning before a huge allocation.

Tolerances: 1e-10 against the brute-force definition; 1e-6 times the output scale against shap and
xgboost (float32 inside); row sums equal the SHAP values to 1e-10.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

import unboxed.shapley.tree as tree_module
from unboxed.shapley.tree import TreeShap

shap = pytest.importorskip("shap")


def _cond_exp(tree, x32, S):
    def rec(i):
        if tree.children_left[i] < 0:
            return tree.value[i, 0, 0]
        f = tree.feature[i]
        le, ri = tree.children_left[i], tree.children_right[i]
        if f in S:
            return rec(le if x32[f] <= tree.threshold[i] else ri)
        w = tree.weighted_n_node_samples
        return (w[le] * rec(le) + w[ri] * rec(ri)) / w[i]
    return rec(0)


def brute_force_interactions(model, x):
    """Shapley interaction index (halved off the diagonal, as shap) from the definition."""
    p = x.size
    x32 = np.asarray(x, dtype=np.float32).astype(np.float64)
    trees = [e.tree_ for e in model.estimators_] if hasattr(model, "estimators_") else [model.tree_]
    cache = {}

    def v(S):
        S = frozenset(S)
        if S not in cache:
            cache[S] = np.mean([_cond_exp(t, x32, S) for t in trees])
        return cache[S]

    out = np.zeros((p, p))
    for i, j in itertools.combinations(range(p), 2):
        rest = [k for k in range(p) if k not in (i, j)]
        acc = 0.0
        for r in range(p - 1):
            for S in itertools.combinations(rest, r):
                w = math.factorial(r) * math.factorial(p - r - 2) / math.factorial(p - 1)
                acc += w * (v(set(S) | {i, j}) - v(set(S) | {i}) - v(set(S) | {j}) + v(S))
        out[i, j] = out[j, i] = acc / 2
    for i in range(p):
        rest = [k for k in range(p) if k != i]
        phi = 0.0
        for r in range(p):
            for S in itertools.combinations(rest, r):
                w = math.factorial(r) * math.factorial(p - r - 1) / math.factorial(p)
                phi += w * (v(set(S) | {i}) - v(S))
        out[i, i] = phi - (out[i].sum() - out[i, i])
    return out


@pytest.mark.parametrize("seed,p,depth,forest", [(0, 3, 3, False), (1, 5, 4, False), (2, 4, 5, True)])
def test_matches_the_definition(seed, p, depth, forest):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, p)).round(1)
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, -1])
    model = (RandomForestRegressor(n_estimators=3, max_depth=depth, random_state=seed) if forest
             else DecisionTreeRegressor(max_depth=depth, random_state=seed)).fit(X, y)
    attr = TreeShap(model, progress=False).explain(X[:4], interactions=True)
    assert attr.interactions.shape == (4, p, p, 1)
    for i in range(4):
        np.testing.assert_allclose(attr.interactions[i, :, :, 0], brute_force_interactions(model, X[i]),
                                   rtol=0, atol=1e-10)
    np.testing.assert_allclose(attr.interactions.sum(axis=2), attr.values, rtol=0, atol=1e-10)


def test_matches_shap_and_xgboost(rng):
    xgb = pytest.importorskip("xgboost")
    X = rng.normal(size=(500, 6))
    X[rng.random(X.shape) < 0.05] = np.nan
    y = np.nan_to_num(X[:, 0]) * np.nan_to_num(X[:, 1]) + np.nan_to_num(X[:, 2])
    rows = X[:40]
    for model in (xgb.XGBRegressor(n_jobs=1, n_estimators=15, max_depth=4).fit(X, y),
                  GradientBoostingRegressor(n_estimators=10, max_depth=3, random_state=0).fit(np.nan_to_num(X), y)):
        data = rows if "XGB" in type(model).__name__ else np.nan_to_num(rows)
        attr = TreeShap(model, progress=False).explain(data, interactions=True)
        s = shap.TreeExplainer(model).shap_interaction_values(data)
        scale = max(1.0, np.abs(y).max())
        np.testing.assert_allclose(attr.interactions[..., 0], s, rtol=0, atol=1e-6 * scale)
        np.testing.assert_allclose(attr.interactions.sum(axis=2), attr.values, rtol=0, atol=1e-10)
        if "XGB" in type(model).__name__:
            inter = model.get_booster().predict(xgb.DMatrix(data), pred_interactions=True)
            np.testing.assert_allclose(attr.interactions[..., 0], inter[:, :-1, :-1], rtol=0, atol=1e-5)


def test_multiclass_forest_interactions():
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    attr = TreeShap(model, progress=False).explain(X[:20], interactions=True)
    assert attr.interactions.shape == (20, 4, 4, 3)
    np.testing.assert_allclose(attr.interactions, np.swapaxes(attr.interactions, 1, 2), rtol=0, atol=1e-12)
    np.testing.assert_allclose(attr.interactions.sum(axis=2), attr.values, rtol=0, atol=1e-10)
    s = np.asarray(shap.TreeExplainer(model).shap_interaction_values(X[:20]))
    if s.shape[0] != 20:
        s = np.moveaxis(s, 0, -1)
    np.testing.assert_allclose(attr.interactions, s, rtol=0, atol=1e-9)
    # slicing an Attribution keeps the interactions aligned
    sub = attr[:3]
    assert sub.interactions.shape == (3, 4, 4, 3)


def test_warns_before_allocating_huge_interactions(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5))
    model = DecisionTreeRegressor(max_depth=3).fit(X, X[:, 0])
    monkeypatch.setattr(tree_module, "INTERACTION_WARN_BYTES", 1000)
    with pytest.warns(ResourceWarning, match="GiB"):
        attr = TreeShap(model, progress=False).explain(X[:10], interactions=True)
    assert attr.interactions.shape == (10, 5, 5, 1)
    with pytest.raises(ValueError, match="path-dependent"):
        TreeShap(model, X[:10], progress=False).explain(X[:3], interactions=True)
